/** `clearance evidence-pack export` and `clearance policy backtest` on a temporary SQLite registry. */

import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readEvidencePackArchive } from '../../src/app/index.js';
import { examplesDir } from '../app/harness.js';
import { promotedModel as model, populatePromotedRegistry } from './promoted-registry.js';
import { runCli } from './run-cli.js';

let dir = '';
let flags: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clearance-pack-cli-'));
  const database = `sqlite:${join(dir, 'clearance.db')}`;
  flags = ['--database', database, '--data-dir', dir];
  await populatePromotedRegistry(database, dir);
  expect((await runCli(['audit', 'checkpoint', ...flags])).status).toBe(0);
}, 120_000);

describe('clearance evidence-pack export', () => {
  it('writes the pack with a manifest whose digests match the files', async () => {
    const out = join(dir, 'pack');
    const run = await runCli([
      'evidence-pack',
      'export',
      model,
      '2026.2',
      '--output',
      out,
      ...flags,
    ]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('pack digest:  sha256:');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.audit.proven).toBeGreaterThan(0);
    expect(manifest.audit.verifierKey).toMatch(/^clearance\//);
    for (const f of manifest.files as { path: string; sha256: string }[]) {
      const bytes = readFileSync(join(out, f.path));
      expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(f.sha256);
    }
    expect(existsSync(join(out, 'evidence', 'predictions.csv'))).toBe(true);
    const again = await runCli([
      'evidence-pack',
      'export',
      model,
      '2026.2',
      '--output',
      out,
      ...flags,
    ]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/not empty/);
    const forced = ['evidence-pack', 'export', model, '2026.2', '--output', out, '--force'];
    expect((await runCli([...forced, ...flags])).status).toBe(0);
    // A link planted in the directory is not written through, even with --force.
    const outside = join(dir, 'outside.md');
    writeFileSync(outside, 'keep me');
    rmSync(join(out, 'report.html'));
    symlinkSync(outside, join(out, 'report.html'));
    const planted = await runCli([...forced, ...flags]);
    expect(planted.status).toBe(2);
    expect(planted.stderr).toMatch(/symbolic link/);
    expect(readFileSync(outside, 'utf8')).toBe('keep me');
  });
});

describe('clearance evidence-pack export --output FILE.tar.gz', () => {
  it('writes the gzip-compressed tar the API serves, whose files match the manifest', async () => {
    const file = join(dir, 'pack.tar.gz');
    const run = await runCli([
      'evidence-pack',
      'export',
      model,
      '2026.2',
      '--output',
      file,
      ...flags,
    ]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const pack = await readEvidencePackArchive(new Uint8Array(readFileSync(file)));
    expect(pack.manifest.createdBy).toBe('system:cli');
    const again = await runCli([
      'evidence-pack',
      'export',
      model,
      '2026.2',
      '--output',
      file,
      ...flags,
    ]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/exists/);
  });
});

describe('clearance policy backtest', () => {
  const policy = readFileSync(join(examplesDir, 'credit-risk', 'policy.yaml'), 'utf8');

  it('exits 0 when no decision would differ', async () => {
    const file = join(dir, 'same.yaml');
    writeFileSync(file, policy);
    const run = await runCli(['policy', 'backtest', '--policy', file, '--since', '90d', ...flags]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('0 would differ');
  });

  it('exits 1 and names the gate when a stricter policy would deny a past promotion', async () => {
    const file = join(dir, 'stricter.yaml');
    writeFileSync(file, policy.replace('min: 0.8', 'min: 0.8\n        max: 1.0'));
    const run = await runCli(['policy', 'backtest', '--policy', file, '--model', model, ...flags]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('would be denied (blocked by approval-rate-parity)');
    expect(run.stdout).toContain('Gate approval-rate-parity now blocks');
    const json = await runCli([
      'policy',
      'backtest',
      '--policy',
      file,
      '--format',
      'json',
      ...flags,
    ]);
    expect(JSON.parse(json.stdout).differing.length).toBe(2);
  });

  it('exits 2 on an invalid policy file', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'apiVersion: clearance/v1\nkind: Policy\n');
    expect((await runCli(['policy', 'backtest', '--policy', file, ...flags])).status).toBe(2);
  });
});
