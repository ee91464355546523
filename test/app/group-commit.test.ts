/**
 * Group commit (ADRs 012, 017): writes asked for together share one transaction, each in a
 * savepoint of its own; on PostgreSQL writes naming different models run side by side in it
 * (ADR 051). Either way concurrent writes must each leave their records and their audit entry, the
 * Merkle tree's stored nodes must agree with the leaves, and a write that fails must fail alone,
 * leaving nothing behind.
 */
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { storedRoot } from '../../src/app/audit-log/audit-tree.js';
import {
  type AppDeps,
  executeTransition,
  LineageReadings,
  recordApproval,
  registerVersion,
  requestTransition,
} from '../../src/app/index.js';
import { auditRecord } from '../../src/app/shared/audit-record.js';
import { rootFromLeafHashes } from '../../src/audit/index.js';
import {
  addVersion,
  forEachStore,
  people,
  readAudit,
  type StoreHarness,
  seedProduction,
  setupModel,
  toStaging,
} from './harness.js';

const model = 'grouped-model';
const digestOf = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

function register(h: StoreHarness, version: string) {
  return registerVersion(h.deps, people.ci, {
    model,
    version,
    artifactUri: `s3://models/${model}/${version}`,
    artifactDigest: digestOf(version),
    lineage: { codeCommit: 'abcdef1', seed: 7 },
  });
}

/** Every prefix of the log: the root from stored nodes equals the root of its leaf hashes. */
async function expectTreeAgreesWithLeaves(h: StoreHarness): Promise<number> {
  return h.store.read(async (tx) => {
    const size = await tx.audit.size();
    const leaves = await tx.audit.leafHashes(0, size);
    expect(leaves).toHaveLength(size);
    for (let n = 1; n <= size; n++) {
      const fromNodes = Buffer.from(await storedRoot(tx, n)).toString('hex');
      const fromLeaves = Buffer.from(rootFromLeafHashes(leaves.slice(0, n))).toString('hex');
      expect(fromNodes, `root at size ${n}`).toBe(fromLeaves);
    }
    return size;
  });
}

async function versionsOf(h: StoreHarness): Promise<string[]> {
  const entries = await readAudit(h);
  return entries
    .filter((e) => e.action === 'version.registered')
    .map((e) => e.subject.id.split('@')[1] ?? '');
}

forEachStore('concurrent writes', (open, engine) => {
  const databaseOnly = engine === 'memory' ? it.skip : it;

  databaseOnly('commits 64 concurrent registrations, each with its audit entry', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', model, 'high');
    const before = (await readAudit(h)).length;
    const names = Array.from({ length: 64 }, (_, k) => `1.0.${k}`);
    const views = await Promise.all(names.map((name) => register(h, name)));
    expect(views.map((v) => v.version)).toEqual(names);

    const entries = await readAudit(h);
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, k) => k));
    expect(entries.length).toBe(before + 64);
    const registered = await versionsOf(h);
    expect([...registered].sort()).toEqual([...names].sort());
    // A batch keeps arrival order; PostgreSQL's transactions commit in whatever order they end.
    if (engine === 'sqlite') expect(registered).toEqual(names);
    expect(await expectTreeAgreesWithLeaves(h)).toBe(before + 64);
  });

  databaseOnly('fails a duplicate registration alone among concurrent ones', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', model, 'high');
    await register(h, '0.9.0');
    const names = Array.from({ length: 20 }, (_, k) => (k === 7 ? '0.9.0' : `1.1.${k}`));
    const settled = await Promise.allSettled(names.map((name) => register(h, name)));

    const failed = settled.flatMap((s, k) => (s.status === 'rejected' ? [k] : []));
    expect(failed).toEqual([7]);
    const refusal = (settled[7] as PromiseRejectedResult).reason as { code?: string };
    expect(refusal.code).toBe('conflict');
    const registered = await versionsOf(h);
    expect(registered[0]).toBe('0.9.0');
    expect(registered.slice(1).sort()).toEqual(names.filter((_, k) => k !== 7).sort());
    await expectTreeAgreesWithLeaves(h);
  });

  databaseOnly(
    'runs governed steps of many models at once; a refused request fails alone',
    async () => {
      const h = await open();
      const models = Array.from({ length: 8 }, (_, k) => `side-${k}`);
      for (const name of models) await setupModel(h, 'credit-risk', name, 'high');
      const runAgainBefore = h.store.writeStats?.().runAgain ?? 0;
      /** Runs `step` for every model at once, behind a write that holds the write path a while. */
      const atOnce = async <T>(step: (name: string, k: number) => Promise<T>) => {
        // The steps' writes queue behind it and then share one transaction (side by side on
        // PostgreSQL, ADR 051).
        const holding = h.store.transaction(() => new Promise((done) => setTimeout(done, 500)));
        const settled = await Promise.allSettled(models.map(step));
        await holding;
        return settled;
      };
      const added = await atOnce((name) =>
        addVersion(h, { model: name, version: '1.0', dir: 'credit-risk/baseline' }),
      );
      expect(added.every((s) => s.status === 'fulfilled')).toBe(true);
      // The fourth asks for a version it never registered: refused inside its transaction.
      const requested = await atOnce((name, k) =>
        requestTransition(h.deps, people.owner, {
          model: name,
          version: k === 3 ? '9.9' : '1.0',
          to: 'staging',
          reason: 'Ready for validation',
        }),
      );
      expect(requested.map((s) => s.status)).toEqual(
        models.map((_, k) => (k === 3 ? 'rejected' : 'fulfilled')),
      );
      expect(((requested[3] as PromiseRejectedResult).reason as { code?: string }).code).toBe(
        'not_found',
      );
      const rerunByRequests = (h.store.writeStats?.().runAgain ?? 0) - runAgainBefore;
      const ids = requested.flatMap((s) => (s.status === 'fulfilled' ? [s.value.request.id] : []));
      // Approved through a server that kept no lineage readings (another server's, or this one
      // after a restart): each approval's first transaction ends before writing, and it reads the
      // lineage ahead of a second one. Ending so, it does not send the others round again.
      const elsewhere: AppDeps = { ...h.deps, lineageReadings: new LineageReadings() };
      const approved = await atOnce((_, k) => {
        const requestId = ids[k];
        if (requestId === undefined) return Promise.resolve(undefined);
        return recordApproval(elsewhere, people.tech, {
          requestId,
          role: 'tech_lead',
          decision: 'approve',
          comment: 'Reviewed',
          riskClass: 'low',
        });
      });
      expect(approved.every((s) => s.status === 'fulfilled')).toBe(true);
      const signed = await h.store.read((tx) =>
        Promise.all(ids.map((requestId) => tx.approvals.list(requestId))),
      );
      expect(signed.map((list) => list.length)).toEqual(ids.map(() => 1));
      const executed = await Promise.allSettled(
        ids.map((requestId) => executeTransition(h.deps, people.owner, { requestId })),
      );
      expect(executed.every((s) => s.status === 'fulfilled')).toBe(true);
      for (const [k, name] of models.entries()) {
        const version = await h.store.read((tx) => tx.versions.get(name, '1.0'));
        expect(version?.state, name).toBe(k === 3 ? 'draft' : 'staging');
      }
      const entries = await readAudit(h);
      expect(entries.map((e) => e.seq)).toEqual(entries.map((_, k) => k));
      expect(entries.filter((e) => e.action === 'transition.executed')).toHaveLength(7);
      expect(await expectTreeAgreesWithLeaves(h)).toBe(entries.length);
      // On PostgreSQL the refused request ran beside the other models' requests: their
      // transaction was rolled back and each of them ran again, one after another.
      if (engine === 'postgres') {
        // All eight when they all reached the queue while the first write held it (the usual case).
        expect(rerunByRequests).toBeGreaterThanOrEqual(2);
        // Nothing ran again after the requests: approvals and executions all ended whole.
        expect((h.store.writeStats?.().runAgain ?? 0) - runAgainBefore).toBe(rerunByRequests);
      }
    },
  );

  databaseOnly(
    'rolls back all of a failing write, audit entry included, and none of the others',
    async () => {
      const h = await open();
      await setupModel(h, 'credit-risk', model, 'high');
      const before = (await readAudit(h)).length;
      const write = (k: number) =>
        h.store.transaction(async (tx) => {
          const time = h.clock.now().toISOString();
          const version = `2.0.${k}`;
          await tx.versions.insert(
            {
              model,
              version,
              artifactUri: `s3://models/${model}/${version}`,
              artifactDigest: digestOf(version),
              lineage: {},
              createdAt: time,
              createdBy: people.ci.id,
            },
            { model, version, state: 'draft', since: time },
          );
          await tx.audit.append(
            auditRecord({
              actor: people.ci,
              time,
              action: 'version.registered',
              subject: { type: 'version', id: `${model}@${version}` },
            }),
          );
          // After its version and its audit entry (and any tree nodes that entry completed).
          if (k === 5) throw new Error('the fifth write fails after writing');
          return k;
        });
      const settled = await Promise.allSettled(Array.from({ length: 12 }, (_, k) => write(k)));

      expect(settled.map((s) => s.status === 'fulfilled')).toEqual(
        Array.from({ length: 12 }, (_, k) => k !== 5),
      );
      expect((settled[5] as PromiseRejectedResult).reason).toHaveProperty(
        'message',
        'the fifth write fails after writing',
      );
      const expected = Array.from({ length: 12 }, (_, k) => `2.0.${k}`).filter(
        (v) => v !== '2.0.5',
      );
      expect((await versionsOf(h)).sort()).toEqual(expected.sort());
      const stored = await h.store.read((tx) => tx.versions.get(model, '2.0.5'));
      expect(stored).toBeUndefined();
      expect(await expectTreeAgreesWithLeaves(h)).toBe(before + 11);
    },
  );

  databaseOnly(
    'executes exactly one of concurrent promotions of one model; the others are refused',
    async () => {
      const h = await open();
      const credit = 'grouped-credit';
      await setupModel(h, 'credit-risk', credit, 'regulated');
      await addVersion(h, { model: credit, version: '2026.1', dir: 'credit-risk/baseline' });
      await seedProduction(h, credit, '2026.1');
      const candidates = ['2026.2', '2026.3', '2026.4', '2026.5', '2026.6'];
      const requests: string[] = [];
      for (const version of candidates) {
        await addVersion(h, { model: credit, version, dir: 'credit-risk/candidates/passing' });
        await toStaging(h, credit, version);
        const { request } = await requestTransition(h.deps, people.mlops, {
          model: credit,
          version,
          to: 'production',
          reason: 'Quarterly refresh',
          ticket: 'RISK-3',
        });
        for (const [who, role] of [
          [people.owner, 'model_owner'],
          [people.risk, 'risk_officer'],
          [people.compliance, 'compliance_officer'],
        ] as const)
          await recordApproval(h.deps, who, {
            requestId: request.id,
            role,
            decision: 'approve',
            comment: 'Reviewed',
            ticket: 'RISK-3',
            riskClass: 'medium',
          });
        requests.push(request.id);
      }
      // Started in one tick: on SQLite they share a batch, each seeing the ones before it.
      const settled = await Promise.allSettled(
        requests.map((requestId) => executeTransition(h.deps, people.mlops, { requestId })),
      );

      const won = settled.flatMap((s, k) => (s.status === 'fulfilled' ? [candidates[k]] : []));
      expect(won).toHaveLength(1);
      for (const s of settled)
        if (s.status === 'rejected') expect((s.reason as { code?: string }).code).toBe('conflict');
      const { serving, inProduction } = await h.store.read(async (tx) => ({
        serving: await tx.serving.get(credit),
        inProduction: (await tx.versions.list(credit)).filter((v) => v.state === 'production'),
      }));
      expect(serving.production?.version).toBe(won[0]);
      expect(inProduction.map((v) => v.version)).toEqual(won);
      const executed = (await readAudit(h)).filter((e) => e.action === 'transition.executed');
      expect(executed.map((e) => e.subject.id).filter((id) => requests.includes(id))).toHaveLength(
        1,
      );
      await expectTreeAgreesWithLeaves(h);
    },
  );
});
