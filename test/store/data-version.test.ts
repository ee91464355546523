/**
 * `Store.dataVersion`, which the hot-read caches and the identity epoch's check trust: on every
 * engine it changes with every commit, by this store, another store on the database or another
 * process, and only then (not with reads, not with a transaction that rolled back); it is not
 * frozen by a read transaction left open meanwhile. On PostgreSQL every table counts its commits
 * (migration 0018's trigger), a write behind the service included. A `:memory:` SQLite (one
 * connection) cannot tell and says so.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import type { Store } from '../../src/app/index.js';
import { createStore, sqliteDialect } from '../../src/store/index.js';
import { eachEngine } from './engines.js';
import { auditInput } from './fixtures.js';

const run = promisify(execFile);
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sqliteFile(): Promise<{ file: string; open: () => Promise<Store> }> {
  const dir = await mkdtemp(join(tmpdir(), 'clearance-data-version-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'clearance.db');
  const open = async () => {
    const store = await createStore({ engine: 'sqlite', file });
    cleanups.push(() => store.close());
    return store;
  };
  return { file, open };
}

it('stays put on SQLite while nothing commits, and moves with each commit from anywhere', async () => {
  const { file, open } = await sqliteFile();
  const store = await open();
  const other = await open();
  const start = await store.dataVersion();
  expect(start).toBeTypeOf('number');
  await store.read((tx) => tx.audit.size());
  await store.readOne((tx) => tx.models.get('none'));
  expect(await store.dataVersion()).toBe(start);

  await store.transaction((tx) => tx.audit.append(auditInput('this-store')));
  const afterOwn = await store.dataVersion();
  expect(afterOwn).not.toBe(start);

  await other.transaction((tx) => tx.audit.append(auditInput('other-connection')));
  const afterOther = await store.dataVersion();
  expect(afterOther).not.toBe(afterOwn);

  const child = join(import.meta.dirname, 'sqlite-append-child.ts');
  await run(process.execPath, ['--import', 'tsx', child, file, '1']);
  expect(await store.dataVersion()).not.toBe(afterOther);
});

it('is not frozen on SQLite by a read transaction open meanwhile', async () => {
  const { open } = await sqliteFile();
  const store = await open();
  const other = await open();
  const seen = await store.read(async (tx) => {
    const before = await store.dataVersion();
    await tx.audit.size();
    await other.transaction((w) => w.audit.append(auditInput('while-reading')));
    return { before, after: await store.dataVersion() };
  });
  expect(seen.after).not.toBe(seen.before);
});

it('is undefined where the engine cannot tell (SQLite in memory, one connection)', async () => {
  const memory = sqliteDialect({ file: ':memory:' });
  try {
    expect(await memory.dataVersion()).toBeUndefined();
  } finally {
    await memory.destroy();
  }
});

eachEngine('data version', (engine) => {
  it('moves with each commit from another store, and not with reads or a rolled-back write', async () => {
    const store = await engine.openStore();
    const other = await engine.openStore();
    const start = await store.dataVersion();
    expect(start).toBeTypeOf('number');
    await other.read((tx) => tx.audit.size());
    await other.readOne((tx) => tx.models.get('none'));
    expect(await store.dataVersion()).toBe(start);
    const failed = await other
      .transaction(async (tx) => {
        await tx.audit.append(auditInput('rolled-back'));
        throw new Error('rolled back on purpose');
      })
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(Error);
    expect(await store.dataVersion()).toBe(start);
    await other.transaction((tx) => tx.audit.append(auditInput('committed')));
    const after = await store.dataVersion();
    expect(after).not.toBe(start);
    // Calls made together share one answer; a call after a commit never gets an older one.
    const together = await Promise.all([store.dataVersion(), store.dataVersion()]);
    expect(together).toEqual([after, after]);
    await other.transaction((tx) => tx.audit.append(auditInput('again')));
    expect(await store.dataVersion()).not.toBe(after);
  });

  it('moves with a write behind the service, on any table', async () => {
    const store = await engine.openStore();
    const before = await store.dataVersion();
    const { db } = engine.openDialect();
    await sql`insert into users (id, display_name, created_at) values ('behind', 'Behind', ${new Date().toISOString()})`.execute(
      db,
    );
    expect(await store.dataVersion()).not.toBe(before);
  });

  it('is counted by every table there is (PostgreSQL: a trigger on each)', async () => {
    if (engine.name !== 'postgres') return;
    const { db } = engine.openDialect();
    const { rows } = await sql<{ table_name: string; counted: boolean }>`
      select t.table_name,
        exists (select 1 from pg_trigger g join pg_class c on c.oid = g.tgrelid
                where c.relname = t.table_name and g.tgname = t.table_name || '_counts_commits')
          as counted
      from information_schema.tables t
      where t.table_schema = current_schema() and t.table_type = 'BASE TABLE'
        and t.table_name not like 'kysely\\_%' and t.table_name <> 'data_version'`.execute(db);
    expect(rows.length).toBeGreaterThan(20);
    expect(rows.filter((r) => !r.counted).map((r) => r.table_name)).toEqual([]);
  });
});
