/**
 * The append-only tables refuse an INSERT of a key they hold (migration 0024). SQLite's
 * `INSERT OR REPLACE` and `REPLACE INTO` delete the row in the way without firing its DELETE
 * trigger (`recursive_triggers` is off unless a connection turns it on), so they rewrote what
 * UPDATE and DELETE could not touch; `ON CONFLICT DO UPDATE` fires the UPDATE trigger on both
 * engines. The service's own duplicate inserts still read as the conflicts they were.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import type { Store } from '../../src/app/index.js';
import { appendOnlyKeys, createStore } from '../../src/store/index.js';
import { eachEngine } from './engines.js';
import {
  approval,
  at,
  auditInput,
  decision,
  draft,
  evidence,
  request,
  seedVersion,
  unique,
} from './fixtures.js';

/** One row in every append-only table (and tree nodes, from two appends). */
async function seedEveryTable(store: Store) {
  return store.transaction(async (tx) => {
    const seeded = await seedVersion(tx);
    const { version } = seeded;
    await tx.evidence.insert(evidence(version, 'metrics.json'));
    const r = request(version);
    await tx.requests.insert(r);
    await tx.approvals.insert(approval(r.id, 'dave'));
    await tx.decisions.insert(decision(version, 'gates'));
    await tx.audit.append(auditInput(version.model));
    await tx.audit.append(auditInput(version.model));
    await tx.checkpoints.insert({
      // The tests of a file share its database: a size of this call's own.
      size: 1 + Math.floor(Math.random() * 1e9),
      rootHash: new Uint8Array(32),
      note: 'clearance/test\n1\nAAAA\n',
      createdAt: at,
    });
    return seeded;
  });
}

const tables = Object.keys(appendOnlyKeys);

eachEngine('append-only keys', (engine) => {
  const sqliteOnly = it.runIf(engine.name === 'sqlite');

  sqliteOnly(
    'refuses INSERT OR REPLACE and REPLACE INTO of a held key in every table',
    async () => {
      const store = await engine.openStore();
      await seedEveryTable(store);
      const { db } = engine.openDialect();
      for (const table of tables.filter((t) => appendOnlyKeys[t]?.derived === undefined)) {
        const rows = async () =>
          (await sql`select * from ${sql.table(table)} order by 1`.execute(db)).rows;
        const before = await rows();
        expect(before.length, table).toBeGreaterThan(0);
        for (const verb of ['insert or replace into', 'replace into', 'insert or ignore into']) {
          await expect(
            sql.raw(`${verb} ${table} select * from ${table} where true limit 1`).execute(db),
            `${verb} ${table}`,
          ).rejects.toThrow(`${table} is append-only: INSERT of a key it holds is refused`);
        }
        expect(await rows()).toEqual(before);
      }
    },
  );

  sqliteOnly(
    'refuses a tree node of a held position with another hash, lets the same one by',
    async () => {
      const store = await engine.openStore();
      await seedEveryTable(store);
      const { db } = engine.openDialect();
      const nodes = async () =>
        (await sql`select * from audit_tree_nodes order by level, idx`.execute(db)).rows;
      const before = await nodes();
      expect(before.length).toBeGreaterThan(0);
      for (const verb of ['insert or replace into', 'replace into']) {
        await expect(
          sql
            .raw(
              `${verb} audit_tree_nodes (level, idx, hash) ` +
                `select level, idx, case when substr(hash, 1, 1) = '0' then '1' else '0' end || substr(hash, 2) from audit_tree_nodes where true limit 1`,
            )
            .execute(db),
        ).rejects.toThrow('audit_tree_nodes is append-only: INSERT of a key it holds is refused');
        // The same node again changes nothing (the service's ON CONFLICT DO NOTHING of a node it
        // recomputed relies on it).
        await sql
          .raw(`${verb} audit_tree_nodes select * from audit_tree_nodes where true limit 1`)
          .execute(db);
      }
      await sql
        .raw(
          'insert into audit_tree_nodes select * from audit_tree_nodes where true ' +
            'on conflict (level, idx) do nothing',
        )
        .execute(db);
      expect(await nodes()).toEqual(before);
    },
  );

  it('refuses INSERT … ON CONFLICT DO UPDATE of a held key in every table', async () => {
    const store = await engine.openStore();
    await seedEveryTable(store);
    const { db } = engine.openDialect();
    for (const table of tables) {
      const key = appendOnlyKeys[table]?.key ?? [];
      const rows = async () =>
        (await sql`select * from ${sql.table(table)} order by 1`.execute(db)).rows;
      const before = await rows();
      // SQLite's guard refuses the INSERT first; PostgreSQL runs the UPDATE, and its trigger refuses.
      await expect(
        sql
          .raw(
            `insert into ${table} select * from ${table} where true limit 1 ` +
              `on conflict (${key.join(', ')}) do update set ${key[0]} = excluded.${key[0]}`,
          )
          .execute(db),
        table,
      ).rejects.toThrow(`${table} is append-only`);
      expect(await rows()).toEqual(before);
    }
  });

  it("keeps the service's duplicate version a conflict in its own words", async () => {
    const store = await engine.openStore();
    const { version } = await store.transaction(seedVersion);
    await expect(
      store.transaction((tx) => tx.versions.insert(version, draft(version))),
    ).rejects.toThrow(
      `Version ${version.version} of model ${version.model} already exists; versions are immutable`,
    );
    await expect(
      store.transaction((tx) =>
        tx.evidence
          .insert(evidence(version, 'x.json'))
          .then(() => tx.evidence.insert(evidence(version, 'x.json'))),
      ),
    ).rejects.toThrow('Evidence x.json is already attached');
    await store.transaction((tx) => tx.audit.append(auditInput(unique('after'))));
  });

  sqliteOnly('gives an upgraded database the triggers a fresh one has', async () => {
    await engine.openStore();
    const { db } = engine.openDialect();
    const triggers = async () =>
      (
        await sql<{ name: string; sql: string }>`
          select name, sql from sqlite_master where type = 'trigger' order by name`.execute(db)
      ).rows;
    const fresh = await triggers();
    expect(fresh.filter((t) => t.name.endsWith('_no_existing_key')).map((t) => t.name)).toEqual(
      tables.map((t) => `${t}_no_existing_key`).sort(),
    );
    // A database as 0023 left it.
    for (const table of tables) {
      await sql.raw(`drop trigger ${table}_no_existing_key`).execute(db);
    }
    await sql`delete from kysely_migration where name >= '0024'`.execute(db);
    const upgraded = await createStore(engine.config());
    await upgraded.close();
    expect(await triggers()).toEqual(fresh);
  });
});
