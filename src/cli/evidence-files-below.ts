/** The files `clearance evidence attach` uploads from a path, under the names the server accepts. */
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { ignoredEvidenceFolders } from '../domain/index.js';

/**
 * Every regular file below `root` (or `root` itself if it is a file), with its path relative to
 * it: forward slashes, Unicode NFC (macOS tools may write decomposed names; the server accepts
 * NFC only), sorted. Folders the evidence reader skips (`.git`, `node_modules`, `.clearance`)
 * are left out, as the server would refuse them.
 */
export async function evidenceFilesBelow(root: string): Promise<{ path: string; file: string }[]> {
  const info = await stat(root);
  if (!info.isDirectory()) return [{ path: basename(root).normalize('NFC'), file: root }];
  const out: { path: string; file: string }[] = [];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    const parts = relative(root, file).split(sep);
    if (parts.some((part) => ignoredEvidenceFolders.includes(part))) continue;
    out.push({ path: parts.join('/').normalize('NFC'), file });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
