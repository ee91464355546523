import { expect, it } from 'vitest';
import { registryMetrics, requestTransition, signAuditCheckpoint } from '../../src/app/index.js';
import { generateSigningKey } from '../../src/audit/index.js';
import {
  addVersion,
  forEachStore,
  people,
  person,
  readActions,
  refusal,
  setupModel,
} from './harness.js';

forEachStore('registry metrics', (open) => {
  it('counts models, pending requests and the audit log behind its latest checkpoint', async () => {
    const h = await open();
    await setupModel(h, 'recommender', 'home-feed', 'medium');
    await addVersion(h, {
      model: 'home-feed',
      version: '7.0.0',
      dir: 'recommender/candidates/passing',
    });
    await addVersion(h, {
      model: 'home-feed',
      version: '7.0.1',
      dir: 'recommender/candidates/passing',
    });
    for (const version of ['7.0.0', '7.0.1']) {
      await requestTransition(h.deps, people.owner, {
        model: 'home-feed',
        version,
        to: 'staging',
        reason: 'Offline eval done',
      });
    }
    const key = generateSigningKey('clearance/metrics-test');
    const signer = {
      origin: key.name,
      note: { name: key.name, privateKey: key.privateKey },
      verifierKey: key.verifierKey,
    };
    const signed = await signAuditCheckpoint(h.deps, signer);
    const metrics = await registryMetrics(h.deps, people.risk);
    const size = await h.store.read((tx) => tx.audit.size());
    expect(metrics.models).toBe(1);
    expect(metrics.pendingRequests).toEqual([{ to: 'staging', changeType: 'standard', count: 2 }]);
    expect(metrics.auditEntries).toBe(size);
    expect(metrics.latestCheckpoint).toEqual({
      size: signed.checkpoint.size,
      createdAt: signed.checkpoint.createdAt,
    });
    expect(metrics.overdueReviews).toBe(0);
  });

  it('refuses someone without a role, and audits it', async () => {
    const h = await open();
    const nobody = person('nobody');
    expect((await refusal(registryMetrics(h.deps, nobody))).code).toBe('forbidden');
    expect(await readActions(h)).toContain('access.denied');
  });
});
