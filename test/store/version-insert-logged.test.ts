/**
 * A version create's rows and its audit entry written together (`versions.insertLogged`, ADR 026):
 * on PostgreSQL one statement inserts the version, its first state, the entry and the tree nodes
 * its leaf completes, where three were sent before; on SQLite the same rows, statement by
 * statement. Attacked where a fold can lie: the stored bytes and tree, a duplicate, the entry
 * that must not outlive its version, a first state of production.
 */

import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import type { Store } from '../../src/app/shared/ports.js';
import { perfectCover, rootFromLeafHashes } from '../../src/audit/index.js';
import { ClearanceError } from '../../src/domain/index.js';
import { eachEngine } from './engines.js';
import { auditInput, draft, model, policy, version } from './fixtures.js';

async function seeded(store: Store): Promise<string> {
  const p = policy();
  const m = model(p.digest);
  await store.transaction(async (tx) => {
    await tx.policies.insert(p);
    await tx.models.insert(m);
  });
  return m.name;
}

const entryFor = (id: string) => ({
  ...auditInput(id),
  subject: { type: 'version', id },
});

eachEngine('a version inserted with its audit entry', (engine) => {
  it('stores the version, its first state, the entry and the tree nodes its leaf completes', async () => {
    const store = await engine.openStore();
    const name = await seeded(store);
    const appended = [];
    for (let k = 0; k < 7; k += 1) {
      const v = version(name);
      const entry = await store.transaction((tx) =>
        tx.versions.insertLogged(v, draft(v), entryFor(`${name}@${v.version}`)),
      );
      appended.push({ v, entry });
    }
    const size = await store.read((tx) => tx.audit.size());
    for (const { v, entry } of appended) {
      expect(await store.read((tx) => tx.versions.get(name, v.version))).toMatchObject({
        ...v,
        state: 'draft',
      });
      const [row] = await store.read((tx) => tx.audit.storedRows(entry.seq, entry.seq + 1));
      expect(JSON.parse(row?.text ?? 'null')).toEqual(entry);
    }
    // Every stored node equals the node computed from the leaves alone.
    const leaves = await store.read((tx) => tx.audit.leafHashes(0, size));
    const whole = 2 ** Math.floor(Math.log2(size));
    const [root] = await store.read((tx) =>
      tx.audit.treeNodes([{ level: Math.log2(whole), index: 0 }]),
    );
    expect(Buffer.from(root ?? [])).toEqual(
      Buffer.from(rootFromLeafHashes(leaves.slice(0, whole))),
    );
  });

  it('refuses a duplicate version with a conflict naming it, and appends no entry', async () => {
    const store = await engine.openStore();
    const name = await seeded(store);
    const v = version(name);
    await store.transaction((tx) => tx.versions.insertLogged(v, draft(v), entryFor('first')));
    const before = await store.read((tx) => tx.audit.size());
    const error = await store
      .transaction((tx) => tx.versions.insertLogged(v, draft(v), entryFor('second')))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClearanceError);
    expect(error).toMatchObject({ code: 'conflict' });
    expect((error as Error).message).toContain(
      `Version ${v.version} of model ${name} already exists`,
    );
    expect(await store.read((tx) => tx.audit.size())).toBe(before);
  });

  it('keeps neither the version nor the entry when the work fails after them', async () => {
    const store = await engine.openStore();
    const name = await seeded(store);
    const v = version(name);
    const before = await store.read((tx) => tx.audit.size());
    await expect(
      store.transaction(async (tx) => {
        await tx.versions.insertLogged(v, draft(v), entryFor(`${name}@${v.version}`));
        throw new Error('after the write');
      }),
    ).rejects.toThrow('after the write');
    expect(await store.read((tx) => tx.versions.get(name, v.version))).toBeUndefined();
    expect(await store.read((tx) => tx.audit.size())).toBe(before);
  });

  it('keeps the check for another production version when the first state is production', async () => {
    const store = await engine.openStore();
    const name = await seeded(store);
    const [a, b] = [version(name), version(name)];
    const production = (v: typeof a) => ({ ...draft(v), state: 'production' });
    await store.transaction((tx) => tx.versions.insertLogged(a, production(a), entryFor('a')));
    const before = await store.read((tx) => tx.audit.size());
    await expect(
      store.transaction((tx) => tx.versions.insertLogged(b, production(b), entryFor('b'))),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect(await store.read((tx) => tx.audit.size())).toBe(before);
  });

  describe.runIf(engine.name === 'postgres')('on PostgreSQL', () => {
    it('sends the version, its state and its entry as one statement', async () => {
      const store = await engine.openStore();
      const name = await seeded(store);
      const warm = version(name);
      await store.transaction((tx) => tx.versions.insertLogged(warm, draft(warm), entryFor('w')));
      const v = version(name);
      const sent: string[] = [];
      await store.transaction(async (tx) => {
        const query = vi.spyOn(pg.Client.prototype, 'query');
        try {
          await tx.versions.insertLogged(v, draft(v), entryFor(`${name}@${v.version}`));
        } finally {
          for (const call of query.mock.calls) {
            const first = call[0] as unknown;
            sent.push(
              typeof first === 'string' ? first : String((first as { text?: string }).text),
            );
          }
          query.mockRestore();
        }
      });
      expect(sent).toHaveLength(1);
    });
  });

  // Last: it removes the append-only triggers of the tree, as a rolling upgrade's log would be.
  it('appends statement by statement after the version when a tree node is not stored', async () => {
    const store = await engine.openStore();
    const name = await seeded(store);
    const db = engine.openDialect();
    for (const statement of db.dropAppendOnlyStatements('audit_tree_nodes')) {
      await sql.raw(statement).execute(db.db);
    }
    await sql`delete from audit_tree_nodes`.execute(db.db);
    const created = [];
    for (let k = 0; k < 5; k += 1) {
      const v = version(name);
      const entry = await store.transaction((tx) =>
        tx.versions.insertLogged(v, draft(v), entryFor(`${name}@${v.version}`)),
      );
      created.push({ v, entry });
    }
    for (const { v, entry } of created) {
      expect(await store.read((tx) => tx.versions.get(name, v.version))).toMatchObject(v);
      const [row] = await store.read((tx) => tx.audit.storedRows(entry.seq, entry.seq + 1));
      expect(JSON.parse(row?.text ?? 'null')).toEqual(entry);
    }
    const { leaves, nodes } = await store.read(async (tx) => {
      const size = await tx.audit.size();
      return {
        leaves: await tx.audit.leafHashes(0, size),
        nodes: await tx.audit.treeNodes(perfectCover({ start: 0, end: size })),
      };
    });
    perfectCover({ start: 0, end: leaves.length }).forEach((id, k) => {
      const span = 2 ** id.level;
      const expected = rootFromLeafHashes(leaves.slice(id.index * span, (id.index + 1) * span));
      expect(Buffer.from(nodes[k] ?? [])).toEqual(Buffer.from(expected));
    });
  });
});
