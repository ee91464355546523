/**
 * Clearance's trigger functions search their schema and then `pg_temp`, explicitly last
 * (migrations 0021 and 0023, ADR 027). PostgreSQL searches `pg_temp` first for tables unless the
 * search path names it: a session allowed to create temporary tables (every role may, by
 * default) made its own `identity_epoch`, `data_version` and `version_changes`, and its changes
 * moved those instead of the real ones, so every server kept what it changed (a deleted token
 * honoured). SQLite has no search path.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { createStore, openDialect } from '../../src/store/index.js';
import { eachEngine } from './engines.js';
import { seedVersion, unique } from './fixtures.js';
import { runtimeRole } from './postgres-roles.js';

eachEngine('trigger functions and temporary tables', (engine) => {
  const postgresOnly = it.runIf(engine.name === 'postgres');

  postgresOnly(
    'moves the real epoch, data version and change count under temporary look-alikes',
    async () => {
      const store = await engine.openStore();
      const { version } = await store.transaction(seedVersion);
      const { db } = engine.openDialect();
      const counters = async () => {
        const { rows } = await sql<{ epoch: string; version: string; changes: string }>`
          select (select epoch from identity_epoch) as epoch,
            (select version from data_version) as version,
            (select changes from version_changes where model = ${version.model}) as changes`.execute(
          db,
        );
        return rows[0];
      };
      const before = await counters();
      const config = engine.config();
      if (config.engine !== 'postgres') throw new Error('PostgreSQL only');
      const role = await runtimeRole(config.url);
      const attacker = openDialect({ engine: 'postgres', url: role.url });
      try {
        const temps = await attacker.db.connection().execute(async (c) => {
          await sql`create temp table identity_epoch (id integer primary key, epoch bigint)`.execute(
            c,
          );
          await sql`insert into identity_epoch values (1, 0)`.execute(c);
          await sql`create temp table data_version (id integer primary key, version bigint)`.execute(
            c,
          );
          await sql`insert into data_version values (1, 0)`.execute(c);
          await sql`create temp table version_changes (model text primary key, changes bigint)`.execute(
            c,
          );
          await sql`insert into version_changes values (${version.model}, 0)`.execute(c);
          await sql`insert into users (id, display_name, created_at)
            values (${unique('temp-user')}, 'T', now())`.execute(c);
          await sql`update version_states set since = since where model = ${version.model}`.execute(
            c,
          );
          const { rows } = await sql<{ epoch: string; version: string; changes: string }>`
            select (select epoch from pg_temp.identity_epoch) as epoch,
              (select version from pg_temp.data_version) as version,
              (select changes from pg_temp.version_changes) as changes`.execute(c);
          return rows[0];
        });
        expect(temps).toEqual({ epoch: '0', version: '0', changes: '0' });
        const after = await counters();
        expect(Number(after?.epoch)).toBeGreaterThan(Number(before?.epoch));
        expect(Number(after?.version)).toBeGreaterThan(Number(before?.version));
        expect(Number(after?.changes)).toBeGreaterThan(Number(before?.changes));
      } finally {
        await attacker.destroy();
        await role.drop();
      }
    },
  );

  postgresOnly('gives an upgraded database the search path a fresh one has', async () => {
    await engine.openStore();
    const { db } = engine.openDialect();
    const settings = async () =>
      (
        await sql<{ proname: string; proconfig: string[] | null }>`
          select proname, proconfig from pg_proc
          where pronamespace = (select oid from pg_namespace where nspname = current_schema())
            and proname like 'clearance\\_%' order by proname`.execute(db)
      ).rows;
    const triggerFunctions = [
      'clearance_bump_identity_epoch',
      'clearance_count_commit',
      'clearance_count_version_change',
      'clearance_refuse_change',
    ];
    const fresh = await settings();
    expect(fresh.filter((f) => triggerFunctions.includes(f.proname))).toEqual(
      triggerFunctions.map((proname) => ({ proname, proconfig: ['search_path=public, pg_temp'] })),
    );
    // A database as 0021 left it: the schema alone, and 0023 not run yet.
    for (const name of triggerFunctions) {
      await sql`alter function ${sql.id(name)}() set search_path = public`.execute(db);
    }
    await sql`delete from kysely_migration where name >= '0023'`.execute(db);
    const upgraded = await createStore(engine.config());
    await upgraded.close();
    expect(await settings()).toEqual(fresh);
  });
});
