import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import {
  attachEvidence,
  executeTransition,
  recordApproval,
  requestTransition,
} from '../../src/app/index.js';
import { classifyEvidenceFile } from '../../src/domain/index.js';
import { loadEvidenceBundle, StoredEvidenceLoader } from '../../src/evidence/index.js';
import {
  addVersion,
  examplesDir,
  forEachStore,
  people,
  refusal,
  setupModel,
  toStaging,
} from './harness.js';

forEachStore('StoredEvidenceLoader', (open) => {
  it('reads stored blobs into a bundle that carries the stored digests', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', 'credit-risk-pd', 'regulated');
    await addVersion(h, {
      model: 'credit-risk-pd',
      version: '1',
      dir: 'credit-risk/candidates/passing',
    });
    const records = await h.store.transaction((tx) => tx.evidence.list('credit-risk-pd', '1'));
    const bundle = await new StoredEvidenceLoader(h.blobs).load(records, { groupColumns: [] });
    const direct = await loadEvidenceBundle(join(examplesDir, 'credit-risk/candidates/passing'));
    expect(bundle.items.map((i) => [i.path, i.kind, i.digest])).toEqual(
      direct.items.map((i) => [i.path, i.kind, i.digest]),
    );
    expect(bundle.root).toBe('stored evidence of credit-risk-pd@1');
    expect(bundle.problems).toEqual([]);
    expect(Object.keys(bundle.documents).sort()).toEqual(Object.keys(direct.documents).sort());
  });

  it('reports a blob whose bytes no longer match its digest as a problem of its kind', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', 'credit-risk-pd', 'regulated');
    await addVersion(h, {
      model: 'credit-risk-pd',
      version: '1',
      dir: 'credit-risk/candidates/passing',
    });
    const records = await h.store.transaction((tx) => tx.evidence.list('credit-risk-pd', '1'));
    const card = records.find((r) => r.path === 'model_card.md');
    if (!card) throw new Error('no model card');
    await h.tamperBlob(card.digest, new TextEncoder().encode('# Model card\n'));
    // Both blob stores check the digest on read and refuse (the fake honours the same contract);
    // the loader keeps the refusal as the card's problem, so only gates that need it fail.
    const bundle = await new StoredEvidenceLoader(h.blobs).load(records, { groupColumns: [] });
    expect(bundle.problems).toHaveLength(1);
    expect(bundle.problems[0]?.kind).toBe('model_card');
    expect(bundle.problems[0]?.message).toContain(`${card.digest} is corrupted`);
    expect(bundle.documents.model_card).toBeUndefined();
    expect(bundle.lineage).toBeDefined();
  });

  it('classifies attached files as the evidence reader does', async () => {
    for (const dir of [
      'credit-risk/candidates/passing',
      'fraud/candidates/passing',
      'recommender/candidates/passing',
    ]) {
      const bundle = await loadEvidenceBundle(join(examplesDir, dir));
      for (const item of bundle.items)
        expect([item.path, classifyEvidenceFile(item.path).kind]).toEqual([item.path, item.kind]);
      expect(readdirSync(join(examplesDir, dir)).length).toBe(bundle.items.length);
    }
  });

  it('refuses an evidence path that leaves its directory', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', 'credit-risk-pd', 'regulated');
    await addVersion(h, { model: 'credit-risk-pd', version: '1', dir: 'credit-risk/baseline' });
    const error = await refusal(
      attachEvidence(h.deps, people.ci, {
        model: 'credit-risk-pd',
        version: '1',
        files: [{ path: '../x.md', bytes: new Uint8Array() }],
      }),
    );
    expect(error.code).toBe('invalid_input');
  });
});

forEachStore('concurrent promotions', (open) => {
  async function twoApproved() {
    const h = await open();
    const model = 'cxr-triage';
    await setupModel(h, 'medical-imaging', model, 'safety-critical');
    const ids: string[] = [];
    for (const version of ['a', 'b']) {
      await addVersion(h, { model, version, dir: 'medical-imaging/candidates/passing' });
      await toStaging(h, model, version);
      const { request } = await requestTransition(h.deps, people.mlops, {
        model,
        version,
        to: 'production',
        reason: 'go',
        ticket: 'CAB-1',
      });
      const signers = [
        [people.clinician, 'senior_clinician'],
        [people.owner, 'model_owner'],
      ] as const;
      for (const [who, role] of signers) {
        await recordApproval(h.deps, who, {
          requestId: request.id,
          role,
          decision: 'approve',
          comment: 'ok',
          ticket: 'CAB-1',
          riskClass: 'high',
        });
      }
      ids.push(request.id);
    }
    return { h, model, ids };
  }

  it('executing one request twice at once: exactly one wins, the other gets a conflict', async () => {
    const { h, ids } = await twoApproved();
    const requestId = ids[0] ?? '';
    const results = await Promise.allSettled([
      executeTransition(h.deps, people.mlops, { requestId }),
      executeTransition(h.deps, people.mlops, { requestId }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((rejected.reason as { code: string }).code).toBe('conflict');
  });

  it('two versions promoted at once: one wins, the other was judged against a stale production', async () => {
    const { h, model, ids } = await twoApproved();
    const results = await Promise.allSettled(
      ids.map((requestId) => executeTransition(h.deps, people.mlops, { requestId })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((rejected.reason as { code: string }).code).toBe('conflict');
    const production = await h.store.transaction((tx) => tx.versions.inState(model, 'production'));
    expect(production).toHaveLength(1);
  });

  it('the store refuses a second production version (last line of defence)', async () => {
    const { h, model } = await twoApproved();
    const since = h.clock.now().toISOString();
    const error = await refusal(
      h.store.transaction(async (tx) => {
        await tx.versions.setState({ model, version: 'a', state: 'production', since });
        await tx.versions.setState({ model, version: 'b', state: 'production', since });
      }),
    );
    expect(error.code).toBe('conflict');
  });
});
