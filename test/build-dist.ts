/**
 * Vitest global set-up: rebuilds dist/ (`scripts/build-dist.mjs`, as `npm run build`) when any source is newer than
 * the last build, so the binary smoke tests and the servers the end-to-end suites spawn never run
 * stale code under a bare `npx vitest run`. Nothing is done when dist/ is current.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const stamp = join(root, 'dist', '.built');
const sources = ['src', 'web', 'bench', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

function newestChange(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, entry)));
  return newest;
}

export default function setup(): void {
  const built = existsSync(join(root, 'dist', 'src', 'cli', 'main.js'))
    ? (statSync(stamp, { throwIfNoEntry: false })?.mtimeMs ?? 0)
    : 0;
  const changed = Math.max(...sources.map((s) => newestChange(join(root, s))));
  if (built >= changed) return;
  // The same clean build as `npm run build`, stamp included.
  execFileSync(process.execPath, [join(root, 'scripts', 'build-dist.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
}
