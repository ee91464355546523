/**
 * The built `clearance` binary itself, spawned as a user or CI job runs it: the other CLI suites
 * drive `main` in-process (run-cli.ts), so these few check what only the binary adds — the bin
 * script, the compiled dist/ (rebuilt by test/build-dist.ts when stale) and the process exit code.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveServer, startLiveServer } from '../e2e/live-server.js';
import { repoRoot, runBinary } from './run-cli.js';

const credit = join(repoRoot, 'examples', 'credit-risk');
const check = (candidate: string) => [
  'check',
  '--policy',
  join(credit, 'policy.yaml'),
  '--transition',
  'staging:production',
  '--evidence',
  join(credit, 'candidates', candidate),
  '--baseline',
  join(credit, 'baseline'),
];

describe('the clearance binary', () => {
  it('prints its version and exits 0', () => {
    const run = runBinary(['--version']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^0\.1\.0\b/);
  });

  // module.enableCompileCache exists from Node 22.1; on older Node the binary runs without it.
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const hasCompileCache = major > 22 || (major === 22 && minor >= 1);
  it.runIf(hasCompileCache)('keeps V8 code for its bundle in NODE_COMPILE_CACHE', () => {
    const cache = mkdtempSync(join(tmpdir(), 'clearance-compile-cache-'));
    const run = runBinary(['--version'], { env: { NODE_COMPILE_CACHE: cache } });
    expect(run.status).toBe(0);
    expect(readdirSync(cache, { recursive: true }).length).toBeGreaterThan(0);
  });

  it('exits 0 when check allows and 1 when it denies', () => {
    const allowed = runBinary(check('passing'));
    expect(allowed.stderr).toBe('');
    expect(allowed.status).toBe(0);
    expect(allowed.stdout).toContain('Decision: ALLOWED');
    const denied = runBinary([...check('failing'), '--format', 'json']);
    expect(denied.status).toBe(1);
    expect(JSON.parse(denied.stdout).decision).toBe('denied');
  });

  it('runs the bundle in dist/bin, where every module a chunk starts by URL sits beside it', () => {
    // The worker pool starts gate-worker.js by `new URL('./gate-worker.js', import.meta.url)`, the
    // file blob store its I/O thread likewise (ADR 047); bundled, import.meta.url is the chunk's,
    // so each worker must be an entry in the same folder.
    const bundle = join(repoRoot, 'dist', 'bin');
    expect(readFileSync(join(repoRoot, 'bin', 'clearance.js'), 'utf8')).toContain(
      'dist/bin/main.js',
    );
    const started = readdirSync(bundle)
      .filter((f) => f.endsWith('.js'))
      .flatMap((f) => [
        ...readFileSync(join(bundle, f), 'utf8').matchAll(
          /new URL\("(\.\/[^"]+)", import\.meta\.url\)/g,
        ),
      ])
      .map((m) => m[1] ?? '');
    expect(started).toContain('./gate-worker.js');
    expect(started).toContain('./blob-file-worker.js');
    for (const target of started) expect(existsSync(join(bundle, target))).toBe(true);
  });

  it('ships a bundle of ASCII only, and re2js outside it (required on the first compile)', () => {
    // scripts/build-dist.mjs: a file with one character beyond ASCII is decoded and scanned as
    // two-byte text, which cost a `check` ~6% of its CPU.
    const bundle = join(repoRoot, 'dist', 'bin');
    const chunks = readdirSync(bundle).filter((f) => f.endsWith('.js'));
    expect(chunks.length).toBeGreaterThan(3);
    const beyondAscii = chunks.filter((f) =>
      /[\u0080-\uffff]/.test(readFileSync(join(bundle, f), 'utf8')),
    );
    expect(beyondAscii).toEqual([]);
    const withRe2js = chunks.filter((f) =>
      readFileSync(join(bundle, f), 'utf8').includes('class RE2Flags'),
    );
    expect(withRe2js).toEqual([]);
  });

  it('exits 2 on bad input and on an unknown command', () => {
    const missing = runBinary([...check('passing'), '--evidence', join(credit, 'no-such-dir')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no-such-dir');
    const unknown = runBinary(['no-such-command']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown command');
  });

  describe('against a live server', () => {
    let server: LiveServer;
    beforeAll(async () => {
      server = await startLiveServer();
    });
    afterAll(() => server?.stop());

    it('answers a client command, with the server and token from the environment', () => {
      const run = runBinary(['inbox', '--format', 'json'], {
        env: { CLEARANCE_SERVER: server.url, CLEARANCE_TOKEN: server.adminToken },
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual([]);
    });
  });
});
