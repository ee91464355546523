import { describe, expect, it } from 'vitest';
import { explainPolicy } from './explain-policy.js';
import { parsePolicy } from './parse-policy.js';

const header = 'apiVersion: clearance/v1\nkind: Policy\nmetadata: { name: p, riskTier: low }\n';

function rollout(body: string): string {
  return `${header}transitions:\n  - from: staging\n    to: production\n    requestedBy: [owner]\n    approvals: [{ role: lead }]\n    rollout:\n      canary: { traffic: 10, duration: 48h }\n      triggers:\n        - { metric: ctr, op: "<=", threshold: -0.01, compare: relativeToControl, period: 1h }\n        - { metric: latency_p95_ms, op: ">", threshold: 200, period: 5m, sustainedFor: 15m }\n      sources:\n${body}`;
}

const ctr =
  '        ctr:\n          prometheus:\n            candidate: { successes: \'sum(increase(clicks_total{version="{version}"}[{step}]))\', trials: \'sum(increase(impressions_total{version="{version}"}[{step}]))\' }\n            control: { successes: \'sum(increase(clicks_total{version="{version}"}[{step}]))\', trials: \'sum(increase(impressions_total{version="{version}"}[{step}]))\' }\n';
const latency =
  '        latency_ms:\n          prometheus:\n            step: 30s\n            candidate: { value: \'histogram_quantile(0.95, sum by (le) (rate(latency_bucket{version="{version}"}[{step}])))\' }\n';

function problems(text: string): { at: string; message: string; fix: string }[] {
  const result = parsePolicy(text, 'policy.yaml');
  if (result.ok) return [];
  return result.problems.map((p) => ({
    at: `${p.location?.line}:${p.location?.column}`,
    message: p.message,
    fix: p.fix ?? '',
  }));
}

describe('rollout.sources', () => {
  it('reads Prometheus queries per series and arm, with the step defaulting to 1m', () => {
    const result = parsePolicy(rollout(ctr + latency), 'policy.yaml');
    if (!result.ok) throw new Error(result.problems.map((p) => p.message).join('\n'));
    expect(result.warnings).toEqual([]);
    const sources = result.policy.transitions[0]?.rollout?.sources;
    expect(sources?.ctr?.prometheus.step).toBe('1m');
    expect(sources?.ctr?.prometheus.control).toEqual({
      successes: 'sum(increase(clicks_total{version="{version}"}[{step}]))',
      trials: 'sum(increase(impressions_total{version="{version}"}[{step}]))',
    });
    expect(sources?.latency_ms?.prometheus).toEqual({
      step: '30s',
      candidate: {
        value:
          'histogram_quantile(0.95, sum by (le) (rate(latency_bucket{version="{version}"}[{step}])))',
      },
    });
  });

  it('is explained, series by series', () => {
    const result = parsePolicy(rollout(ctr + latency), 'policy.yaml');
    if (!result.ok) throw new Error('expected a policy');
    const text = explainPolicy(result.policy, result.digest);
    expect(text).toContain(
      '  - series ctr: successes and trials pulled from Prometheus every 1m (candidate and control); a failed query is missing data.',
    );
    expect(text).toContain(
      '  - series latency_ms: values pulled from Prometheus every 30s (candidate only); a failed query is missing data.',
    );
  });

  it('leaves the digest of a policy without sources as it was', () => {
    const without = parsePolicy(rollout('').replace('      sources:\n', ''), 'policy.yaml');
    const withSources = parsePolicy(rollout(ctr + latency), 'policy.yaml');
    expect(without.ok && withSources.ok).toBe(true);
    if (!without.ok || !withSources.ok) return;
    expect(without.policy.transitions[0]?.rollout).not.toHaveProperty('sources');
    expect(withSources.digest).not.toBe(without.digest);
  });

  it('reports an arm with half a rate, an unsafe placeholder and a missing control, with fixes', () => {
    const found = problems(
      rollout(
        "        ctr:\n          prometheus:\n            candidate: { successes: 'sum(clicks_total{version={version}})', trials: 'sum(impressions_total)' }\n        latency_ms:\n          prometheus:\n            candidate: { successes: 'a' }\n",
      ),
    );
    expect(found).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('uses {version} outside a quoted string'),
        fix: expect.stringContaining('version="{version}"'),
      }),
      expect.objectContaining({
        message: expect.stringContaining('needs either successes: and trials: (a rate) or value:'),
      }),
    ]);
    expect(
      problems(
        rollout(
          "        ctr:\n          prometheus:\n            candidate: { successes: 'a', trials: 'b' }\n",
        ),
      ),
    ).toEqual([
      expect.objectContaining({
        message: expect.stringContaining(
          'trigger ctr compares with control but the source has no control: queries',
        ),
      }),
    ]);
  });

  it('reports a source whose kind or step does not fit the triggers reading it', () => {
    expect(
      problems(
        rollout(
          "        latency_ms:\n          prometheus:\n            candidate: { successes: 'a', trials: 'b' }\n",
        ),
      ),
    ).toEqual([
      expect.objectContaining({
        message: expect.stringContaining(
          'trigger latency_p95_ms reads values but the source queries counts',
        ),
      }),
    ]);
    expect(
      problems(
        rollout(
          "        latency_ms:\n          prometheus:\n            step: 2m\n            candidate: { value: 'a' }\n",
        ),
      ),
    ).toEqual([
      expect.objectContaining({
        message: expect.stringContaining(
          "its step (2m) does not divide trigger latency_p95_ms's period (5m)",
        ),
      }),
    ]);
  });

  it('warns about a source no trigger reads', () => {
    const result = parsePolicy(
      rollout("        clicks:\n          prometheus:\n            candidate: { value: 'a' }\n"),
      'policy.yaml',
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.warnings).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('pulls series clicks, which no trigger reads'),
      }),
    ]);
  });
});
