/**
 * Decisions bound to what they saw (issue 7, findings 3–6; ADR 007): no outcome can be bent after
 * sign-off — not by evidence added to the baseline or the candidate, not by an import once the
 * model has been governed, not by rolling back to a retired version, and not by approvals whose
 * approver trained the version or has lost the role.
 */
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import {
  attachEvidence,
  cancelRequest,
  createUser,
  executeTransition,
  getRequest,
  grantRole,
  importProduction,
  recordApproval,
  registerModel,
  registerPolicy,
  registerVersion,
  requestTransition,
  revokeRole,
  rollback,
} from '../../src/app/index.js';
import { auditRecord } from '../../src/app/shared/audit-record.js';
import type { Approval, Principal } from '../../src/domain/index.js';
import {
  addVersion,
  evidenceFiles,
  forEachStore,
  people,
  person,
  readActions,
  readAudit,
  refusal,
  type StoreHarness,
  setupModel,
  toStaging,
} from './harness.js';

const encode = (text: string) => new TextEncoder().encode(text);

async function approve(h: StoreHarness, input: { requestId: string; by: Principal; role: string }) {
  return recordApproval(h.deps, input.by, {
    requestId: input.requestId,
    role: input.role,
    decision: 'approve',
    comment: `Reviewed as ${input.role}`,
    ticket: 'RISK-7',
    riskClass: 'high',
  });
}

const credit = 'credit-risk-pd';

/** The hotfix sequence: 2026.1 imported, the hotfix (AUC and KS fail) signed by three people. */
async function signedHotfix(h: StoreHarness) {
  await setupModel(h, 'credit-risk', credit, 'regulated');
  await addVersion(h, { model: credit, version: '2026.1', dir: 'credit-risk/baseline' });
  await importProduction(h.deps, people.admin, {
    model: credit,
    version: '2026.1',
    reason: 'Served before Clearance',
  });
  await addVersion(h, { model: credit, version: '2026.3', dir: 'credit-risk/candidates/hotfix' });
  await toStaging(h, credit, '2026.3');
  const { request, decision } = await requestTransition(h.deps, people.mlops, {
    model: credit,
    version: '2026.3',
    to: 'production',
    reason: 'Hotfix',
    ticket: 'RISK-7',
  });
  for (const [by, role] of [
    [people.owner, 'model_owner'],
    [people.risk, 'risk_officer'],
    [people.compliance, 'compliance_officer'],
  ] as const) {
    await approve(h, { requestId: request.id, by, role });
  }
  return { request, decision };
}

/** The hotfix's own predictions, posing as the baseline: compared with itself, nothing degrades. */
const fakeBaseline = () => {
  const predictions = evidenceFiles('credit-risk/candidates/hotfix').find(
    (f) => f.path === 'predictions.csv',
  );
  if (!predictions) throw new Error('hotfix predictions missing');
  return { path: 'PREDICTIONS.CSV', bytes: predictions.bytes };
};

const binding = 'binding-model';
const bindingPolicy = `apiVersion: clearance/v1
kind: Policy
metadata: { name: binding, riskTier: high }
roles: [mlops, risk_officer]
transitions:
  - from: draft
    to: production
    requestedBy: [mlops]
    approvals: [{ role: risk_officer }]
    separationOfDuties: { requesterMayApprove: false, creatorMayApprove: false, oneRolePerPerson: true }
  - from: deprecated
    to: archived
    requestedBy: [mlops]
    approvals: [{ role: risk_officer }]
  - from: production
    to: deprecated
    requestedBy: [mlops]
    approvals: [{ role: risk_officer }]
`;

async function bindingModel(h: StoreHarness) {
  const policy = await registerPolicy(h.deps, people.admin, {
    text: bindingPolicy,
    file: 'binding.yaml',
  });
  await registerModel(h.deps, people.admin, {
    name: binding,
    ownerTeam: 'ml',
    riskTier: 'high',
    policyDigest: policy.digest,
  });
}

async function register(
  h: StoreHarness,
  input: { version: string; lineage?: Record<string, unknown>; evidenceLineage?: string },
) {
  await registerVersion(h.deps, people.ci, {
    model: binding,
    version: input.version,
    artifactUri: `s3://models/${input.version}`,
    artifactDigest: `sha256:${createHash('sha256').update(input.version).digest('hex')}`,
    lineage: input.lineage ?? {},
  });
  if (input.evidenceLineage === undefined) return;
  await attachEvidence(h.deps, people.ci, {
    model: binding,
    version: input.version,
    files: [{ path: 'lineage.json', bytes: encode(input.evidenceLineage) }],
  });
}

async function request(h: StoreHarness, version: string, to = 'production', from?: string) {
  const opened = await requestTransition(h.deps, people.mlops, {
    model: binding,
    version,
    to,
    reason: `${from ?? 'move'} ${version} to ${to}`,
  });
  return opened.request;
}

/** draft → production with rob.risk's sign-off. */
async function promote(h: StoreHarness, version: string) {
  const opened = await request(h, version);
  await approve(h, { requestId: opened.id, by: people.risk, role: 'risk_officer' });
  return executeTransition(h.deps, people.mlops, { requestId: opened.id });
}

const stateOf = (h: StoreHarness, model: string, version: string) =>
  h.store.transaction(async (tx) => (await tx.versions.get(model, version))?.state);
const serving = (h: StoreHarness, model: string) =>
  h.store.transaction((tx) => tx.serving.get(model));

/** An approval row written behind the service (an old row, or one the service would refuse). */
async function insertApproval(h: StoreHarness, approval: Approval) {
  await h.store.transaction((tx) => tx.approvals.insert(approval));
}

/** As if recorded by the service before a rule existed: the row and its audit entry. */
async function insertAuditedApproval(h: StoreHarness, approval: Approval) {
  await h.store.transaction(async (tx) => {
    await tx.approvals.insert(approval);
    await tx.audit.append(
      auditRecord({
        actor: { id: approval.approver, kind: 'user' },
        time: approval.at,
        action: 'approval.recorded',
        subject: { type: 'request', id: approval.requestId },
        reason: approval.comment,
        digests: { evidence: approval.evidenceDigest, policy: approval.policyDigest },
        data: {
          approvalId: approval.id,
          role: approval.role,
          decision: approval.decision,
          riskClass: approval.riskClass,
        },
      }),
    );
  });
}

forEachStore('decisions bound to what they saw', (open) => {
  it('refuses a fake baseline attached to the production version after the hotfix was signed', async () => {
    const h = await open();
    const { request: hotfix, decision } = await signedHotfix(h);
    expect(decision.outcome).toBe('denied');
    const error = await refusal(
      attachEvidence(h.deps, people.ci, {
        model: credit,
        version: '2026.1',
        // A name the upload rules accept, made the predictions by the manifest.
        files: [
          { path: 'fake-scores.csv', bytes: fakeBaseline().bytes },
          {
            path: 'evidence.yaml',
            bytes: new TextEncoder().encode('predictions: fake-scores.csv\n'),
          },
        ],
      }),
    );
    expect(error.code).toBe('conflict');
    expect(error.message).toBe(
      `Version ${credit}@2026.1 is in production: its evidence is the baseline every promotion is compared with and takes no more files.`,
    );
    // Re-sending a file already attached under the same path is still a no-op, not a refusal.
    const same = evidenceFiles('credit-risk/baseline').filter((f) => f.path === 'predictions.csv');
    expect(
      await attachEvidence(h.deps, people.ci, { model: credit, version: '2026.1', files: same }),
    ).toEqual([]);
    // The gates still judge the hotfix against the real baseline: the signed request cannot run.
    const blocked = await refusal(
      executeTransition(h.deps, people.mlops, { requestId: hotfix.id }),
    );
    expect(blocked.code).toBe('precondition_failed');
    expect(blocked.message).toContain('Gate auc is fail');
    expect(await stateOf(h, credit, '2026.3')).toBe('staging');
  });

  it('stops counting approvals when the baseline evidence changes after sign-off, and says why', async () => {
    const h = await open();
    const { request: hotfix } = await signedHotfix(h);
    // A row written behind the service: attachEvidence refuses it, the binding still holds.
    const fake = fakeBaseline();
    const blob = await h.blobs.put(fake.bytes);
    await h.store.transaction((tx) =>
      tx.evidence.insert({
        model: credit,
        version: '2026.1',
        kind: 'predictions',
        path: fake.path,
        ...blob,
        mediaType: 'text/csv',
        attachedAt: h.clock.now().toISOString(),
        attachedBy: 'intruder',
      }),
    );
    const error = await refusal(executeTransition(h.deps, people.mlops, { requestId: hotfix.id }));
    expect(error.code).toBe('precondition_failed');
    for (const [who, role] of [
      ['olga.owner', 'model_owner'],
      ['rob.risk', 'risk_officer'],
      ['cora.compliance', 'compliance_officer'],
    ]) {
      expect(error.message).toContain(
        `Approval by ${who} as ${role} does not count: the baseline (production) evidence changed after it was given; the approver must approve again.`,
      );
    }
    expect(await stateOf(h, credit, '2026.3')).toBe('staging');
    expect((await readActions(h)).at(-1)).toBe('transition.blocked');
  });

  it('binds each approval to the baseline digest and records it in the audit entry', async () => {
    const h = await open();
    const { request: hotfix } = await signedHotfix(h);
    const view = await getRequest(h.deps, people.admin, { requestId: hotfix.id });
    const baseline = await h.store.transaction(async (tx) => {
      const { evidenceSetDigest } = await import('../../src/domain/index.js');
      return evidenceSetDigest(await tx.evidence.list(credit, '2026.1'));
    });
    expect(view.approvals.map((a) => a.baselineDigest)).toEqual([baseline, baseline, baseline]);
    expect(view.status.counted).toHaveLength(3);
    const recorded = (await readAudit(h)).filter((e) => e.action === 'approval.recorded');
    expect(recorded.slice(-3).map((e) => e.digests.baseline)).toEqual([
      baseline,
      baseline,
      baseline,
    ]);
    // A transition whose gates read no baseline binds to none (null), stored and read back.
    const staging = await h.store.transaction((tx) =>
      tx.requests.list({ model: credit, status: ['executed'] }),
    );
    const toStagingApprovals = await h.store.transaction((tx) =>
      tx.approvals.list(staging.find((r) => r.to === 'staging')?.id ?? ''),
    );
    expect(toStagingApprovals.map((a) => a.baselineDigest)).toEqual([null]);
  });

  it('lets evidence be added again once the only request naming the version is cancelled', async () => {
    const h = await open();
    await bindingModel(h);
    await register(h, { version: 'a' });
    const opened = await request(h, 'a');
    const file = { path: 'model_card.md', bytes: encode('# Model card\n') };
    const error = await refusal(
      attachEvidence(h.deps, people.ci, { model: binding, version: 'a', files: [file] }),
    );
    expect(error.code).toBe('conflict');
    expect(error.message).toBe(
      `Version ${binding}@a is named by pending request ${opened.id} (draft → production): its evidence is fixed once a request rests on it.`,
    );
    await cancelRequest(h.deps, people.mlops, { requestId: opened.id, reason: 'add the card' });
    const added = await attachEvidence(h.deps, people.ci, {
      model: binding,
      version: 'a',
      files: [file],
    });
    expect(added.map((r) => r.path)).toEqual(['model_card.md']);
  });

  it('does not count an approval stored before approvals were bound to the baseline', async () => {
    const h = await open();
    await bindingModel(h);
    await register(h, { version: 'a' });
    const opened = await request(h, 'a');
    const { approval } = await approve(h, {
      requestId: opened.id,
      by: people.risk,
      role: 'risk_officer',
    });
    const { baselineDigest: _bound, ...legacy } = approval;
    await insertApproval(h, { ...legacy, id: 'legacy-1', approver: 'rae.risk' });
    const rows = await h.store.transaction((tx) => tx.approvals.list(opened.id));
    expect(rows.find((a) => a.id === 'legacy-1')).not.toHaveProperty('baselineDigest');
    expect(rows.find((a) => a.id === approval.id)?.baselineDigest).toBeNull();
    const view = await getRequest(h.deps, people.admin, { requestId: opened.id });
    expect(view.status.ignored.map((i) => [i.approval.id, i.why])).toEqual([
      ['legacy-1', 'baseline_unbound'],
    ]);
  });

  it('refuses import-production once the model has had a production version', async () => {
    const h = await open();
    await bindingModel(h);
    await register(h, { version: 'a' });
    await register(h, { version: 'draft-b' });
    await importProduction(h.deps, people.admin, {
      model: binding,
      version: 'a',
      reason: 'legacy',
    });
    const retire = await request(h, 'a', 'deprecated');
    await approve(h, { requestId: retire.id, by: people.risk, role: 'risk_officer' });
    await executeTransition(h.deps, people.mlops, { requestId: retire.id });
    expect((await serving(h, binding)).production).toBeUndefined();

    const error = await refusal(
      importProduction(h.deps, people.admin, {
        model: binding,
        version: 'draft-b',
        reason: 'sneak it in',
      }),
    );
    expect(error.code).toBe('conflict');
    expect(error.message).toMatch(
      /^Model binding-model has had a production version: a was imported to production at .+ \(audit entry \d+\)\.$/,
    );
    expect(await stateOf(h, binding, 'draft-b')).toBe('draft');
    expect((await serving(h, binding)).production).toBeUndefined();
  });

  it('refuses import-production after a governed promotion was deprecated', async () => {
    const h = await open();
    await bindingModel(h);
    await register(h, { version: 'a' });
    await register(h, { version: 'draft-b' });
    await promote(h, 'a');
    const retire = await request(h, 'a', 'deprecated');
    await approve(h, { requestId: retire.id, by: people.risk, role: 'risk_officer' });
    await executeTransition(h.deps, people.mlops, { requestId: retire.id });
    const error = await refusal(
      importProduction(h.deps, people.admin, { model: binding, version: 'draft-b', reason: 'x' }),
    );
    expect(error.code).toBe('conflict');
    expect(error.message).toContain('a was promoted to production');
    expect(await stateOf(h, binding, 'draft-b')).toBe('draft');
  });

  it('refuses to roll back to a rollback target that was archived since', async () => {
    const h = await open();
    await bindingModel(h);
    await register(h, { version: 'a' });
    await register(h, { version: 'b' });
    await promote(h, 'a');
    await promote(h, 'b');
    expect(await stateOf(h, binding, 'a')).toBe('deprecated');
    const archive = await request(h, 'a', 'archived');
    await approve(h, { requestId: archive.id, by: people.risk, role: 'risk_officer' });
    await executeTransition(h.deps, people.mlops, { requestId: archive.id });

    const error = await refusal(
      rollback(h.deps, people.mlops, { model: binding, reason: 'undo b' }),
    );
    expect(error.code).toBe('precondition_failed');
    expect(error.message).toBe(
      'Rollback target binding-model@a is archived; only a version still deprecated since production replaced it can be restored.',
    );
    expect(await stateOf(h, binding, 'a')).toBe('archived');
    expect(await stateOf(h, binding, 'b')).toBe('production');
    expect((await serving(h, binding)).production?.version).toBe('b');
  });

  it('refuses an approval by the trainer a lineage file in the evidence names', async () => {
    const h = await open();
    await bindingModel(h);
    await register(h, {
      version: 'a',
      lineage: { codeCommit: 'abc1234' },
      evidenceLineage: JSON.stringify({ codeCommit: 'abc1234', trainedBy: 'rob.risk' }),
    });
    const opened = await request(h, 'a');
    const error = await refusal(
      approve(h, { requestId: opened.id, by: people.risk, role: 'risk_officer' }),
    );
    expect(error.code).toBe('forbidden');
    expect(error.message).toBe(
      `rob.risk trained this version and may not approve or reject request ${opened.id} (separation of duties).`,
    );
    expect(await h.store.transaction((tx) => tx.approvals.list(opened.id))).toEqual([]);
  });

  it('refuses a version whose lineage names its trainer as anything but text', async () => {
    // An array could never equal a person's id, so it would let the trainer approve.
    const h = await open();
    await bindingModel(h);
    for (const lineage of [{ trainedBy: ['rob.risk'] }, { codeCommit: 42 }, { seed: { a: 1 } }]) {
      const error = await refusal(register(h, { version: 'a', lineage }));
      expect(error.code, JSON.stringify(lineage)).toBe('invalid_input');
      expect(error.message).toMatch(/^The lineage's (trainedBy|codeCommit|seed) is /);
    }
    expect(await h.store.read((tx) => tx.versions.list(binding))).toEqual([]);
  });

  it('refuses approvals when a lineage file in the evidence names its trainer as a number', async () => {
    const h = await open();
    await bindingModel(h);
    await register(h, { version: 'a', evidenceLineage: '{"trainedBy": 7}' });
    const opened = await request(h, 'a');
    const error = await refusal(
      approve(h, { requestId: opened.id, by: people.risk, role: 'risk_officer' }),
    );
    expect(error.code).toBe('precondition_failed');
    expect(error.message).toContain('A lineage file in the evidence');
  });

  it('does not count an approval by the evidence-lineage trainer at execute', async () => {
    const h = await open();
    await bindingModel(h);
    await register(h, { version: 'a', evidenceLineage: JSON.stringify({ trainedBy: 'rae.risk' }) });
    const opened = await request(h, 'a');
    // As if recorded before the trainer rule read the evidence.
    await insertAuditedApproval(h, {
      id: 'by-trainer',
      requestId: opened.id,
      approver: 'rae.risk',
      role: 'risk_officer',
      decision: 'approve',
      comment: 'Looks good',
      riskClass: 'low',
      evidenceDigest: opened.evidenceDigest,
      policyDigest: opened.policyDigest,
      baselineDigest: null,
      at: h.clock.now().toISOString(),
    });
    const error = await refusal(executeTransition(h.deps, people.mlops, { requestId: opened.id }));
    expect(error.code).toBe('precondition_failed');
    expect(error.message).toContain(
      'Approval by rae.risk as risk_officer does not count: whoever trained the version (trainedBy in its registered lineage or a lineage file in its evidence) may not approve it.',
    );
    expect(await stateOf(h, binding, 'a')).toBe('draft');
  });

  it('refuses approvals when a lineage file in the evidence cannot be read', async () => {
    const h = await open();
    await bindingModel(h);
    await register(h, { version: 'a', evidenceLineage: '{"trainedBy": ' });
    const opened = await request(h, 'a');
    const error = await refusal(
      approve(h, { requestId: opened.id, by: people.risk, role: 'risk_officer' }),
    );
    expect(error.code).toBe('precondition_failed');
    expect(error.message).toContain(
      `A lineage file in the evidence of ${binding}@a cannot be read, so whether rob.risk trained it cannot be checked`,
    );
    await insertApproval(h, {
      id: 'unchecked',
      requestId: opened.id,
      approver: 'rob.risk',
      role: 'risk_officer',
      decision: 'approve',
      comment: 'Looks good',
      riskClass: 'low',
      evidenceDigest: opened.evidenceDigest,
      policyDigest: opened.policyDigest,
      baselineDigest: null,
      at: h.clock.now().toISOString(),
    });
    const view = await getRequest(h.deps, people.admin, { requestId: opened.id });
    expect(view.status.ignored.map((i) => i.why)).toEqual(['trainer_unknown']);
  });

  it('does not count an approval whose approver lost the role before execute', async () => {
    const h = await open();
    await bindingModel(h);
    await createUser(h.deps, people.admin, { id: 'ria.risk' });
    await grantRole(h.deps, people.admin, { userId: 'ria.risk', role: 'risk_officer' });
    await register(h, { version: 'a' });
    const opened = await request(h, 'a');
    await approve(h, {
      requestId: opened.id,
      by: person('ria.risk', 'risk_officer'),
      role: 'risk_officer',
    });
    await revokeRole(h.deps, people.admin, { userId: 'ria.risk', role: 'risk_officer' });

    const error = await refusal(executeTransition(h.deps, people.mlops, { requestId: opened.id }));
    expect(error.code).toBe('precondition_failed');
    expect(error.message).toContain(
      'Approval by ria.risk as risk_officer does not count: the approver no longer holds the role; another holder of the role must approve.',
    );
    expect(await stateOf(h, binding, 'a')).toBe('draft');
    // Another holder signs; the request executes.
    await approve(h, { requestId: opened.id, by: people.risk, role: 'risk_officer' });
    const done = await executeTransition(h.deps, people.mlops, { requestId: opened.id });
    expect(done.decision.approvalsCounted.map((a) => a.approver)).toEqual(['rob.risk']);
  });
});
