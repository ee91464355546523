/**
 * `npm ci` refuses a lock file in which a dependency edge has no package entry, platform-only
 * optional ones included ("Missing: napi-windows-process-start-time@0.1.0 from lock file" was a
 * win32-only optional dependency of vite that an earlier lock left out). This resolves every edge
 * of package-lock.json as Node does (nearest node_modules upward) and requires an entry for each.
 * Engines are held by `engine-strict` in .npmrc: CI's `npm ci` on each supported major fails when
 * a package in the tree does not support it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../cli/run-cli.js';

interface LockedPackage {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  link?: boolean;
}

const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
  lockfileVersion: number;
  packages: Record<string, LockedPackage>;
};

function resolve(from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (lock.packages[candidate] !== undefined) return candidate;
    if (dir === '') return undefined;
    const at = dir.lastIndexOf('/node_modules/');
    dir = at === -1 ? '' : dir.slice(0, at);
  }
}

describe('package-lock.json', () => {
  it('has an entry for every dependency edge, optional and other-platform ones included', () => {
    expect(lock.lockfileVersion).toBe(3);
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const required = {
        ...entry.dependencies,
        ...entry.optionalDependencies,
        ...(path === '' ? entry.devDependencies : {}),
        ...Object.fromEntries(
          Object.entries(entry.peerDependencies ?? {}).filter(
            ([name]) => entry.peerDependenciesMeta?.[name]?.optional !== true,
          ),
        ),
      };
      for (const name of Object.keys(required)) {
        if (resolve(path, name) === undefined) missing.push(`${path || '(root)'} → ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('resolves cookie to 1.x without overrides, so Node 20 stays supported for consumers too', () => {
    // overrides apply only to this checkout, not to a project that installs the package: the
    // tree must need no cookie@2 (engines node >= 22) on its own (light-my-request ~6.6 asks ^1).
    const root = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      overrides?: Record<string, string>;
    };
    expect(root.overrides).toBeUndefined();
    const cookies = Object.entries(lock.packages).filter(([path]) =>
      path.endsWith('node_modules/cookie'),
    );
    expect(cookies.length).toBeGreaterThan(0);
    for (const [, entry] of cookies) expect(entry.version).toMatch(/^1\./);
  });
});
