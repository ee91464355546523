import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import {
  executeTransition,
  expireEmergencies,
  getRequest,
  getServing,
  recordApproval,
  registerPolicy,
  replayDecision,
  requestTransition,
  setModelPolicy,
} from '../../src/app/index.js';
import {
  addVersion,
  examplesDir,
  forEachStore,
  people,
  refusal,
  type StoreHarness,
  seedProduction,
  setupModel,
  signOffEmergency,
  toStaging,
} from './harness.js';

const model = 'cxr-triage';

async function medical(open: () => Promise<StoreHarness>) {
  const h = await open();
  await setupModel(h, 'medical-imaging', model, 'safety-critical');
  await addVersion(h, { model, version: '3.0', dir: 'medical-imaging/candidates/passing' });
  await toStaging(h, model, '3.0');
  const { request, decision } = await requestTransition(h.deps, people.mlops, {
    model,
    version: '3.0',
    to: 'production',
    reason: 'Locked clinical test set passed',
    ticket: 'CAB-7',
  });
  return { h, request, decision };
}

const sign = (requestId: string, role: string) => ({
  requestId,
  role,
  decision: 'approve' as const,
  comment: 'Reviewed',
  ticket: 'CAB-7',
  riskClass: 'high' as const,
});

forEachStore('policy changes', (open) => {
  it('an approval stops counting when the policy changes', async () => {
    const { h, request } = await medical(open);
    await recordApproval(h.deps, people.clinician, sign(request.id, 'senior_clinician'));
    await recordApproval(h.deps, people.owner, sign(request.id, 'model_owner'));
    const text = readFileSync(join(examplesDir, 'medical-imaging/policy.yaml'), 'utf8');
    const stricter = await registerPolicy(h.deps, people.admin, {
      text: text.replace('min: 0.90', 'min: 0.91'),
    });
    expect(
      (
        await refusal(
          setModelPolicy(h.deps, people.mlops, {
            model,
            policyDigest: stricter.digest,
            reason: 'x',
          }),
        )
      ).code,
    ).toBe('forbidden');
    await setModelPolicy(h.deps, people.admin, {
      model,
      policyDigest: stricter.digest,
      reason: 'Specificity bar raised by the clinical safety board',
    });
    const view = await getRequest(h.deps, people.admin, { requestId: request.id });
    expect(view.status.ignored.map((i) => i.why)).toEqual(['policy_changed', 'policy_changed']);
    const error = await refusal(executeTransition(h.deps, people.mlops, { requestId: request.id }));
    expect(error.code).toBe('precondition_failed');
    expect(error.message).toContain('the policy changed');
  });

  it('refuses a malformed policy with every problem located', async () => {
    const h = await open();
    const error = await refusal(
      registerPolicy(h.deps, people.admin, {
        text: 'apiVersion: clearance/v1\nkind: Nope\n',
        file: 'bad.yaml',
      }),
    );
    expect(error.code).toBe('invalid_policy');
  });
});

forEachStore('requests', (open) => {
  it('a second open request for the same version is a conflict', async () => {
    const { h } = await medical(open);
    const again = requestTransition(h.deps, people.mlops, {
      model,
      version: '3.0',
      to: 'production',
      reason: 'again',
      ticket: 'CAB-8',
    });
    const error = await refusal(again);
    expect(error.code).toBe('conflict');
    expect(error.message).toContain('already has open request');
  });

  it('names an unknown version as not_found', async () => {
    const { h } = await medical(open);
    const error = await refusal(
      requestTransition(h.deps, people.mlops, {
        model,
        version: '9.9',
        to: 'production',
        reason: 'x',
      }),
    );
    expect(error.code).toBe('not_found');
  });
});

forEachStore('replayDecision', (open) => {
  it('reproduces a request-time gate decision', async () => {
    const { h, decision } = await medical(open);
    const report = await replayDecision(h.deps, people.admin, { decisionId: decision.id });
    expect(report).toMatchObject({ reproduced: true, policyIntact: true, evidenceIntact: true });
    expect(report.replayed?.gates).toEqual(report.original.gates);
  });

  it('detects evidence altered in the blob store: the gates that read it are error on replay', async () => {
    const { h, decision } = await medical(open);
    const predictions = decision.evidence.find((e) => e.path === 'predictions.csv');
    if (!predictions) throw new Error('no predictions');
    const original = new TextDecoder().decode(await h.blobs.get(predictions.digest));
    const [header, ...rows] = original.trim().split('\n');
    // Flip every label: sensitivity and specificity would collapse, were the bytes believed.
    const flipped = rows.map((row) =>
      row.replace(/,([01]),/, (_, l: string) => `,${l === '1' ? '0' : '1'},`),
    );
    await h.tamperBlob(
      predictions.digest,
      new TextEncoder().encode([header, ...flipped].join('\n')),
    );
    // Every blob store checks the digest on read, so altered bytes never reach the gates: the
    // gates that read predictions are `error` naming the corrupted blob, and replay says so.
    const report = await replayDecision(h.deps, people.admin, { decisionId: decision.id });
    expect(report.reproduced).toBe(false);
    const errored = (report.replayed?.gates ?? []).filter((g) => g.outcome === 'error');
    expect(errored.length).toBeGreaterThan(0);
    expect(report.differences.join(' ')).toContain('replay gives error');
  });

  it('refuses an unknown decision id', async () => {
    const h = await open();
    expect((await refusal(replayDecision(h.deps, people.admin, { decisionId: 'nope' }))).code).toBe(
      'not_found',
    );
  });
});

forEachStore('emergency regularised', (open) => {
  it('an emergency that passes the standard gates and has the standard approvals at expiry stands', async () => {
    const h = await open();
    const m = 'credit-risk-pd';
    await setupModel(h, 'credit-risk', m, 'regulated');
    await addVersion(h, { model: m, version: '1', dir: 'credit-risk/baseline' });
    await seedProduction(h, m, '1');
    await addVersion(h, { model: m, version: '2', dir: 'credit-risk/candidates/passing' });
    await toStaging(h, m, '2');
    const { request } = await requestTransition(h.deps, people.breakGlass, {
      model: m,
      version: '2',
      to: 'production',
      changeType: 'emergency',
      reason: 'Incident INC-4',
      ticket: 'RISK-4',
    });
    await signOffEmergency(h, request.id, {
      by: people.risk,
      role: 'risk_officer',
      ticket: 'RISK-4',
    });
    await executeTransition(h.deps, people.breakGlass, { requestId: request.id });
    // The standard path's other approvals, given within the bypass window (ADR 013).
    for (const [by, role] of [
      [people.owner, 'model_owner'],
      [people.compliance, 'compliance_officer'],
    ] as const) {
      await recordApproval(h.deps, by, {
        requestId: request.id,
        role,
        decision: 'approve',
        comment: 'Standard path',
        ticket: 'RISK-4',
        riskClass: 'medium',
      });
    }
    h.clock.advance(72 * 3600_000);
    expect(await expireEmergencies(h.deps)).toEqual([
      { requestId: request.id, outcome: 'regularised' },
    ]);
    expect((await getServing(h.deps, people.admin, { model: m })).production?.version).toBe('2');
    expect(await expireEmergencies(h.deps)).toEqual([]);
  });
});
