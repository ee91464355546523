import { describe, expect, it } from 'vitest';
import { renderPackReport } from '../../src/app/evidence-pack/evidence-pack-report.js';
import type { DecisionRecord, GateResult } from '../../src/domain/index.js';

const gate = (gateId: string, provenance?: GateResult['provenance']): GateResult => ({
  gateId,
  type: 'metric',
  outcome: 'pass',
  observed: 104,
  threshold: '<= 120',
  explanation: 'Latency p95 ms is 104.',
  details: {},
  ...(provenance ? { provenance } : {}),
});

describe("the evidence pack's report.html", () => {
  it('labels self-reported and tool-summary figures in the gate table', () => {
    const decision = {
      id: 'd1',
      kind: 'gates',
      model: 'm',
      version: '1',
      from: 'staging',
      to: 'production',
      changeType: 'standard',
      policyDigest: 'sha256:p',
      evidenceDigest: 'sha256:e',
      evidence: [],
      bypass: [],
      approvalsCounted: [],
      gates: [
        gate('self', 'self-reported'),
        gate('k6', 'tool-summary'),
        gate('samples', 'recomputed'),
      ],
      outcome: 'allowed',
      reasons: [],
      at: '2026-12-04T00:00:00Z',
    } satisfies DecisionRecord;
    const html = renderPackReport({
      version: {
        model: 'm',
        version: '1',
        artifactUri: 's3://m/1',
        artifactDigest: 'sha256:a',
        lineage: {},
        createdAt: '2026-12-04T00:00:00Z',
        createdBy: 'ci',
        state: 'staging',
        stateSince: '2026-12-04T00:00:00Z',
      },
      evidence: [],
      decisions: [decision],
      requests: [],
      approvals: [],
      createdAt: '2026-12-04T00:00:00Z',
    });
    expect(html).toContain(
      '<td>self</td><td>metric</td><td class="pass">pass</td><td>104 (self-reported)</td>',
    );
    expect(html).toContain(
      '<td>k6</td><td>metric</td><td class="pass">pass</td><td>104 (tool summary)</td>',
    );
    expect(html).toContain('<td>samples</td><td>metric</td><td class="pass">pass</td><td>104</td>');
  });
});
