/**
 * The data version's bump counts each writing transaction on PostgreSQL by the `data_version`
 * row's `xmin`, not by a setting a session may set (migration 0026, ADR 043): the runtime role's
 * `SET LOCAL clearance.commit_counted = on` (the mark the bump trusted before) no longer keeps
 * its commit from moving the data version; a transaction of many writes, across tables and
 * savepoints as a group-committed batch has them, still moves it by exactly one; a database as
 * 0025 left it gets the function a fresh one has, and the start-up check names the previous one.
 * SQLite counts commits itself (`PRAGMA data_version`) and has no such function.
 */
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { createStore, type Database } from '../../src/store/index.js';
import { eachEngine } from './engines.js';
import { runtimeRole, type TestRole } from './postgres-roles.js';

/** The bump as migrations 0018–0025 created it: marked by a setting any session may set first. */
const settingMarkedBump = `create or replace function clearance_count_commit()
returns trigger language plpgsql as $$
begin
  if current_setting('clearance.commit_counted', true) is distinct from 'on' then
    perform set_config('clearance.commit_counted', 'on', true);
    update data_version set version = version + 1 where id = 1;
  end if;
  return null;
end;
$$`;

eachEngine('commits counted once, by a mark the session cannot set', (engine) => {
  const postgresOnly = it.runIf(engine.name === 'postgres');
  // Registered after the database's own teardown, so run before it (hooks run as a stack).
  const roles: TestRole[] = [];
  afterAll(async () => {
    for (const role of roles.splice(0)) await role.drop();
  });

  /** `statements` in one transaction on a connection of `url`'s own, then the version moved by. */
  async function versionMovedBy(url: string, statements: readonly string[]): Promise<number> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const read = async () => {
        const { rows } = await client.query<{ version: string }>(
          'select version from data_version where id = 1',
        );
        return Number(rows[0]?.version);
      };
      const before = await read();
      await client.query('begin');
      for (const statement of statements) await client.query(statement);
      await client.query('commit');
      return (await read()) - before;
    } finally {
      await client.end();
    }
  }

  /** A user row insert with a name of its own: a write any DML role may make. */
  let users = 0;
  const insertUser = () => {
    users += 1;
    return (
      `insert into users (id, display_name, created_at) ` +
      `values ('counted-${users}', 'Counted', now())`
    );
  };

  /** The previous bump with the rights and search path 0025 gave it: only its source differs. */
  async function installSettingMarkedBump(db: Kysely<Database>): Promise<void> {
    await sql.raw(settingMarkedBump).execute(db);
    await sql`alter function clearance_count_commit() security definer`.execute(db);
    await sql`alter function clearance_count_commit() set search_path = public, pg_temp`.execute(
      db,
    );
  }

  /** The runtime role of docs/operations.md on this file's database. */
  async function runtimeUrl(): Promise<string> {
    await engine.openStore();
    const config = engine.config();
    if (config.engine !== 'postgres') throw new Error('PostgreSQL only');
    const role = await runtimeRole(config.url);
    roles.push(role);
    return role.url;
  }

  postgresOnly(
    'moves the data version for the runtime role that set the old mark first',
    async () => {
      const url = await runtimeUrl();
      expect(
        await versionMovedBy(url, ['set local clearance.commit_counted = on', insertUser()]),
      ).toBe(1);
      expect(
        await versionMovedBy(url, [
          "select set_config('clearance.commit_counted', 'on', true)",
          insertUser(),
          insertUser(),
        ]),
      ).toBe(1);
      // The role still may not write the row the mark lives in.
      await expect(
        versionMovedBy(url, ['update data_version set version = version where id = 1']),
      ).rejects.toThrow(/permission denied for table data_version/);
    },
  );

  postgresOnly(
    'moves it by exactly one for many writes, across tables and savepoints as a batch has them',
    async () => {
      const url = await runtimeUrl();
      const batch: string[] = [];
      for (let work = 0; work < 5; work += 1) {
        batch.push(
          `savepoint work_${work}`,
          insertUser(),
          insertUser(),
          `update users set display_name = 'Counted again' where id = 'counted-${users}'`,
          `release savepoint work_${work}`,
        );
      }
      // A work that wrote and was rolled back to its savepoint, as a failed work of a batch is.
      batch.push('savepoint failed', insertUser(), 'rollback to savepoint failed', insertUser());
      expect(await versionMovedBy(url, batch)).toBe(1);
      expect(await versionMovedBy(url, [insertUser()])).toBe(1);
      expect(await versionMovedBy(url, ['select 1 from users limit 1'])).toBe(0);
    },
  );

  postgresOnly(
    'counts a bump undone with its savepoint again at commit, and one fired inside a savepoint at least once',
    async () => {
      const url = await runtimeUrl();
      // Fired at once inside the savepoint, then undone with it: the commit must bump again.
      expect(
        await versionMovedBy(url, [
          'savepoint s',
          'set constraints all immediate',
          insertUser(),
          'rollback to savepoint s',
          'set constraints all deferred',
          insertUser(),
        ]),
      ).toBe(1);
      // Fired inside a savepoint that was kept: that bump's xmin is the savepoint's, so the
      // transaction's later rows count again (ADR 043: more bumps, never fewer).
      const moved = await versionMovedBy(url, [
        'savepoint s',
        'set constraints all immediate',
        insertUser(),
        'release savepoint s',
        insertUser(),
      ]);
      expect(moved).toBeGreaterThanOrEqual(1);
    },
  );

  postgresOnly(
    'gives a database as 0025 left it the fresh bump, which the start-up check then accepts',
    async () => {
      await engine.openStore();
      const dialect = engine.openDialect();
      const { db } = dialect;
      const stored = async () =>
        (
          await sql<{ source: string; definer: boolean; config: string[] | null }>`
            select prosrc as source, prosecdef as definer, proconfig as config from pg_proc
            where proname = 'clearance_count_commit'
              and pronamespace = 'public'::regnamespace`.execute(db)
        ).rows;
      const fresh = await stored();
      expect(fresh[0]?.source).toContain('xmin');
      await installSettingMarkedBump(db);
      await sql`delete from kysely_migration where name >= '0026'`.execute(db);
      expect(await dialect.triggerFunctionsChanged()).toEqual(['clearance_count_commit']);
      const config = engine.config();
      if (config.engine !== 'postgres') throw new Error('PostgreSQL only');
      // The gap, on the previous function: the forged mark keeps the commit uncounted.
      expect(
        await versionMovedBy(config.url, ['set local clearance.commit_counted = on', insertUser()]),
      ).toBe(0);
      const warnings: string[] = [];
      const upgraded = await createStore(config, { warn: (m) => warnings.push(m) });
      await upgraded.close();
      expect(warnings).toEqual([]);
      expect(await stored()).toEqual(fresh);
      expect(await dialect.triggerFunctionsChanged()).toEqual([]);
      expect(
        await versionMovedBy(config.url, ['set local clearance.commit_counted = on', insertUser()]),
      ).toBe(1);
    },
  );

  postgresOnly('names the bump at start when its source alone was replaced', async () => {
    await engine.openStore();
    const dialect = engine.openDialect();
    const { db } = dialect;
    await installSettingMarkedBump(db);
    try {
      const warnings: string[] = [];
      // Started without running migrations again: 0026 is recorded as done.
      const store = await createStore(engine.config(), { warn: (m) => warnings.push(m) });
      await store.close();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(': clearance_count_commit.');
    } finally {
      for (const statement of dialect.countCommitOnceStatements()) {
        await sql.raw(statement).execute(db);
      }
    }
    expect(await dialect.triggerFunctionsChanged()).toEqual([]);
  });

  it('has nothing to re-create on SQLite, nor on PostgreSQL beyond the bump function', () => {
    const statements = engine.openDialect().countCommitOnceStatements();
    if (engine.name === 'sqlite') expect(statements).toEqual([]);
    else expect(statements.join('\n')).toContain('function clearance_count_commit()');
  });
});
