/**
 * Emergency expiry undoes the emergency's own move. An emergency may take any transition of its
 * policy (here draft → staging with the reproducibility gate bypassed); when its bypass expires
 * without the standard gates passing, the version it moved goes back to where it came from —
 * and the production version, which the emergency never touched, stays in production.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import {
  checkStoredState,
  executeTransition,
  expireEmergencies,
  getServing,
  getVersion,
  importProduction,
  registerModel,
  registerPolicy,
  registerVersion,
  requestTransition,
} from '../../src/app/index.js';
import {
  addVersion,
  examplesDir,
  forEachStore,
  people,
  readAudit,
  signOffEmergency,
} from './harness.js';

const model = 'credit-risk-pd';

forEachStore('emergency expiry of a change short of production', (open) => {
  it('rolls back the staged version, not the production one, and audits that move', async () => {
    const h = await open();
    const text = readFileSync(join(examplesDir, 'credit-risk', 'policy.yaml'), 'utf8');
    const edited = text.replace('bypass: [auc, ks]', 'bypass: [auc, ks, repro]');
    expect(edited).not.toBe(text);
    const policy = await registerPolicy(h.deps, people.admin, { text: edited, file: 'p.yaml' });
    await registerModel(h.deps, people.admin, {
      name: model,
      ownerTeam: 'ml-platform',
      riskTier: 'regulated',
      policyDigest: policy.digest,
    });
    await addVersion(h, { model, version: '2026.1', dir: 'credit-risk/baseline' });
    // Imported through the use case (audited), so the state check can hold the tables to the log.
    await importProduction(h.deps, people.admin, {
      model,
      version: '2026.1',
      reason: 'Served before',
    });
    // No lineage: the reproducibility gate of draft → staging fails; the emergency bypasses it.
    await registerVersion(h.deps, people.ci, {
      model,
      version: '2026.9',
      artifactUri: `s3://models/${model}/2026.9`,
      artifactDigest: `sha256:${'9'.repeat(64)}`,
      lineage: {},
    });
    const { request } = await requestTransition(h.deps, people.breakGlass, {
      model,
      version: '2026.9',
      to: 'staging',
      changeType: 'emergency',
      reason: 'Needed in staging for the incident drill now',
    });
    await signOffEmergency(h, request.id);
    await executeTransition(h.deps, people.breakGlass, { requestId: request.id });
    expect((await getVersion(h.deps, people.admin, { model, version: '2026.9' })).state).toBe(
      'staging',
    );
    h.clock.advance(72 * 3600_000);
    expect(await expireEmergencies(h.deps)).toEqual([
      { requestId: request.id, outcome: 'rolled_back' },
    ]);
    expect((await getServing(h.deps, people.admin, { model })).production?.version).toBe('2026.1');
    expect((await getVersion(h.deps, people.admin, { model, version: '2026.1' })).state).toBe(
      'production',
    );
    expect((await getVersion(h.deps, people.admin, { model, version: '2026.9' })).state).toBe(
      'draft',
    );
    const rolled = (await readAudit(h)).at(-1);
    expect(rolled?.action).toBe('emergency.reverted');
    expect(rolled?.data).toMatchObject({
      version: '2026.9',
      from: 'staging',
      to: 'draft',
      trigger: 'emergency.expired',
      requestId: request.id,
    });
    // The rows agree with the log replayed, the revert included.
    expect(await checkStoredState(h.deps)).toMatchObject({ disagreements: [], problems: [] });
    expect(await expireEmergencies(h.deps)).toEqual([]);
  });
});
