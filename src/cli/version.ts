/**
 * `clearance --version`: the package's version, and the commit it was built from when the build
 * ran in a git checkout (scripts/build-info.mjs writes dist/build-info.json at build time; nothing
 * here runs git).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './package-root.js';

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** "0.1.0" or "0.1.0 (commit 1a2b3c4d5e6f)", with "+ local changes" when built from a dirty tree. */
export function versionLine(root: string = packageRoot()): string {
  const version = String(readJson(join(root, 'package.json'))?.version ?? 'unknown');
  const build = readJson(join(root, 'dist', 'build-info.json'));
  if (typeof build?.commit !== 'string') return version;
  return `${version} (commit ${build.commit}${build.dirty === true ? ' + local changes' : ''})`;
}
