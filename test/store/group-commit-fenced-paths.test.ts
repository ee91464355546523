/**
 * The ways of sending a statement on an ended work's handle that the fence refuses (ADR 045).
 * Two it does not, which nothing in src/ uses: `executeQuery` of a `CompiledQuery` made by hand
 * (its query id is not the handle's) and `withoutPlugins()` (a handle without the fence).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sqliteDialect } from '../../src/store/dialects/sqlite-dialect.js';
import type { StoreDialect } from '../../src/store/dialects/store-dialect.js';
import type { Database } from '../../src/store/schema.js';

let dialect: StoreDialect;
let ended: Kysely<Database>;
beforeAll(async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'clearance-unfenced-')), 'registry.db');
  dialect = sqliteDialect({ file });
  await sql`create table t (id text primary key)`.execute(dialect.db);
  await dialect.writeTransaction(async (db) => {
    ended = db;
  });
});
afterAll(() => dialect.destroy());
const refused = /had already ended/;

it('refuses sql.raw, withTables, withSchema, connection() and stream() on an ended handle', async () => {
  await expect(sql.raw("insert into t (id) values ('r')").execute(ended)).rejects.toThrow(refused);
  await expect(
    ended
      .withTables()
      .insertInto('t' as never)
      .values({ id: 'w' } as never)
      .execute(),
  ).rejects.toThrow(refused);
  await expect(
    ended
      .withSchema('main')
      .insertInto('t' as never)
      .values({ id: 's' } as never)
      .execute(),
  ).rejects.toThrow(refused);
  await expect(
    ended.connection().execute((c) => sql`insert into t (id) values ('c')`.execute(c)),
  ).rejects.toThrow(refused);
  await expect(
    (async () => {
      for await (const _ of ended
        .selectFrom('t' as never)
        .selectAll()
        .stream())
        void _;
    })(),
  ).rejects.toThrow(refused);
});
