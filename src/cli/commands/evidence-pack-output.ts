/**
 * Where `clearance evidence-pack export` writes a pack: a directory (new or empty), or — when the
 * output ends in `.tar.gz` or `.tgz` — the gzip-compressed tar the API serves.
 */
import { lstat, mkdir, readdir, realpath, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { type EvidencePack, evidencePackArchive } from '../../app/index.js';
import { ClearanceError } from '../../domain/index.js';

export type PackOutput = { kind: 'directory' | 'archive'; path: string };

export function packOutput(output: string): PackOutput {
  const path = resolve(output);
  return { kind: /\.(tar\.gz|tgz)$/i.test(output) ? 'archive' : 'directory', path };
}

function invalid(message: string, fix: string): ClearanceError {
  return new ClearanceError('invalid_input', message, { problems: [{ message, fix }] });
}

/** Refuses to overwrite: a non-empty directory or an existing file needs `--force`. */
export async function assertWritable(out: PackOutput, force: boolean): Promise<void> {
  if (force) return;
  if (out.kind === 'archive') {
    const exists = await stat(out.path).then(
      () => true,
      () => false,
    );
    if (exists)
      throw invalid(`Output file ${out.path} exists.`, 'Choose a new file, or pass --force.');
    return;
  }
  const existing = await readdir(out.path).catch(() => [] as string[]);
  if (existing.length > 0)
    throw invalid(
      `Output directory ${out.path} is not empty.`,
      'Choose an empty or new directory, or pass --force to write into it.',
    );
}

/** Writes the pack; `archive` is the downloaded .tar.gz, written as received when given. */
export async function writePack(
  out: PackOutput,
  pack: EvidencePack,
  archive?: Uint8Array,
): Promise<void> {
  if (out.kind === 'archive') {
    await mkdir(dirname(out.path), { recursive: true });
    await writeFile(out.path, archive ?? (await evidencePackArchive(pack)).bytes);
    return;
  }
  assertPortablePaths(pack);
  await mkdir(out.path, { recursive: true });
  const root = await realpath(out.path);
  for (const file of pack.files) {
    const target = join(out.path, ...file.path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    // With --force the directory may hold links planted earlier: never write through one.
    const where = await realpath(dirname(target));
    const link = await lstat(target).then(
      (info) => info.isSymbolicLink(),
      () => false,
    );
    if (link || (where !== root && !where.startsWith(`${root}${sep}`))) {
      throw invalid(
        `${target} is or lies behind a symbolic link; the pack is not written through links.`,
        'Export into a new or empty directory.',
      );
    }
    await writeFile(target, file.bytes);
  }
}

/** Paths that differ only in case would overwrite each other on macOS and Windows: refused. */
function assertPortablePaths(pack: EvidencePack): void {
  const seen = new Map<string, string>();
  for (const { path } of pack.files) {
    const folded = path.toLowerCase();
    const other = seen.get(folded);
    if (other !== undefined) {
      throw invalid(
        `The pack holds ${other} and ${path}, which differ only in case.`,
        'Export as a .tar.gz instead (--output pack.tar.gz).',
      );
    }
    seen.set(folded, path);
  }
}
