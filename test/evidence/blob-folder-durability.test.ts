import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { foldersMade } from '../../src/evidence/blob-file-ops.js';

const child = join(import.meta.dirname, 'blob-put-child.ts');
const strace = spawnSync('strace', ['-V']).status === 0;

/**
 * Every folder a blob write makes is flushed into its parent, and the blob's own folder after the
 * rename: read off the system calls of a real process under strace (Debian's; .ci/run installs
 * it), which shows each directory opened and fsync'd.
 */
describe('the file blob store makes its folders durable', () => {
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'clearance-blob-durable-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('names the folders a recursive mkdir made, outermost first', () => {
    expect(foldersMade('/r/sha256/ab/cd', '/r/sha256')).toStrictEqual([
      '/r/sha256',
      '/r/sha256/ab',
      '/r/sha256/ab/cd',
    ]);
    expect(foldersMade('/r/sha256/ab/cd', '/r/sha256/ab/cd')).toStrictEqual(['/r/sha256/ab/cd']);
    expect(foldersMade('/r/sha256/ab/cd', undefined)).toStrictEqual([]);
  });

  for (const where of ['thread', 'here'] as const) {
    it.skipIf(!strace)(`flushes each new folder's parent and the blob's folder (${where})`, () => {
      const root = join(work, 'blobs');
      mkdirSync(root, { mode: 0o700 });
      const trace = join(work, 'trace');
      const out = execFileSync(
        'strace',
        [
          '-f',
          '-qq',
          '-e',
          'trace=openat,fsync',
          '-o',
          trace,
          process.execPath,
          '--import',
          'tsx',
          child,
          root,
          where,
        ],
        { encoding: 'utf8' },
      );
      const hex = out.trim().slice('sha256:'.length);
      expect(hex).toMatch(/^[0-9a-f]{64}$/);
      const synced = fsyncedPaths(readFileSync(trace, 'utf8'));
      const folder = join(root, 'sha256', hex.slice(0, 2), hex.slice(2, 4));
      for (const path of [
        root,
        join(root, 'sha256'),
        join(root, 'sha256', hex.slice(0, 2)),
        folder,
      ]) {
        expect(synced).toContain(path);
      }
    });
  }
});

/** Paths fsync'd, from strace lines `pid openat(AT_FDCWD, "path", …) = fd` and `pid fsync(fd) = 0`. */
function fsyncedPaths(trace: string): string[] {
  const open = new Map<number, string>();
  const synced: string[] = [];
  for (const line of trace.split('\n')) {
    const opened = /openat\(AT_FDCWD, "([^"]+)", [^)]*\) = (\d+)$/.exec(line);
    if (opened?.[1] !== undefined) open.set(Number(opened[2]), opened[1]);
    const fsync = /fsync\((\d+)\) += 0$/.exec(line);
    const path = fsync ? open.get(Number(fsync[1])) : undefined;
    if (path !== undefined) synced.push(path);
  }
  return synced;
}
