import { expect, it } from 'vitest';
import type { Store } from '../../src/app/shared/ports.js';
import {
  approval,
  at,
  decision,
  draft,
  evidence,
  later,
  model,
  policy,
  request,
  seedVersion,
  unique,
  version,
} from './fixtures.js';
import { errorOf } from './store-contract.js';

export function readContract(store: () => Store): void {
  it('reads committed data in a read transaction', async () => {
    const p = policy();
    const m = model(p.digest);
    await store().transaction(async (tx) => {
      await tx.policies.insert(p);
      await tx.models.insert(m);
    });
    expect(await store().read((tx) => tx.models.get(m.name))).toStrictEqual(m);
  });

  it('refuses a write inside a read transaction and keeps nothing of it', async () => {
    const p = policy();
    const error = await errorOf(store().read((tx) => tx.policies.insert(p)));
    expect(error).toBeInstanceOf(Error);
    expect(await store().read((tx) => tx.policies.get(p.digest))).toBeUndefined();
  });

  it('reads the committed snapshot while a write transaction is open, without waiting for it', async () => {
    const p = policy();
    const m = model(p.digest);
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inserted = () => {};
    const insertedYet = new Promise<void>((resolve) => {
      inserted = resolve;
    });
    const writing = store().transaction(async (tx) => {
      await tx.policies.insert(p);
      await tx.models.insert(m);
      inserted();
      await held;
    });
    try {
      await insertedYet;
      // The writer holds its transaction (and on SQLite the write lock) open: the read must
      // neither wait for it nor see its uncommitted rows.
      expect(await store().read((tx) => tx.models.get(m.name))).toBeUndefined();
    } finally {
      release();
      await writing;
    }
    expect(await store().read((tx) => tx.models.get(m.name))).toStrictEqual(m);
  });

  it('reads a board page: versions in order, serving, open requests with decisions', async () => {
    const team = unique('team');
    const seeded = await store().transaction(async (tx) => {
      const p = policy();
      await tx.policies.insert(p);
      const m = { ...model(p.digest), ownerTeam: team };
      await tx.models.insert(m);
      const v = version(m.name, '1');
      await tx.versions.insert(v, { ...draft(v), state: 'staging' });
      await tx.serving.set({ model: m.name, canary: { version: '1', traffic: 5, since: at } });
      const d = decision(v, 'gates');
      await tx.decisions.insert(d);
      const open = request(v, { decisionId: d.id });
      await tx.requests.insert(open);
      await tx.requests.insert(request(v, { status: 'rejected' }));
      return { m, d, open };
    });
    const rows = await store().read((tx) => tx.reads.board({ team, limit: 10, now: later }));
    expect(rows.map((r) => r.model.name)).toStrictEqual([seeded.m.name]);
    expect(rows[0]?.versions).toStrictEqual([{ version: '1', state: 'staging' }]);
    expect(rows[0]?.serving.canary).toStrictEqual({ version: '1', traffic: 5, since: at });
    expect(rows[0]?.open).toStrictEqual([{ request: seeded.open, decision: seeded.d }]);
    expect(rows[0]?.reviewsDue).toStrictEqual([]);
    const after = await store().read((tx) =>
      tx.reads.board({ team, after: seeded.m.name, limit: 10, now: later }),
    );
    expect(after).toStrictEqual([]);
  });

  it('lists each pending request with its version, approvals, evidence and model policy', async () => {
    const seeded = await store().transaction(async (tx) => {
      const { model: m, version: v } = await seedVersion(tx);
      const other = version(m.name);
      await tx.versions.insert(other, { ...draft(other), state: 'staging', since: later });
      const pending = request(v);
      const second = request(other, { requestedAt: later });
      const closed = request(v, { status: 'executed' });
      for (const r of [pending, second, closed]) await tx.requests.insert(r);
      const signed = approval(pending.id, 'alice');
      await tx.approvals.insert(signed);
      await tx.approvals.insert(approval(closed.id, 'dave'));
      const card = evidence(v, 'model_card.md');
      await tx.evidence.insert(card);
      await tx.evidence.insert(evidence(other, 'metrics.json'));
      return {
        m,
        pending,
        second,
        closed,
        signed,
        card,
        views: [
          await tx.versions.get(m.name, v.version),
          await tx.versions.get(m.name, other.version),
        ],
      };
    });
    const board = await store().read((tx) => tx.reads.pendingRequests());
    const mine = board.filter((b) => b.request.model === seeded.m.name);
    expect(mine.map((b) => b.request)).toStrictEqual([seeded.pending, seeded.second]);
    expect(mine[0]).toStrictEqual({
      request: seeded.pending,
      version: seeded.views[0],
      approvals: [seeded.signed],
      evidence: [seeded.card],
      modelPolicyDigest: seeded.m.policyDigest,
    });
    expect(mine[1]?.version).toStrictEqual(seeded.views[1]);
    expect(mine[1]?.approvals).toStrictEqual([]);
    expect(mine[1]?.evidence.map((e) => e.path)).toStrictEqual(['metrics.json']);
  });
}
