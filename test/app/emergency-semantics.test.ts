/**
 * Emergency semantics, gate half (issue 9 item 4): an emergency bypasses exactly the gates its
 * policy's `changeTypes.emergency.bypass` lists. A listed gate that fails is bypassed and recorded
 * as bypassed; a failing gate the policy does not list blocks the emergency like any change.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import {
  executeTransition,
  getServing,
  registerModel,
  registerPolicy,
  requestTransition,
} from '../../src/app/index.js';
import {
  addVersion,
  creditRiskHotfix,
  examplesDir,
  forEachStore,
  people,
  readActions,
  refusal,
  type StoreHarness,
  seedProduction,
  signOffEmergency,
  toStaging,
} from './harness.js';

const model = 'credit-risk-pd';
const hotfix = creditRiskHotfix;

/** The credit-risk example with its emergency bypass list replaced (the hotfix fails auc and ks). */
async function withBypass(h: StoreHarness, bypass: string) {
  const text = readFileSync(join(examplesDir, 'credit-risk', 'policy.yaml'), 'utf8');
  const edited = text.replace('bypass: [auc, ks]', `bypass: ${bypass}`);
  expect(edited).not.toBe(text);
  const policy = await registerPolicy(h.deps, people.admin, { text: edited, file: 'p.yaml' });
  await registerModel(h.deps, people.admin, {
    name: model,
    ownerTeam: 'ml-platform',
    riskTier: 'regulated',
    policyDigest: policy.digest,
  });
  await addVersion(h, { model, version: '2026.1', dir: 'credit-risk/baseline' });
  await seedProduction(h, model, '2026.1');
  await addVersion(h, { model, version: hotfix.version, dir: 'credit-risk/candidates/hotfix' });
  await toStaging(h, model, hotfix.version);
}

forEachStore('emergency bypass covers only the gates the policy lists', (open) => {
  it('a failing gate left off the bypass list blocks the emergency, recorded and audited', async () => {
    const h = await open();
    await withBypass(h, '[auc]');
    const { request } = await requestTransition(h.deps, people.breakGlass, hotfix);
    // Signed off, so only the gates decide.
    await signOffEmergency(h, request.id);
    const error = await refusal(
      executeTransition(h.deps, people.breakGlass, { requestId: request.id }),
    );
    expect(error.code).toBe('precondition_failed');
    expect(error.message).toContain('ks');
    expect(error.message).not.toContain('approval');
    expect((await getServing(h.deps, people.admin, { model })).production?.version).toBe('2026.1');
    expect((await readActions(h)).at(-1)).toBe('transition.blocked');
  });

  it('with an empty bypass list an emergency bypasses nothing', async () => {
    const h = await open();
    await withBypass(h, '[]');
    const { request } = await requestTransition(h.deps, people.breakGlass, hotfix);
    // Signed off, so only the gates decide.
    await signOffEmergency(h, request.id);
    const error = await refusal(
      executeTransition(h.deps, people.breakGlass, { requestId: request.id }),
    );
    expect(error.code).toBe('precondition_failed');
    expect((await getServing(h.deps, people.admin, { model })).production?.version).toBe('2026.1');
  });

  it('marks exactly the listed gates bypassed', async () => {
    const h = await open();
    await withBypass(h, '[auc, ks, approval-rate-parity]');
    const { request } = await requestTransition(h.deps, people.breakGlass, hotfix);
    // Signed off, so only the gates decide.
    await signOffEmergency(h, request.id);
    const { decision } = await executeTransition(h.deps, people.breakGlass, {
      requestId: request.id,
    });
    const bypassed = decision.gates.filter((g) => g.bypassed).map((g) => g.gateId);
    // Listed gates are marked bypassed whatever their outcome; no other gate is.
    expect(bypassed).toEqual(['auc', 'ks', 'approval-rate-parity']);
    const others = decision.gates.filter((g) => !g.bypassed);
    expect(others.map((g) => g.gateId)).toEqual(['repro', 'supply-chain', 'documents']);
    expect(others.every((g) => g.outcome === 'pass')).toBe(true);
    expect(decision.bypass).toEqual(['auc', 'ks', 'approval-rate-parity']);
  });
});
