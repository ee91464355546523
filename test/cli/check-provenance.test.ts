/**
 * `clearance check` says in every output format when a gate's number was self-reported (the
 * recommender example's latency and cost come from metrics.json alone) and when it was
 * recomputed from raw load-test samples.
 */
import { copyFileSync, cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli } from './run-cli.js';

const example = join(repoRoot, 'examples', 'recommender');
const check = (evidence: string, format: string) =>
  runCli([
    'check',
    '--policy',
    join(example, 'policy.yaml'),
    '--transition',
    'staging:production',
    '--evidence',
    evidence,
    '--baseline',
    join(example, 'baseline'),
    '--format',
    format,
  ]);
const passing = join(example, 'candidates', 'passing');

describe('clearance check labels self-reported figures', () => {
  it('in text', async () => {
    const run = await check(passing, 'text');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(
      '✓ latency (metric) PASS: observed 104 (self-reported), required <= 120',
    );
    expect(run.stdout).toContain('as self-reported in the metrics file');
  });

  it('in JSON', async () => {
    const run = await check(passing, 'json');
    const gates = JSON.parse(run.stdout).gates as { gateId: string; provenance?: string }[];
    expect(gates.find((g) => g.gateId === 'latency')?.provenance).toBe('self-reported');
    expect(gates.find((g) => g.gateId === 'cost')?.provenance).toBe('self-reported');
  });

  it('in JUnit', async () => {
    const run = await check(passing, 'junit');
    expect(run.stdout).toContain('observed 104 (self-reported), required &lt;= 120.');
  });

  it('in Markdown', async () => {
    const run = await check(passing, 'markdown');
    expect(run.stdout).toMatch(/\| `latency` \| metric \| ✅ pass \| 104 \(self-reported\) \|/);
  });

  it('and not when the latency is recomputed from per-request samples', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clearance-provenance-'));
    cpSync(passing, dir, { recursive: true });
    copyFileSync(
      join(repoRoot, 'test', 'fixtures', 'load-test', 'load_test.csv'),
      join(dir, 'load_test.csv'),
    );
    const run = await check(dir, 'text');
    expect(run.stdout).toMatch(/✗ latency \(metric\) FAIL: observed 121\.2468, required <= 120\n/);
    expect(run.stdout).toContain('from the latencies of 1,500 requests in load_test.csv');
    expect(run.stdout).toContain('cost (metric) PASS: observed 0.0588, required <= 0.4\n');
  });
});
