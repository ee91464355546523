/**
 * Whose rights Clearance's PostgreSQL functions run with (migration 0025, ADR 036): the trigger
 * functions that move the counters the caches trust run with their owner's, and nobody else may
 * execute them; every function of ours, the audit append too, searches its schema and then
 * `pg_temp`. A fresh and an upgraded database end alike, a second Clearance's functions in another
 * schema use that schema's tables, and a temporary look-alike of `audit_head` does not stand in
 * for the real one in the append. SQLite has no roles and no functions.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { createStore } from '../../src/store/index.js';
import { eachEngine, urlInSchema } from './engines.js';

const counterFunctions = [
  'clearance_bump_identity_epoch',
  'clearance_count_commit',
  'clearance_count_version_change',
];
const appendFunction =
  'clearance_append_audit_entry(text, text, timestamptz, text, text, text, text, text)';

eachEngine('function rights', (engine) => {
  const postgresOnly = it.runIf(engine.name === 'postgres');

  /** Each function of ours in `schema`: runs as its owner, its settings, whether PUBLIC may run it. */
  async function rights(schema = 'public') {
    const { rows } = await sql<{
      name: string;
      definer: boolean;
      config: string[] | null;
      publicExecutes: boolean;
    }>`
      select p.proname as name, p.prosecdef as definer, p.proconfig as config,
        has_function_privilege('public', p.oid, 'execute') as "publicExecutes"
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = ${schema} and p.proname like 'clearance\\_%'
      order by p.proname`.execute(engine.openDialect().db);
    return rows;
  }

  postgresOnly(
    'runs the counter functions as their owner, and every function in its schema',
    async () => {
      await engine.openStore();
      expect(await rights()).toEqual(
        [
          'clearance_append_audit_entry',
          'clearance_bump_identity_epoch',
          'clearance_count_commit',
          'clearance_count_version_change',
          'clearance_refuse_change',
        ].map((name) => ({
          name,
          definer: counterFunctions.includes(name),
          config: ['search_path=public, pg_temp'],
          publicExecutes: !counterFunctions.includes(name),
        })),
      );
    },
  );

  postgresOnly('gives an upgraded database the rights a fresh one has', async () => {
    await engine.openStore();
    const fresh = await rights();
    const { db } = engine.openDialect();
    // A database as 0024 left it: the callers' rights, PUBLIC's EXECUTE, the append unpinned.
    for (const name of counterFunctions) {
      await sql`alter function ${sql.id(name)}() security invoker`.execute(db);
      await sql`grant execute on function ${sql.id(name)}() to public`.execute(db);
    }
    await sql.raw(`alter function ${appendFunction} reset search_path`).execute(db);
    await sql`delete from kysely_migration where name >= '0025'`.execute(db);
    expect(await rights()).not.toEqual(fresh);
    const upgraded = await createStore(engine.config());
    await upgraded.close();
    expect(await rights()).toEqual(fresh);
  });

  postgresOnly(
    "pins a second schema's functions to that schema, its counter functions run as their owner",
    async () => {
      await engine.openStore();
      const { db } = engine.openDialect();
      await sql`create schema team_rights`.execute(db);
      try {
        const store = await createStore({
          engine: 'postgres',
          url: urlInSchema(engine, 'team_rights'),
        });
        await store.close();
        const theirs = await rights('team_rights');
        expect(theirs.map((f) => f.config)).toEqual(
          theirs.map(() => ['search_path=team_rights, pg_temp']),
        );
        expect(theirs.filter((f) => f.definer).map((f) => f.name)).toEqual(counterFunctions);
      } finally {
        await sql`drop schema team_rights cascade`.execute(db);
      }
    },
  );

  postgresOnly('appends to the real log head under a temporary look-alike', async () => {
    const store = await engine.openStore();
    await store.close();
    const dialect = engine.openDialect();
    const { rows: head } = await sql<{ size: string }>`
      select size from audit_head where id = 1`.execute(dialect.db);
    const appended = await dialect.db.connection().execute(async (c) => {
      await sql`begin`.execute(c);
      try {
        await sql`create temp table audit_head (id integer primary key, size bigint)`.execute(c);
        await sql`insert into audit_head values (1, 9999)`.execute(c);
        return await dialect.appendAuditEntry(c, {
          textBeforeSeq: '{"seq":',
          textAfterSeq: '}',
          time: new Date(0).toISOString(),
          action: 'test.appended',
          subjectType: 'test',
          subjectId: 'look-alike',
          actorId: 'tester',
          model: null,
        });
      } finally {
        await sql`rollback`.execute(c);
      }
    });
    expect(appended?.seq).toBe(Number(head[0]?.size));
  });
});
