/**
 * Compiled-once queries run on PostgreSQL as named prepared statements (ADR 021): parsed once
 * per connection. Attacked where that can lie: a table changing shape under a statement a
 * connection already holds (a newer server's migration during a rolling upgrade).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresDialect } from '../../src/store/dialects/postgres-dialect.js';
import type { StoreDialect } from '../../src/store/dialects/store-dialect.js';
import { createStore } from '../../src/store/index.js';
import { preparedQuery } from '../../src/store/prepared-query.js';
import { type FreshPostgres, freshPostgresDatabase, postgresForSuite } from './engines.js';
import { approval, evidence, request, seedVersion } from './fixtures.js';

const title = 'named statements on PostgreSQL';

describe.runIf(postgresForSuite(title))(title, () => {
  let database: FreshPostgres;
  let dialect: StoreDialect;
  beforeAll(async () => {
    database = await freshPostgresDatabase();
    // One connection: every statement of a case meets the statements the case prepared.
    dialect = postgresDialect({ url: database.url, poolSize: 1 });
  });
  afterAll(async () => {
    await dialect.destroy();
    await database.drop();
  });

  const prepared = async () =>
    (
      await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(
        dialect.db,
      )
    ).rows.map((row) => row.statement);

  it('parses a compiled-once query once per connection and binds each call', async () => {
    const plusOne = preparedQuery((db, p: { n: number }) => {
      const query = sql<{ m: number }>`select cast(${p.n} as integer) + 1 as m`;
      return { compile: () => query.compile(db) };
    });
    expect(await plusOne(dialect.db, { n: 1 })).toEqual([{ m: 2 }]);
    expect(await plusOne(dialect.db, { n: 41 })).toEqual([{ m: 42 }]);
    expect((await prepared()).filter((text) => text.includes('+ 1 as m'))).toHaveLength(1);
  });

  it('leaves other queries unnamed', async () => {
    await sql`select cast(${1} as integer) + 2 as unnamed_query`.execute(dialect.db);
    expect((await prepared()).some((text) => text.includes('unnamed_query'))).toBe(false);
  });

  it('runs a statement again when its table changed shape under it, outside a transaction', async () => {
    await sql`create table reshaped (a integer)`.execute(dialect.db);
    await sql`insert into reshaped (a) values (1)`.execute(dialect.db);
    const all = preparedQuery((db) => db.selectFrom('reshaped' as never).selectAll());
    expect(await all(dialect.db, {})).toEqual([{ a: 1 }]);
    await sql`alter table reshaped add column b integer`.execute(dialect.db);
    expect(await all(dialect.db, {})).toEqual([{ a: 1, b: null }]);
  });

  it('fails the one transaction a changed table met, and the next one parses afresh', async () => {
    await sql`create table reshaped_in_trx (a integer)`.execute(dialect.db);
    await sql`insert into reshaped_in_trx (a) values (1)`.execute(dialect.db);
    const all = preparedQuery((db) => db.selectFrom('reshaped_in_trx' as never).selectAll());
    const read = () => dialect.writeTransaction((db) => all(db, {}));
    expect(await read()).toEqual([{ a: 1 }]);
    await sql`alter table reshaped_in_trx add column b integer`.execute(dialect.db);
    const failed = await read().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(String(failed)).toMatch(/cached plan must not change result type/);
    // A conflict to retry (HTTP 409), not a server error: run again, the work succeeds.
    expect(dialect.classifyError(failed)).toBe('concurrency');
    expect(await read()).toEqual([{ a: 1, b: null }]);
    expect(await read()).toEqual([{ a: 1, b: null }]);
  });

  it('leaves the same error from an unnamed statement unclassified', async () => {
    const failed = await dialect
      .writeTransaction((db) => sql`select 1 + 'x'::text`.execute(db))
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect((failed as { code?: string }).code).toBe('42883');
    expect(dialect.classifyError(failed)).toBeUndefined();
  });

  it('leaves a compiled-once statement that fails on its first run unclassified, each time', async () => {
    // A bug in the statement's text, not a stale statement: a retry would meet it again, so it
    // must not read as a conflict to retry (nor replace the connection each time).
    const broken = preparedQuery((db, p: { x: string }) => {
      const query = sql<{ y: number }>`select 1 + cast(${p.x} as text) as y`;
      return { compile: () => query.compile(db) };
    });
    for (let attempt = 0; attempt < 2; attempt++) {
      const failed = await dialect
        .writeTransaction((db) => broken(db, { x: 'x' }))
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect((failed as { code?: string }).code).toBe('42883');
      expect(dialect.classifyError(failed)).toBeUndefined();
    }
  });

  it('runs a statement again when a column it compares changed type under it', async () => {
    // The parameter's type was fixed (text) at the first Parse; after the change the named
    // statement fails on every call (operator does not exist: integer = text) though the same
    // text run unnamed is fine. Told by its code, the connection runs it unnamed and is replaced.
    await sql`create table retyped (a text)`.execute(dialect.db);
    await sql`insert into retyped (a) values ('1')`.execute(dialect.db);
    const byA = preparedQuery((db, p: { a: string }) =>
      db
        .selectFrom('retyped' as never)
        .selectAll()
        .where('a' as never, '=', p.a as never),
    );
    expect(await byA(dialect.db, { a: '1' })).toEqual([{ a: '1' }]);
    await sql`alter table retyped alter column a type integer using a::integer`.execute(dialect.db);
    expect(await byA(dialect.db, { a: '1' })).toEqual([{ a: 1 }]);
    expect(await byA(dialect.db, { a: '1' })).toEqual([{ a: 1 }]);
  });

  it('keeps the governed path reads valid when a newer server adds a column', async () => {
    // A rolling upgrade: a newer server's migration adds a column to each table the governed
    // path reads inside its write transactions, under statements this server's one connection
    // already parsed. Named columns keep each statement's result type: no transaction fails.
    const store = await createStore({ engine: 'postgres', url: database.url, poolSize: 1 });
    const tables = [
      'transition_requests',
      'models',
      'policies',
      'evidence',
      'approvals',
      'serving',
      'versions',
      'audit_checkpoints',
    ];
    const governedReads = (id: string) =>
      store.transaction(async (tx) => {
        const req = await tx.requests.get(id, { forUpdate: true });
        if (req === undefined) throw new Error('request missing');
        await tx.requests.get(id);
        await tx.models.get(req.model, { forUpdate: true });
        await tx.models.get(req.model);
        await tx.evidence.list(req.model, req.version);
        await tx.evidence.listOfRequest(id);
        await tx.approvals.list(id);
        await tx.serving.get(req.model);
        await tx.versions.get(req.model, req.version);
        await tx.versions.getBeside(req.model, req.version, 'production');
        await tx.checkpoints.latest();
        return req.id;
      });
    try {
      const id = await store.transaction(async (tx) => {
        const { version } = await seedVersion(tx);
        const req = request(version);
        await tx.evidence.insert(evidence(version, 'eval.json'));
        await tx.requests.insert(req);
        await tx.approvals.insert(approval(req.id, 'alice'));
        return req.id;
      });
      expect(await governedReads(id)).toBe(id);
      for (const table of tables) {
        await sql`alter table ${sql.table(table)} add column added_by_newer text`.execute(
          dialect.db,
        );
      }
      const outcomes: string[] = [];
      for (let i = 0; i < 2; i++) {
        outcomes.push(
          await governedReads(id).then(
            () => 'ok',
            (error: unknown) => String(error),
          ),
        );
      }
      expect(outcomes).toStrictEqual(['ok', 'ok']);
    } finally {
      for (const table of tables) {
        await sql`alter table ${sql.table(table)} drop column if exists added_by_newer`.execute(
          dialect.db,
        );
      }
      await store.close();
    }
  });
});
