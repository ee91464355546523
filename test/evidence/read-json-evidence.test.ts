import { describe, expect, it } from 'vitest';
import { fileDigest, readLineage, readMetrics } from '../../src/evidence/index.js';
import { refusal, writeTemp } from './helpers.js';

describe('readMetrics', () => {
  it('reads numbers and rates, flat or under "metrics"', async () => {
    const flat = await writeTemp('m.json', '{"auc": 0.81, "ctr": {"successes": 4, "trials": 100}}');
    expect(await readMetrics(flat)).toEqual({ auc: 0.81, ctr: { successes: 4, trials: 100 } });
    const nested = await writeTemp('n.json', '{"metrics": {"latency_p95_ms": 110}}');
    expect(await readMetrics(nested)).toEqual({ latency_p95_ms: 110 });
  });

  it('names every bad key', async () => {
    const file = await writeTemp(
      'm.json',
      '{"auc": "0.8", "ks": null, "ctr": {"successes": 5, "trials": 2}}',
    );
    const error = await refusal(readMetrics(file));
    expect(error.problems.map((p) => p.location?.field)).toEqual(['auc', 'ks', 'ctr']);
    expect(error.message).toMatch(/column "auc": metric "auc" is the string "0.8"/);
  });

  it('names the key holding NaN or -Infinity written by Python', async () => {
    const nan = await writeTemp('m.json', '{"auc": 0.8,\n "ks": NaN}');
    expect((await refusal(readMetrics(nan))).message).toMatch(
      /:2:8, column "ks": holds NaN for key "ks"/,
    );
    const inf = await writeTemp('m.json', '{"auc": -Infinity}');
    expect((await refusal(readMetrics(inf))).message).toMatch(/holds Infinity for key "auc"/);
  });
});

describe('readLineage', () => {
  it('accepts an object of scalars and reports non-scalar fields', async () => {
    const ok = await writeTemp('l.json', '{"codeCommit": "abc1234", "seed": 42, "extra": true}');
    expect(await readLineage(ok)).toEqual({ codeCommit: 'abc1234', seed: 42, extra: true });
    const bad = await writeTemp('l.json', '{"codeCommit": ["a"], "data": {"id": 1}}');
    const error = await refusal(readLineage(bad));
    expect(error.problems.map((p) => p.location?.field)).toEqual(['codeCommit', 'data']);
    const array = await writeTemp('l.json', '[]');
    expect((await refusal(readLineage(array))).message).toMatch(
      /must be a JSON object, not an array/,
    );
  });
});

describe('fileDigest', () => {
  it('streams SHA-256', async () => {
    const file = await writeTemp('a.txt', 'abc');
    expect(await fileDigest(file)).toEqual({
      digest: 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      size: 3,
    });
  });
});
