/**
 * `clearance --version`: the package version, plus the commit when the build ran in a git checkout
 * of its own. scripts/build-info.mjs runs here on throw-away repositories, as the build runs it.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { versionLine } from '../../src/cli/version.js';
import { repoRoot, runBinary } from './run-cli.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();

function packageIn(dir: string, version: string): string {
  mkdirSync(join(dir, 'examples'), { recursive: true });
  mkdirSync(join(dir, 'scripts'), { recursive: true });
  cpSync(join(repoRoot, 'scripts', 'build-info.mjs'), join(dir, 'scripts', 'build-info.mjs'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'clearance', version }));
  return dir;
}

const writeBuildInfo = (root: string) =>
  execFileSync(process.execPath, [join(root, 'scripts', 'build-info.mjs'), root]);

describe('clearance --version', () => {
  it('states the commit a build in a git checkout came from, and local changes', () => {
    const root = packageIn(mkdtempSync(join(tmpdir(), 'clearance-version-')), '9.8.7');
    git(root, 'init', '-q');
    git(root, 'add', '.');
    git(root, 'commit', '-q', '-m', 'first');
    writeBuildInfo(root);
    const head = git(root, 'rev-parse', 'HEAD');
    expect(versionLine(root)).toBe(`9.8.7 (commit ${head.slice(0, 12)})`);

    writeFileSync(join(root, 'package.json'), JSON.stringify({ version: '9.8.8' }));
    writeBuildInfo(root);
    expect(versionLine(root)).toBe(`9.8.8 (commit ${head.slice(0, 12)} + local changes)`);
  });

  it('states the version alone outside git, and inside another project’s repository', () => {
    const alone = packageIn(mkdtempSync(join(tmpdir(), 'clearance-version-')), '1.2.3');
    writeBuildInfo(alone);
    expect(versionLine(alone)).toBe('1.2.3');

    const outer = mkdtempSync(join(tmpdir(), 'clearance-version-outer-'));
    git(outer, 'init', '-q');
    const inner = packageIn(join(outer, 'node_modules', 'clearance'), '1.2.3');
    git(outer, 'add', '.');
    git(outer, 'commit', '-q', '-m', 'vendor');
    writeBuildInfo(inner);
    expect(versionLine(inner)).toBe('1.2.3');
  });

  it('is what the built binary prints', () => {
    const run = runBinary(['--version']);
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(versionLine(repoRoot));
    expect(run.stdout).toMatch(/^0\.1\.0 \(commit [0-9a-f]{12}( \+ local changes)?\)\n$/);
  });
});
