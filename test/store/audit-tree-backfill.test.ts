/**
 * Migration 0005 computes the Merkle tree nodes of a log written before it existed. The test
 * rewinds a database to the state before 0005 (its table, index and migration rows removed), runs
 * the migrations again, and compares every stored node with one computed independently from the
 * leaf hashes.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import type { Store } from '../../src/app/shared/ports.js';
import { perfectCover, rootFromLeafHashes } from '../../src/audit/index.js';
import type { ClearanceError } from '../../src/domain/index.js';
import { createStore, type StoreDialect } from '../../src/store/index.js';
import { eachEngine } from './engines.js';
import { auditInput, unique } from './fixtures.js';
import { errorOf } from './store-contract.js';

const hex = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? 'missing' : Buffer.from(bytes).toString('hex');

/** Removes migrations 0005 and later from a migrated database, as before the upgrade. */
async function rewind(db: StoreDialect): Promise<void> {
  // 0022's indexes back to 0001's, 0020 and 0021 (repeatable, nothing to undo), then 0019 to 0007,
  // undone first (they do not touch the audit tree).
  await sql`drop index transition_requests_by_version`.execute(db.db);
  await sql`drop index audit_entries_by_subject_action`.execute(db.db);
  await sql`create index audit_entries_by_subject on audit_entries (subject_type, subject_id)`.execute(
    db.db,
  );
  for (const table of ['users', 'role_bindings', 'api_tokens']) {
    for (const statement of db.dropIdentityEpochStatements(table)) {
      await sql.raw(statement).execute(db.db);
    }
  }
  for (const statement of db.dropDataVersionStatements()) {
    await sql.raw(statement).execute(db.db);
  }
  // 0017's and 0030's count triggers (0030's other tables are dropped whole below).
  for (const table of ['versions', 'version_states', 'serving']) {
    for (const statement of db.dropVersionChangeStatements(table)) {
      await sql.raw(statement).execute(db.db);
    }
  }
  await sql`drop table version_changes`.execute(db.db);
  await sql`drop index audit_entries_by_time`.execute(db.db);
  await sql`drop index audit_entries_by_actor`.execute(db.db);
  await sql`drop table audit_entry_models`.execute(db.db);
  await sql`drop index models_by_risk_tier`.execute(db.db);
  await sql`drop index models_by_team`.execute(db.db);
  await sql`drop table version_descriptions`.execute(db.db);
  await sql`drop table model_aliases`.execute(db.db);
  await sql`drop table version_tags`.execute(db.db);
  await sql`drop table model_tags`.execute(db.db);
  await sql`drop index versions_in_registration_order`.execute(db.db);
  await sql`drop table identity_epoch`.execute(db.db);
  await sql`drop index deliveries_by_target`.execute(db.db);
  await sql`drop table delivery_attempts`.execute(db.db);
  await sql`drop table webhook_subscriptions`.execute(db.db);
  await sql`drop table rollout_observations`.execute(db.db);
  await sql`drop table rollouts`.execute(db.db);
  await sql`drop table deliveries`.execute(db.db);
  await sql`drop table jobs`.execute(db.db);
  await sql`drop table outbox`.execute(db.db);
  await sql`drop index evidence_by_digest`.execute(db.db);
  await sql`drop table blob_uploads`.execute(db.db);
  await sql`alter table approvals drop column baseline_digest`.execute(db.db);
  for (const statement of db.dropAppendOnlyStatements('audit_tree_nodes')) {
    await sql.raw(statement).execute(db.db);
  }
  await sql`drop index audit_entries_by_action`.execute(db.db);
  await sql`drop table audit_tree_nodes`.execute(db.db);
  await sql`delete from kysely_migration where name >= '0005'`.execute(db.db);
}

async function appendMany(store: Store, count: number, prefix: string): Promise<void> {
  await store.transaction(async (tx) => {
    for (let i = 0; i < count; i += 1) await tx.audit.append(auditInput(unique(prefix)));
  });
}

eachEngine('audit tree nodes of an existing log (migration 0005)', (engine) => {
  it('are computed for every entry already in the log', async () => {
    const store = await engine.openStore();
    const entries = 2_345; // several backfill pages, and a size with many 1 bits
    const models: string[] = [];
    await store.transaction(async (tx) => {
      for (let i = 0; i < entries; i += 1) {
        models.push(unique('old'));
        await tx.audit.append(auditInput(models[i] as string));
      }
    });
    await rewind(engine.openDialect());

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
      // Migration 0015 indexed the old entries by model too.
      const byModel = await migrated.read((tx) =>
        tx.audit.page({ model: models[entries - 1] as string, limit: 10 }),
      );
      const base = (await migrated.read((tx) => tx.audit.size())) - entries;
      expect(byModel.map((l) => l.entry.seq)).toStrictEqual([base + entries - 1]);
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

  it('recomputes nodes a server without them did not store, and stores them on the next append', async () => {
    const store = await engine.openStore();
    const db = engine.openDialect();
    await appendMany(store, 100, 'upgrade');
    // Entries appended by a server that predates 0005 (a rolling upgrade) have no nodes.
    for (const statement of db.dropAppendOnlyStatements('audit_tree_nodes')) {
      await sql.raw(statement).execute(db.db);
    }
    await sql`delete from audit_tree_nodes`.execute(db.db);
    await appendMany(store, 29, 'after');
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
      expect(hex(nodes[k])).toBe(hex(expected));
    });
    const { rows } = await sql<{
      n: number | string;
    }>`select count(*) as n from audit_tree_nodes`.execute(db.db);
    expect(Number(rows[0]?.n)).toBeGreaterThan(0);
  });

  it('migrates a log with a deleted entry, and refuses the tree across the gap', async () => {
    const store = await engine.openStore();
    await appendMany(store, 300, 'gap');
    const db = engine.openDialect();
    const size = await store.read((tx) => tx.audit.size());
    const gone = size - 200;
    for (const statement of db.dropAppendOnlyStatements('audit_entries')) {
      await sql.raw(statement).execute(db.db);
    }
    await sql`delete from audit_entries where seq = ${gone}`.execute(db.db);
    await rewind(db);
    const migrated = await createStore(engine.config());
    try {
      const error = await errorOf(
        migrated.read((tx) => tx.audit.treeNodes(perfectCover({ start: 0, end: size }))),
      );
      expect((error as ClearanceError).code).toBe('audit_unavailable');
      expect((error as ClearanceError).message).toContain(`audit entry ${gone}`);
    } finally {
      await migrated.close();
    }
  });
});
