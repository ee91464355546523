/**
 * Group commit (ADR 012): writes asked for together share one transaction on SQLite, each in a
 * savepoint of its own; on PostgreSQL they run side by side in transactions of their own. Either
 * way concurrent writes must each leave their records and their audit entry, the Merkle tree's
 * stored nodes must agree with the leaves, and a write that fails must fail alone, leaving
 * nothing behind.
 */
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { storedRoot } from '../../src/app/audit-log/audit-tree.js';
import {
  executeTransition,
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
