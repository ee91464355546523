/**
 * docs/walkthrough.md, run: every ```sh block of the page, in order, in one bash shell in a temp
 * directory, with the built `clearance` on PATH — the server the page starts included. Only the
 * port is chosen here (a free one, through CLEARANCE_PORT and CLEARANCE_SERVER), so the page and
 * the product cannot drift apart. No file of this checkout is handed to the page (the worked
 * example comes from `clearance examples copy`); test/package/packed-tarball.test.ts runs its
 * first section where the package was installed from its tarball.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../cli/run-cli.js';
import { walkthroughBlocks, walkthroughScript } from './walkthrough-page.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the script in its own process group, and ends the whole group (the server too) after. */
function runScript(script: string, cwd: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd, env, detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    // Some forty CLI starts and a server: minutes on a loaded two-core CI machine.
    const timer = setTimeout(() => child.kill('SIGKILL'), 480_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
      } catch {
        // the group has ended already
      }
      resolve({ status, stdout, stderr });
    });
  });
}

describe('docs/walkthrough.md', () => {
  it('runs from zero to a governed production promotion, a rollback and a verified pack', async () => {
    const blocks = walkthroughBlocks();
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    const dir = mkdtempSync(join(tmpdir(), 'clearance-walkthrough-'));
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'clearance'),
      `#!/bin/sh\nexec "${process.execPath}" "${join(repoRoot, 'bin', 'clearance.js')}" "$@"\n`,
    );
    chmodSync(join(bin, 'clearance'), 0o755);
    const port = await freePort();
    const script = walkthroughScript(blocks);
    const env: Record<string, string> = {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      HOME: dir,
      CLEARANCE_PORT: String(port),
      CLEARANCE_SERVER: `http://127.0.0.1:${port}`,
      NO_COLOR: '1',
    };
    const run = await runScript(script, dir, env);
    const failedAt = run.stderr.match(/=== walkthrough block \d+/g)?.at(-1);
    expect(run.status, `${failedAt}\n${run.stderr.slice(-3000)}`).toBe(0);
    const out = run.stdout;
    // Section 1: the untouched scaffold is refused, naming what is missing; the finished bundle passes.
    expect(out).toContain(
      'Documentation is incomplete: model_card lacks text under "Model details"',
    );
    expect(out).toContain('Not yet: fill in what check named.');
    // Section 1: the worked example out of the package, and the CI gate allows its candidate.
    expect(out).toContain('Copied the credit-risk example to examples/credit-risk/');
    expect(out).toContain('Decision: ALLOWED.');
    // Section 6: an approver saw the gate table and what was still missing.
    expect(out).toMatch(/AUC rose by 0\.039 \(0\.743 → 0\.782\)/);
    expect(out).toContain(
      'Sign-offs: 0 counted, 0 of 3 different people; still required: model_owner ×1, risk_officer ×1, compliance_officer ×1',
    );
    expect(out).toContain(
      'Sign-offs: 1 counted, 1 of 3 different people; still required: risk_officer ×1, compliance_officer ×1',
    );
    // Serving: 2026.1 imported, then 2026.2 promoted, then 2026.1 restored by the rollback.
    const serving = out.match(/^credit-risk-pd: production \S+/gm);
    expect(serving).toEqual([
      'credit-risk-pd: production 2026.1',
      'credit-risk-pd: production 2026.2',
      'credit-risk-pd: production 2026.1',
    ]);
    expect(out).toContain('Rolled credit-risk-pd back from 2026.2 to 2026.1.');
    // The first start told the operator how to create the first admin, runnable as written.
    const serveLog = readFileSync(join(dir, 'credit-risk-governance', 'serve.log'), 'utf8');
    expect(serveLog).toContain('npx clearance admin bootstrap --user <your-id>');
    // Section 8: the pack verifies against the pinned key.
    expect(out).toMatch(/Evidence pack credit-risk-pd-2026\.2\.tar\.gz .*: VALID/);
  }, 540_000);
});
