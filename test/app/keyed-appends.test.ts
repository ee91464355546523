/**
 * Use cases run for a request with an Idempotency-Key, on the claiming store the HTTP edge gives
 * them (idempotency-claims.ts): the first acting audit entry claims the key in the action's own
 * transaction. Since use cases ask for several entries together (ADR 049, session 23), a
 * rejection asks for two acting entries at once and a request for an acting entry beside one that
 * claims nothing: the key is claimed once, and the entries reach the log in the order asked, as
 * they do without a key (found by review: a keyed rejection was refused as "key taken" by its own
 * claim on PostgreSQL, and a keyed request's entries came out reversed).
 */
import { expect, it } from 'vitest';
import { type AppDeps, recordApproval, requestTransition } from '../../src/app/index.js';
import { claimingStore } from '../../src/app/shared/idempotency-claims.js';
import { churn, registerChurn } from './churn-fixture.js';
import { forEachStore, people, readAudit, type StoreHarness } from './harness.js';

const policy = `apiVersion: clearance/v1
kind: Policy
metadata: { name: keyed-appends, riskTier: medium }
roles: [mlops, tech_lead, admin]
transitions:
  - from: draft
    to: staging
    requestedBy: [mlops]
    gates:
      - { id: latency, type: metric, metric: latency_p95_ms, max: 120 }
    approvals:
      - { role: tech_lead }
`;

/** `h`'s deps as a request by `principalId` with Idempotency-Key `key` runs them. */
function keyed(h: StoreHarness, key: string, principalId: string): AppDeps {
  const request = { key, principalId, fingerprint: 'f'.repeat(64) };
  const store = claimingStore(
    h.deps.store,
    { request, claimed: false },
    { clock: h.clock, retentionMs: 24 * 3600 * 1000 },
  );
  return { ...h.deps, store };
}

const ready = { model: churn, version: '1', to: 'staging', reason: 'Ready' };

forEachStore('audit entries of a request with an Idempotency-Key', (open) => {
  it('a keyed rejection claims its key once and records the rejection', async () => {
    const h = await open();
    await registerChurn(h.deps, policy);
    // The race needs the claim's two statements to be overtaken: repeated to catch it.
    for (let i = 0; i < 10; i++) {
      const { request } = await requestTransition(h.deps, people.mlops, ready);
      const done = await recordApproval(keyed(h, `reject-${i}`, people.tech.id), people.tech, {
        requestId: request.id,
        role: 'tech_lead',
        decision: 'reject',
        comment: 'Not yet',
        riskClass: 'low',
      });
      expect(done.request.status).toBe('rejected');
      const stored = await h.store.read((tx) => tx.idempotency.get(`reject-${i}`, people.tech.id));
      expect(stored?.key).toBe(`reject-${i}`);
      const actions = (await readAudit(h)).slice(-2).map((e) => e.action);
      expect(actions).toEqual(['approval.recorded', 'transition.rejected']);
    }
  });

  it('appends a keyed request’s entries in the order asked, as without a key', async () => {
    const h = await open();
    await registerChurn(h.deps, policy);
    const before = (await readAudit(h)).length;
    await requestTransition(keyed(h, 'request-1', people.mlops.id), people.mlops, ready);
    const entries = (await readAudit(h)).slice(before);
    expect(entries.map((e) => e.action)).toEqual(['transition.requested', 'gate.evaluated']);
  });
});
