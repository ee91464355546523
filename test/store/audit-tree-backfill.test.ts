/**
 * Migration 0005 computes the Merkle tree nodes of a log written before it existed. The test
 * rewinds a database to the state before 0005 (its table, index and migration rows removed), runs
 * the migrations again, and compares every stored node with one computed independently from the
 * leaf hashes.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { perfectCover, rootFromLeafHashes } from '../../src/audit/index.js';
import { createStore } from '../../src/store/index.js';
import { eachEngine } from './engines.js';
import { auditInput, unique } from './fixtures.js';

const hex = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? 'missing' : Buffer.from(bytes).toString('hex');

eachEngine('audit tree nodes of an existing log (migration 0005)', (engine) => {
  it('are computed for every entry already in the log', async () => {
    const store = await engine.openStore();
    const entries = 2_345; // several backfill pages, and a size with many 1 bits
    await store.transaction(async (tx) => {
      for (let i = 0; i < entries; i += 1) await tx.audit.append(auditInput(unique('old')));
    });
    const db = engine.openDialect();
    for (const statement of db.dropAppendOnlyStatements('audit_tree_nodes')) {
      await sql.raw(statement).execute(db.db);
    }
    await sql`drop index audit_entries_by_action`.execute(db.db);
    await sql`drop table audit_tree_nodes`.execute(db.db);
    await sql`delete from kysely_migration where name in ('0005-audit-tree-nodes', '0006-audit-action-index')`.execute(
      db.db,
    );

    const migrated = await createStore(engine.config());
    try {
      const { leaves, nodes } = await migrated.transaction(async (tx) => {
        const size = await tx.audit.size();
        const cover = perfectCover({ start: 0, end: size });
        return {
          leaves: await tx.audit.leafHashes(0, size),
          nodes: await tx.audit.treeNodes(cover),
        };
      });
      expect(leaves).toHaveLength(entries);
      perfectCover({ start: 0, end: entries }).forEach((id, k) => {
        const span = 2 ** id.level;
        const expected = rootFromLeafHashes(leaves.slice(id.index * span, (id.index + 1) * span));
        expect(hex(nodes[k])).toBe(hex(expected));
      });
      // Appending continues the backfilled tree.
      await migrated.transaction((tx) => tx.audit.append(auditInput(unique('new'))));
      const after = await migrated.transaction(async (tx) => ({
        leaves: await tx.audit.leafHashes(0, entries + 1),
        top: await tx.audit.treeNodes(perfectCover({ start: 0, end: entries + 1 })),
      }));
      const rebuilt = perfectCover({ start: 0, end: entries + 1 }).map((id) => {
        const span = 2 ** id.level;
        return hex(rootFromLeafHashes(after.leaves.slice(id.index * span, (id.index + 1) * span)));
      });
      expect(after.top.map(hex)).toEqual(rebuilt);
    } finally {
      await migrated.close();
    }
  });
});
