/**
 * Attack finding F-rollback-state (LOW): `restoreRollbackTarget` (src/app/transitions/move-version.ts)
 * demotes the rolled-back production version to `demotedState(policy, 'staging')`: under a policy
 * without a `deprecated` state the literal 'staging' is used, even when the policy declares no such
 * state. The version is then stranded in a state its policy does not know: no transition leaves it,
 * and it is not an eligible rollback target. `moveVersion` uses the promotion's `from` state instead.
 * Fails on the current code; passes once the rolled-back version lands in a declared state.
 */
import { expect, it } from 'vitest';
import {
  executeTransition,
  recordApproval,
  registerModel,
  registerPolicy,
  registerVersion,
  requestTransition,
  rollback,
} from '../../src/app/index.js';
import { harness, people, seedProduction } from '../app/harness.js';

const policyText = `apiVersion: clearance/v1
kind: Policy
metadata: { name: no-staging, riskTier: low }
states: [dev, candidate, production, retired]
transitions:
  - from: dev
    to: candidate
    requestedBy: [model_owner]
    approvals: [{ role: tech_lead }]
  - from: candidate
    to: production
    requestedBy: [mlops]
    approvals: [{ role: model_owner }]
  - from: production
    to: retired
    requestedBy: [mlops]
    approvals: [{ role: model_owner }]
`;

async function register(h: ReturnType<typeof harness>, version: string) {
  await registerVersion(h.deps, people.ci, {
    model: 'm',
    version,
    artifactUri: `s3://m/${version}`,
    artifactDigest: `sha256:${version.padEnd(64, '0')}`,
    lineage: {},
  });
}

async function move(
  h: ReturnType<typeof harness>,
  input: {
    version: string;
    to: string;
    by: typeof people.owner;
    signer: typeof people.owner;
    role: string;
  },
) {
  const { request } = await requestTransition(h.deps, input.by, {
    model: 'm',
    version: input.version,
    to: input.to,
    reason: 'go',
  });
  await recordApproval(h.deps, input.signer, {
    requestId: request.id,
    role: input.role,
    decision: 'approve',
    comment: 'ok',
    riskClass: 'low',
  });
  return executeTransition(h.deps, input.by, { requestId: request.id });
}

it('F-rollback-state: a rollback leaves the replaced version in a state its policy declares', async () => {
  const h = harness();
  const policy = await registerPolicy(h.deps, people.admin, { text: policyText });
  await registerModel(h.deps, people.admin, {
    name: 'm',
    ownerTeam: 't',
    riskTier: 'low',
    policyDigest: policy.digest,
  });
  await register(h, '1');
  await register(h, '2');
  await seedProduction(h, 'm', '1');
  await move(h, {
    version: '2',
    to: 'candidate',
    by: people.owner,
    signer: people.tech,
    role: 'tech_lead',
  });
  await move(h, {
    version: '2',
    to: 'production',
    by: people.mlops,
    signer: people.owner,
    role: 'model_owner',
  });
  await rollback(h.deps, people.mlops, { model: 'm', reason: 'bad canary' });
  const v2 = await h.store.read((tx) => tx.versions.get('m', '2'));
  expect(['dev', 'candidate', 'production', 'retired']).toContain(v2?.state);
});
