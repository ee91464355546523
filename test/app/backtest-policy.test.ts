import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { backtestPolicy } from '../../src/app/index.js';
import {
  examplesDir,
  forEachStore,
  people,
  person,
  promoteCreditRisk,
  readActions,
  readAudit,
  refusal,
  type StoreHarness,
} from './harness.js';

const model = 'credit-risk-pd';
const ticket = 'RISK-7';
const policyText = readFileSync(join(examplesDir, 'credit-risk', 'policy.yaml'), 'utf8');

/** 2026.1 in production; 2026.2 promoted through staging with every sign-off. */
async function promoted(open: () => Promise<StoreHarness>) {
  const h = await open();
  const executed = await promoteCreditRisk(h, { model, ticket });
  return { h, decision: executed.decision };
}

const auditor = person('ada.auditor', 'auditor');

forEachStore('policy backtest', (open) => {
  it('finds nothing to change under an identical policy', async () => {
    const { h } = await promoted(open);
    const report = await backtestPolicy(h.deps, auditor, { policyText, model });
    expect(report.evaluated).toBeGreaterThanOrEqual(3);
    expect(report.differing).toEqual([]);
    expect(report.missingTransition).toEqual([]);
    expect(report.unevaluable).toEqual([]);
  });

  // The passing candidate's disparate impact ratio is 1.011 (female 0.785 vs male 0.777
  // selection rate): a two-sided band [0.8, 1.0] now fails it.
  it('lists a past allowed promotion that a stricter fairness bound would have denied', async () => {
    const { h, decision } = await promoted(open);
    const stricter = policyText.replace('min: 0.8', 'min: 0.8\n        max: 1.0');
    const report = await backtestPolicy(h.deps, auditor, { policyText: stricter, model });
    const flipped = report.differing.find((d) => d.decisionId === decision.id);
    expect(flipped?.before.outcome).toBe('allowed');
    expect(flipped?.after.outcome).toBe('denied');
    expect(flipped?.after.blockingGates).toEqual(['approval-rate-parity']);
    expect(flipped?.transition).toMatchObject({ from: 'staging', to: 'production' });
    const why = flipped?.why.find((w) => w.gateId === 'approval-rate-parity');
    expect(why?.before?.outcome).toBe('pass');
    expect(why?.after?.outcome).toBe('fail');
    expect(why?.before?.threshold).toBe('>= 0.8');
    expect(why?.after?.threshold).toContain('1');
    expect(why?.after?.observed).toBeCloseTo(1.0106, 3);
    expect(why?.why).toContain('now blocks');
    // The request-time gate decision flips too; draft → staging does not.
    expect(report.differing.map((d) => d.kind).sort()).toEqual(['gates', 'transition']);
  });

  // AUC 0.782 vs 0.743 on the recorded baseline: the 95% lower bound of the gain is 0.027.
  it('a required AUC improvement of 0.05 flips the promotion on the recorded baseline', async () => {
    const { h, decision } = await promoted(open);
    const strict = policyText.replace(
      '{ id: auc, type: baseline, metric: auc, maxDegradation: 0.01',
      '{ id: auc, type: baseline, metric: auc, minImprovement: 0.05',
    );
    const report = await backtestPolicy(h.deps, auditor, { policyText: strict, model });
    const flipped = report.differing.find((d) => d.decisionId === decision.id);
    expect(flipped?.after.blockingGates).toEqual(['auc']);
    const why = flipped?.why.find((w) => w.gateId === 'auc');
    expect(why?.after?.outcome).toBe('fail');
    expect(why?.after?.threshold).toContain('0.05');
  });

  it('reports decisions whose transition the new policy drops', async () => {
    const { h } = await promoted(open);
    const dropped = policyText.replace(
      '- from: draft\n    to: staging',
      '- from: staging\n    to: deprecated',
    );
    const report = await backtestPolicy(h.deps, auditor, { policyText: dropped, model });
    expect(report.missingTransition.map((m) => m.transition)).toContainEqual({
      from: 'draft',
      to: 'staging',
    });
  });

  it('honours --since and changes nothing but the audit log', async () => {
    const { h } = await promoted(open);
    const decisions = () => h.store.transaction((tx) => tx.decisions.list({}));
    const before = await decisions();
    const future = new Date(h.clock.now().getTime() + 60_000);
    const report = await backtestPolicy(h.deps, auditor, {
      policyText: policyText.replace('min: 0.8', 'min: 0.95'),
      since: future,
    });
    expect(report.evaluated).toBe(0);
    expect(await decisions()).toEqual(before);
    expect((await readActions(h)).at(-1)).toBe('policy.backtested');
    const entry = (await readAudit(h)).at(-1);
    expect(entry?.actor.id).toBe('ada.auditor');
    expect(entry?.digests.policy).toBe(report.policyDigest);
    expect(entry?.data.evaluated).toBe(0);
  });

  it('refuses a principal without a reviewing role, and an invalid policy', async () => {
    const { h } = await promoted(open);
    const denied = await refusal(backtestPolicy(h.deps, people.owner, { policyText, model }));
    expect(denied.code).toBe('forbidden');
    expect((await readActions(h)).at(-1)).toBe('access.denied');
    const bad = await refusal(backtestPolicy(h.deps, auditor, { policyText: 'kind: [' }));
    expect(bad.code).toBe('invalid_policy');
  });
});
