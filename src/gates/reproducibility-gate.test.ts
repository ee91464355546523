import { describe, expect, it } from 'vitest';
import type { Lineage, ReproducibilityGateSpec } from '../domain/index.js';
import { bundle, problem } from './fixtures.test-support.js';
import { reproducibilityGate } from './reproducibility-gate.js';

const spec: ReproducibilityGateSpec = {
  id: 'repro',
  type: 'reproducibility',
  require: ['codeCommit', 'dataSnapshotId', 'configDigest', 'seed'],
};
const good: Lineage = {
  codeCommit: '3f2a9c1d4e5b6a7f8091a2b3c4d5e6f708192a3b',
  dataSnapshotId: 'snap-2026-09-30',
  configDigest: `sha256:${'ab'.repeat(32)}`,
  seed: 42,
};

describe('reproducibilityGate', () => {
  it('passes when every required field is present and well-formed', () => {
    const result = reproducibilityGate(spec, { candidate: bundle({ lineage: good }) });
    expect(result.outcome).toBe('pass');
    expect(result.observed).toBe('4 of 4 fields valid');
  });

  it('accepts a short commit, a bare hex digest and a digit-string seed', () => {
    const lineage = { ...good, codeCommit: 'abc1234', configDigest: 'cd'.repeat(32), seed: '7' };
    expect(reproducibilityGate(spec, { candidate: bundle({ lineage }) }).outcome).toBe('pass');
  });

  it('fails listing missing and malformed fields', () => {
    const lineage: Lineage = {
      codeCommit: 'main',
      dataSnapshotId: ' ',
      configDigest: 'sha256:xyz',
      seed: 1.5,
    };
    const result = reproducibilityGate(spec, { candidate: bundle({ lineage }) });
    expect(result.outcome).toBe('fail');
    expect(result.details.missing).toEqual([]);
    expect((result.details.malformed as { field: string }[]).map((m) => m.field)).toEqual([
      'codeCommit',
      'dataSnapshotId',
      'configDigest',
      'seed',
    ]);
    const { seed: _seed, ...withoutSeed } = good;
    const missing = reproducibilityGate(spec, { candidate: bundle({ lineage: withoutSeed }) });
    expect(missing.outcome).toBe('fail');
    expect(missing.explanation).toBe('The lineage cannot reproduce this version: missing seed.');
  });

  it('errors when there is no lineage, naming the reading problem', () => {
    expect(reproducibilityGate(spec, { candidate: bundle() }).outcome).toBe('error');
    const candidate = bundle({ problems: [problem('lineage', 'invalid JSON', 'lineage.json')] });
    const result = reproducibilityGate(spec, { candidate });
    expect(result.outcome).toBe('error');
    expect(result.explanation).toContain('lineage.json:3: invalid JSON');
  });
});
