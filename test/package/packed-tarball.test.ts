/**
 * The package as a model repository gets it: `npm pack` of this checkout (dist/ built by the
 * global set-up), installed into an empty project in a temp directory from the npm cache alone
 * (`--offline`), then `npx clearance check` there on a worked example copied out of the package
 * (`clearance examples copy`), and docs/walkthrough.md's first section as written. No checkout
 * of Clearance is used. Install scripts are skipped here (`check` never loads the SQLite driver), which
 * keeps this at about 20 s; scripts/smoke-node.sh builds better-sqlite3 and runs a server on each
 * other supported Node.js major. Offline, npm resolves the dependency ranges from metadata in
 * its cache: `.ci/run` fills it with one online install of the tarball before the tests (do the
 * same once by hand if this fails with ENOTCACHED).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../cli/run-cli.js';
import { walkthroughBlocks, walkthroughScript } from '../e2e/walkthrough-page.js';

// A model repository's environment, not this checkout's: `npm test` passes this project's npm
// settings (.npmrc's engine-strict among them) down as npm_config_* variables.
const consumerEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^npm_config_/i.test(name)),
);

const npm = (cwd: string, args: string[]) =>
  execFileSync('npm', ['--no-audit', '--no-fund', '--loglevel=error', ...args], {
    cwd,
    encoding: 'utf8',
    env: consumerEnv,
  });

interface PackedFile {
  path: string;
}

const work = mkdtempSync(join(tmpdir(), 'clearance-packed-'));
const project = join(work, 'model-repo');
let files: string[] = [];
let installWarnings = '';

beforeAll(() => {
  const [packed] = JSON.parse(
    npm(repoRoot, ['pack', '--ignore-scripts', '--json', '--pack-destination', work]),
  ) as { filename: string; files: PackedFile[] }[];
  if (packed === undefined) throw new Error('npm pack wrote nothing');
  files = packed.files.map((f) => f.path);
  mkdirSync(project);
  // A bare project: no overrides, so what it gets is what the package's own ranges resolve to.
  writeFileSync(join(project, 'package.json'), '{ "name": "model-repo", "private": true }\n');
  const install = spawnSync(
    'npm',
    [
      '--no-audit',
      '--no-fund',
      '--loglevel=warn',
      'install',
      '--offline',
      '--ignore-scripts',
    ].concat(join(work, packed.filename)),
    { cwd: project, encoding: 'utf8', env: consumerEnv },
  );
  if (install.status !== 0) throw new Error(`npm install failed:\n${install.stderr}`);
  installWarnings = install.stderr;
}, 300_000);

const clearance = (args: string[]) =>
  spawnSync('npx', ['--no-install', 'clearance', ...args], {
    cwd: project,
    encoding: 'utf8',
    env: { ...consumerEnv, NO_COLOR: '1' },
  });

const check = (candidate: string) => [
  'check',
  '--policy',
  'credit-risk/policy.yaml',
  '--transition',
  'staging:production',
  '--evidence',
  `credit-risk/candidates/${candidate}`,
  '--baseline',
  'credit-risk/baseline',
];

describe('the packed tarball', () => {
  it('holds only runtime files', () => {
    expect(files).toContain('bin/clearance.js');
    expect(files).toContain('dist/bin/main.js');
    expect(files).toContain('dist/bin/gate-worker.js');
    expect(files).toContain('dist/build-info.json');
    expect(files).toContain('CHANGELOG.md');
    expect(files).toContain('README.md');
    // Read at run time: `clearance init`'s policy templates and `clearance examples`.
    expect(files).toContain('examples/credit-risk/policy.yaml');
    expect(files).toContain('examples/credit-risk/cases.yaml');
    const forbidden = files.filter(
      (f) =>
        // The compiled modules are bundled into dist/bin; nothing loads dist/src at run time.
        /^(src|test|bench|scripts|docs|\.ci|dist\/src|dist\/bench)\//.test(f) ||
        /\.map$/.test(f) ||
        /\.test\.js$/.test(f) ||
        /(^|\/)(tsconfig.*|vitest\.config\.ts|biome\.json|knip\.jsonc|package-lock\.json)$/.test(f),
    );
    expect(forbidden).toEqual([]);
  });

  it(`installs on the running Node.js (${process.version}) without an EBADENGINE warning`, () => {
    expect(installWarnings).not.toMatch(/EBADENGINE|Unsupported engine/);
    const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string }>;
    };
    const cookies = Object.entries(lock.packages).filter(([path]) =>
      path.endsWith('node_modules/cookie'),
    );
    expect(cookies.length).toBeGreaterThan(0);
    for (const [, cookie] of cookies) expect(cookie.version).toMatch(/^1\./);
  });

  it('installs into an empty project, whose npx clearance checks an example', () => {
    expect(readdirSync(join(project, 'node_modules', 'clearance'))).toContain('dist');
    const version = clearance(['--version']);
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout).toMatch(/^0\.1\.0\b/);
    // The worked example comes out of the installed package, not a checkout.
    const copied = clearance(['examples', 'copy', 'credit-risk', '--output', 'credit-risk']);
    expect(copied.status, copied.stderr).toBe(0);
    expect(readdirSync(join(project, 'credit-risk')).sort()).toEqual(
      readdirSync(join(repoRoot, 'examples', 'credit-risk')).sort(),
    );
    const allowed = clearance(check('passing'));
    expect(allowed.status, allowed.stderr).toBe(0);
    expect(allowed.stdout).toContain('Decision: ALLOWED');
    const denied = clearance([...check('failing'), '--format', 'json']);
    expect(denied.status, denied.stderr).toBe(1);
    expect(JSON.parse(denied.stdout).decision).toBe('denied');
  });

  it("runs docs/walkthrough.md's first section as written, with the package's clearance on PATH", () => {
    const blocks = walkthroughBlocks().filter((b) => b.section === 1);
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    const cwd = join(project, 'walkthrough');
    mkdirSync(cwd);
    const run = spawnSync('bash', ['-c', walkthroughScript(blocks)], {
      cwd,
      encoding: 'utf8',
      env: {
        ...consumerEnv,
        PATH: `${join(project, 'node_modules', '.bin')}:${consumerEnv.PATH ?? ''}`,
        NO_COLOR: '1',
      },
    });
    expect(run.status, run.stderr.slice(-2000)).toBe(0);
    expect(run.stdout).toContain('Not yet: fill in what check named.');
    expect(run.stdout).toContain('Copied the credit-risk example to examples/credit-risk/');
    // The section's last command (set -e: it exited 0): the candidate passes the CI gate.
    expect(run.stdout).toContain('Decision: ALLOWED.');
  });
});
