/**
 * The deployment docs/operations.md ("Database roles") describes for PostgreSQL: a migration owner
 * that owns the schema and a runtime role with DML only. The server's store runs as the runtime
 * role against a database the owner migrated, makes governed writes and reads them back, and the
 * runtime role cannot replace a trigger function, drop or disable a trigger, or take replica mode,
 * which the owner of the tables could (attack-pass finding L3). It may only read the counters the
 * caches trust: the owner's trigger functions move them for its writes (migration 0025, ADR 036).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkStoredState,
  createToken,
  createUser,
  grantRole,
  modelHistory,
  revokeToken,
  signAuditCheckpoint,
  verifyStoredLog,
} from '../../src/app/index.js';
import { authenticate, principalCache } from '../../src/auth/index.js';
import { loadAuditSigner, storeDirectory } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import { createStore, openDialect, type StoreDialect } from '../../src/store/index.js';
import type { TestEngine } from '../store/engines.js';
import { pgUrl, postgresForSuite } from '../store/engines.js';
import { loginRole, runAs, runtimeRoleGrants, type TestRole } from '../store/postgres-roles.js';
import { addVersion, people, setupModel } from './harness.js';
import { openHarness, workedRegistry } from './state-fixtures.js';

const title = 'PostgreSQL with a migration owner and a DML-only runtime role';

describe.skipIf(!postgresForSuite(title))(title, () => {
  let owner: TestRole;
  let runtime: TestRole;
  const database = `clearance_roles_${randomBytes(5).toString('hex')}`;
  const onDatabase = (url: string) => {
    const u = new URL(url);
    u.pathname = `/${database}`;
    return u.toString();
  };
  const open: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    owner = await loginRole(pgUrl, 'clearance_ow');
    runtime = await loginRole(pgUrl, 'clearance_rt');
    await runAs(pgUrl, [`create database ${database} owner ${owner.name}`]);
    // The owner migrates (the first start of a new version with the owner's URL), then grants.
    const ownerUrl = onDatabase(owner.url);
    const migrated = await createStore({ engine: 'postgres', url: ownerUrl });
    await migrated.close();
    await runAs(ownerUrl, runtimeRoleGrants(runtime.name, owner.name));
  });

  afterAll(async () => {
    for (const handle of open.splice(0)) await handle.close();
    await runAs(pgUrl, [`drop database if exists ${database} with (force)`]);
    await runtime?.drop();
    await owner?.drop();
  });

  const runtimeUrl = () => onDatabase(runtime.url);
  const runtimeDialect = (): StoreDialect => {
    const dialect = openDialect({ engine: 'postgres', url: runtimeUrl() });
    open.push({ close: () => dialect.destroy() });
    return dialect;
  };
  const engine: TestEngine = {
    name: 'postgres',
    config: () => ({ engine: 'postgres', url: runtimeUrl() }),
    openStore: async () => {
      const warnings: string[] = [];
      const store = await createStore(
        { engine: 'postgres', url: runtimeUrl() },
        { warn: (m) => warnings.push(m) },
      );
      open.push(store);
      expect(warnings).toEqual([]);
      return store;
    },
    openDialect: runtimeDialect,
  };

  it('runs the store: governed writes, their audit entries, and reads', async () => {
    const { rows } = await sql<{ rolsuper: boolean }>`
      select rolsuper from pg_roles where rolname = current_user`.execute(runtimeDialect().db);
    expect(rows).toEqual([{ rolsuper: false }]);
    const h = await openHarness(engine);
    await workedRegistry(h, 'roles-pd');
    const history = await modelHistory(h.deps, people.admin, { model: 'roles-pd' });
    expect(history.production).not.toBeNull();
    expect(history.timeline.length).toBeGreaterThan(1);
    expect((await checkStoredState(h.deps)).disagreements).toEqual([]);
    const signer = loadAuditSigner(
      loadConfig({ flags: { dataDir: mkdtempSync(join(tmpdir(), 'clearance-roles-')) }, env: {} }),
    );
    await signAuditCheckpoint(h.deps, signer);
    expect((await verifyStoredLog(h.deps, { log: signer })).result.ok).toBe(true);
  });

  it('cannot replace a trigger function, drop or disable a trigger, or take replica mode', async () => {
    const { db } = runtimeDialect();
    await expect(
      sql
        .raw(
          'create or replace function clearance_refuse_change() returns trigger ' +
            'language plpgsql as $$ begin return new; end $$',
        )
        .execute(db),
      // Refused at the schema (no CREATE) before ownership is even asked.
    ).rejects.toThrow(/permission denied for schema public|must be owner of function/);
    await expect(
      sql`drop trigger audit_entries_append_only on audit_entries`.execute(db),
    ).rejects.toThrow(/must be owner of (table|relation) audit_entries/);
    await expect(sql`alter table audit_entries disable trigger all`.execute(db)).rejects.toThrow(
      /must be owner of (table|relation) audit_entries/,
    );
    await expect(sql`set session_replication_role = replica`.execute(db)).rejects.toThrow(
      /permission denied/,
    );
    await expect(sql`create table audit_entries_copy (seq bigint)`.execute(db)).rejects.toThrow(
      /permission denied for schema public/,
    );
    await expect(sql`update audit_entries set actor_id = 'mallory'`.execute(db)).rejects.toThrow(
      /audit_entries is append-only: UPDATE is refused/,
    );
  });

  it('moves the counters by its writes only: a cached token it revokes is refused at once', async () => {
    const h = await openHarness(engine);
    const dialect = runtimeDialect();
    const counters = async (model: string) => {
      const read = await dialect.dataVersionWithEpoch?.();
      // A bigint since migration 0030: pg answers it as text.
      const { rows } = await sql<{ changes: string }>`
        select changes from version_changes where model = ${model}`.execute(dialect.db);
      return { ...read, changes: Number(rows[0]?.changes ?? 0) };
    };
    // A principal cache over the runtime role's store, as a server's: it reads the epoch again
    // only when the data version moved, so the refusal below needs both moved.
    const cache = principalCache(storeDirectory(h.store));
    await createUser(h.deps, people.admin, { id: 'rita.runtime' });
    await grantRole(h.deps, people.admin, { userId: 'rita.runtime', role: 'model_owner' });
    const token = await createToken(h.deps, people.admin, { userId: 'rita.runtime' });
    const headers = { authorization: `Bearer ${token.token}` };
    expect((await authenticate(headers, { directory: cache })).id).toBe('rita.runtime');
    await setupModel(h, 'credit-risk', 'roles-counted', 'regulated');
    const before = await counters('roles-counted');
    await revokeToken(h.deps, people.admin, { id: token.id });
    await addVersion(h, { model: 'roles-counted', version: '1', dir: 'credit-risk/baseline' });
    const after = await counters('roles-counted');
    expect(after.version).toBeGreaterThan(before.version ?? Number.POSITIVE_INFINITY);
    expect(after.epoch).toBeGreaterThan(before.epoch ?? Number.POSITIVE_INFINITY);
    expect(after.changes).toBeGreaterThan(before.changes);
    await expect(authenticate(headers, { directory: cache })).rejects.toThrow(/revoked/);
  });

  it('is refused writing the counters by hand, or attaching their functions to a table', async () => {
    const { db } = runtimeDialect();
    for (const statement of [
      'update identity_epoch set epoch = 0 where id = 1',
      'update data_version set version = version + 1 where id = 1',
      "update version_changes set changes = 0 where model = 'roles-pd'",
      "insert into version_changes (model, changes) values ('roles-new', 1)",
      'delete from version_changes',
    ]) {
      await expect(sql.raw(statement).execute(db), statement).rejects.toThrow(
        /permission denied for table (identity_epoch|data_version|version_changes)/,
      );
    }
    // A temporary table of its own is the one table it may put a trigger on.
    await db.connection().execute(async (c) => {
      await sql`create temp table runtime_bumps (model text)`.execute(c);
      for (const name of [
        'clearance_bump_identity_epoch',
        'clearance_count_commit',
        'clearance_count_version_change',
      ]) {
        await expect(
          sql`create trigger bumps after insert on runtime_bumps
            for each row execute function ${sql.id('public', name)}()`.execute(c),
        ).rejects.toThrow(`permission denied for function public.${name}`);
      }
    });
  });

  it('stops at a pending migration, having changed nothing, until the owner runs it', async () => {
    const ownerUrl = onDatabase(owner.url);
    // The schema as the previous version left it: 0023 and later not run yet.
    await runAs(ownerUrl, [
      `alter function clearance_count_commit() set search_path = public`,
      `delete from kysely_migration where name >= '0023'`,
    ]);
    const config = () =>
      sql<{ proconfig: string[] }>`select proconfig from pg_proc
        where proname = 'clearance_count_commit'`.execute(runtimeDialect().db);
    await expect(createStore({ engine: 'postgres', url: runtimeUrl() })).rejects.toThrow(
      /Migration 0023-trigger-search-path-temp-last failed on PostgreSQL/,
    );
    expect((await config()).rows).toEqual([{ proconfig: ['search_path=public'] }]);
    const migrated = await createStore({ engine: 'postgres', url: ownerUrl });
    await migrated.close();
    expect((await config()).rows).toEqual([{ proconfig: ['search_path=public, pg_temp'] }]);
    await engine.openStore();
  });

  it("gets DML on a table a later migration creates, by the owner's default privileges", async () => {
    await runAs(onDatabase(owner.url), ['create table later_table (id integer primary key)']);
    const { db } = runtimeDialect();
    await sql`insert into later_table (id) values (1)`.execute(db);
    const { rows } = await sql<{ id: number }>`select id from later_table`.execute(db);
    expect(rows).toEqual([{ id: 1 }]);
  });
});
