/**
 * What each dialect does where the engines differ, checked on the SQL it compiles: no database is
 * needed. That the lock holds under concurrency is the store contract's business.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { postgresDialect, sqliteDialect } from '../../src/store/index.js';

describe('lockForUpdate', () => {
  it('adds FOR UPDATE on PostgreSQL', async () => {
    // The pool connects on first use only; compiling a query never uses it.
    const dialect = postgresDialect({ url: 'postgres://nobody@127.0.0.1:1/unused' });
    try {
      const query = dialect.db.selectFrom('models').selectAll().where('name', '=', 'credit-risk');
      expect(dialect.lockForUpdate(query).compile().sql).toBe(
        'select * from "models" where "name" = $1 for update',
      );
    } finally {
      await dialect.destroy();
    }
  });

  it('leaves the query unchanged on SQLite, whose write transaction holds the write lock', async () => {
    const dialect = sqliteDialect({ file: ':memory:' });
    try {
      const query = dialect.db.selectFrom('audit_head').select('size');
      expect(dialect.lockForUpdate(query)).toBe(query);
      expect(query.compile().sql).toBe('select "size" from "audit_head"');
    } finally {
      await dialect.destroy();
    }
  });
});

describe('claimForUpdateSkipLocked', () => {
  it('adds FOR UPDATE SKIP LOCKED on PostgreSQL', async () => {
    const dialect = postgresDialect({ url: 'postgres://nobody@127.0.0.1:1/unused' });
    try {
      const query = dialect.db.selectFrom('jobs').select('id').limit(5);
      expect(dialect.claimForUpdateSkipLocked(query).compile().sql).toBe(
        'select "id" from "jobs" limit $1 for update skip locked',
      );
    } finally {
      await dialect.destroy();
    }
  });

  it('leaves the query unchanged on SQLite, where claimers take turns on the write lock', async () => {
    const dialect = sqliteDialect({ file: ':memory:' });
    try {
      const query = dialect.db.selectFrom('jobs').select('id');
      expect(dialect.claimForUpdateSkipLocked(query)).toBe(query);
    } finally {
      await dialect.destroy();
    }
  });
});

describe('SQLite savepoint journals', () => {
  it('keeps the writer’s temporary store (savepoint and statement journals) in memory', async () => {
    const dialect = sqliteDialect({ file: ':memory:' });
    try {
      // 2 = MEMORY: a grouped write's savepoint journal would otherwise spill to a temporary
      // file past 64 KiB, a page write per changed page on every create.
      const rows = await dialect.writeTransaction((trx) =>
        sql<{ temp_store: number }>`pragma temp_store`.execute(trx),
      );
      expect(rows.rows).toEqual([{ temp_store: 2 }]);
    } finally {
      await dialect.destroy();
    }
  });

  it('keeps a migration’s journals on disk (it may rewrite whole tables), and memory after', async () => {
    const dialect = sqliteDialect({ file: ':memory:' });
    try {
      const during = await dialect.runExclusive(() =>
        sql<{ temp_store: number }>`pragma temp_store`.execute(dialect.db),
      );
      expect(during.rows).toEqual([{ temp_store: 0 }]);
      const after = await dialect.writeTransaction((trx) =>
        sql<{ temp_store: number }>`pragma temp_store`.execute(trx),
      );
      expect(after.rows).toEqual([{ temp_store: 2 }]);
    } finally {
      await dialect.destroy();
    }
  });
});
