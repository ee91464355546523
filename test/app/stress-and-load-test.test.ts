/**
 * The ride-sharing ETA example through the registry: stress sets in a robustness/ folder and
 * per-request load-test samples are stored like any evidence, and the gates recompute from them.
 */
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { requestTransition } from '../../src/app/index.js';
import type { GateResult } from '../../src/domain/index.js';
import { addVersion, harness, people, seedProduction, setupModel, toStaging } from './harness.js';

const model = 'rider-eta';

describe('stress sets and load-test samples from stored evidence', () => {
  it('recomputes the robustness, latency and cost gates and labels each number', async () => {
    const h = harness();
    await setupModel(h, 'ride-sharing-eta', model, 'medium');
    await addVersion(h, { model, version: '12.3.0', dir: 'ride-sharing-eta/baseline' });
    await seedProduction(h, model, '12.3.0');
    await addVersion(h, { model, version: '12.4.0', dir: 'ride-sharing-eta/candidates/passing' });
    await toStaging(h, model, '12.4.0');
    const { decision } = await requestTransition(h.deps, people.mlops, {
      model,
      version: '12.4.0',
      to: 'production',
      reason: 'Better ETAs',
    });
    const gate = (id: string) => decision.gates.find((g) => g.gateId === id) as GateResult;
    expect(gate('stress')).toMatchObject({ outcome: 'pass', provenance: 'recomputed' });
    expect(gate('stress').details.sets).toEqual([
      expect.objectContaining({ name: 'gps-drift', rows: 5000 }),
      expect.objectContaining({ name: 'traffic-feed-outage', rows: 5000 }),
    ]);
    expect(gate('latency')).toMatchObject({ outcome: 'pass', provenance: 'recomputed' });
    expect(gate('latency').details).toMatchObject({ samples: 2000, selfReported: 31, max: 50 });
    // The percentiles the version page's latency plot draws, the judged one equal to `observed`.
    const percentiles = gate('latency').details.percentiles as Record<string, number>;
    expect(Object.keys(percentiles)).toEqual(['p50', 'p95', 'p99']);
    expect(percentiles.p95).toBe(gate('latency').observed);
    expect(percentiles.p50).toBeLessThan(percentiles.p95 as number);
    expect(percentiles.p95).toBeLessThanOrEqual(percentiles.p99 as number);
    expect(gate('cost')).toMatchObject({ outcome: 'pass', provenance: 'recomputed' });
    // The zone-gap expression reads a number only metrics.json has.
    expect(gate('zone-gap').provenance).toBe('self-reported');
    expect(decision.evidence.map((e) => e.path)).toContain('robustness/gps-drift.csv');
    // Files are named by their evidence path, never by the directory the server unpacked them in.
    expect(gate('latency').details.file).toBe('load_test.csv');
    expect(gate('stress').details.sets).toEqual([
      expect.objectContaining({ file: 'robustness/gps-drift.csv' }),
      expect.objectContaining({ file: 'robustness/traffic-feed-outage.csv' }),
    ]);
    expect(JSON.stringify(decision)).not.toContain(tmpdir());
  });
});
