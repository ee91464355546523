/**
 * Separation of duties on the post-incident review (found by session 11's attack pass): the
 * trainer named only in a lineage.json evidence file may not sign the post-incident review of
 * their own model's emergency change, as they may not sign off the request itself.
 */
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import {
  attachEvidence,
  executeTransition,
  recordApproval,
  recordReview,
  registerVersion,
  requestTransition,
} from '../../src/app/index.js';
import {
  addVersion,
  evidenceFiles,
  forEachStore,
  creditRiskHotfix as hotfix,
  people,
  person,
  seedProduction,
  setupModel,
  signOffEmergency,
  toStaging,
} from '../app/harness.js';

const model = 'credit-risk-pd';
forEachStore('post-incident review by the lineage trainer', (open) => {
  it('refuses the lineage.json trainer as post-incident reviewer', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', model, 'regulated');
    await addVersion(h, { model, version: '2026.1', dir: 'credit-risk/baseline' });
    await seedProduction(h, model, '2026.1');
    // Registered lineage names no trainer; the lineage.json evidence names ana.modeller.
    await registerVersion(h.deps, people.ci, {
      model,
      version: hotfix.version,
      artifactUri: `s3://models/${model}/${hotfix.version}`,
      artifactDigest: `sha256:${createHash('sha256').update(hotfix.version).digest('hex')}`,
      lineage: {
        codeCommit: 'ae4bcb54a22a2c2649622d241609fe6556cb5003',
        dataSnapshotId: 'credit-risk-pd-snapshot-2026-10-01',
        configDigest: 'sha256:d5b21fa771628ca3aca74acd8ba4edbd28a50d86e5445d21cc07b0de7b6ef86f',
        seed: 42,
      },
    });
    await attachEvidence(h.deps, people.ci, {
      model,
      version: hotfix.version,
      files: evidenceFiles('credit-risk/candidates/hotfix'),
    });
    await toStaging(h, model, hotfix.version);
    const { request } = await requestTransition(h.deps, people.breakGlass, hotfix);
    const ana = person('ana.modeller', 'risk_officer');
    // Control: as a sign-off on the request, the trainer is refused.
    const signOff = await recordApproval(h.deps, ana, {
      requestId: request.id,
      role: 'risk_officer',
      decision: 'approve',
      comment: 'ok',
      ticket: 'RISK-1',
      riskClass: 'high',
    }).then(
      () => 'accepted',
      (e) => `refused: ${e.code} ${e.message}`,
    );
    expect(signOff).toMatch(/^refused: forbidden .*separation of duties/);
    await signOffEmergency(h, request.id);
    await executeTransition(h.deps, people.breakGlass, { requestId: request.id });
    const review = await recordReview(h.deps, ana, {
      requestId: request.id,
      role: 'risk_officer',
      decision: 'approve',
      comment: 'fine by me',
      ticket: 'RISK-912',
      riskClass: 'high',
    }).then(
      (r) => `accepted satisfied=${r.review.satisfied}`,
      (e) => `refused: ${e.code} ${e.message}`,
    );
    expect(review).toMatch(/^refused: forbidden .*separation of duties/);
  });
});
