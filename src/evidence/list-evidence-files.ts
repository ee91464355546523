/** Every regular file under an evidence directory, relative, forward slashes, sorted. */
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { ignoredEvidenceFolders } from '../domain/index.js';

/** Version-control and dependency folders are not evidence (uploads refuse paths inside them). */
const skipped = new Set(ignoredEvidenceFolders);

export async function listEvidenceFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'))
    .filter((p) => !p.split('/').some((part) => skipped.has(part)))
    .sort();
}
