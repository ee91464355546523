/**
 * `Store.dataVersion`, which the hot-read caches and the identity epoch's check trust: on SQLite
 * it changes with every commit, by this store, another connection or another process, and only
 * then; it is not frozen by a read transaction left open meanwhile. PostgreSQL (and a `:memory:`
 * SQLite, which has one connection) cannot tell cheaply and say so.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, expect, it } from 'vitest';
import type { Store } from '../../src/app/index.js';
import { createStore, postgresDialect, sqliteDialect } from '../../src/store/index.js';
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
  const start = store.dataVersion();
  expect(start).toBeTypeOf('number');
  await store.read((tx) => tx.audit.size());
  await store.readOne((tx) => tx.models.get('none'));
  expect(store.dataVersion()).toBe(start);

  await store.transaction((tx) => tx.audit.append(auditInput('this-store')));
  const afterOwn = store.dataVersion();
  expect(afterOwn).not.toBe(start);

  await other.transaction((tx) => tx.audit.append(auditInput('other-connection')));
  const afterOther = store.dataVersion();
  expect(afterOther).not.toBe(afterOwn);

  const child = join(import.meta.dirname, 'sqlite-append-child.ts');
  await run(process.execPath, ['--import', 'tsx', child, file, '1']);
  expect(store.dataVersion()).not.toBe(afterOther);
});

it('is not frozen on SQLite by a read transaction open meanwhile', async () => {
  const { open } = await sqliteFile();
  const store = await open();
  const other = await open();
  const seen = await store.read(async (tx) => {
    const before = store.dataVersion();
    await tx.audit.size();
    await other.transaction((w) => w.audit.append(auditInput('while-reading')));
    return { before, after: store.dataVersion() };
  });
  expect(seen.after).not.toBe(seen.before);
});

it('is undefined where the engine cannot tell without a round trip', async () => {
  const memory = sqliteDialect({ file: ':memory:' });
  const postgres = postgresDialect({ url: 'postgres://nobody@127.0.0.1:1/unused' });
  try {
    expect(memory.dataVersion()).toBeUndefined();
    expect(postgres.dataVersion()).toBeUndefined();
  } finally {
    await memory.destroy();
    await postgres.destroy();
  }
});
