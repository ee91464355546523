/**
 * The SQLite dialect's prepared-statement cache, on a real better-sqlite3 database: statements are
 * reused by SQL text, the cache stays bounded, a statement still iterating is never handed out
 * twice, and a cached statement follows a schema change.
 */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { cachingStatements } from '../../src/store/dialects/statement-cache.js';

function open(capacity?: number) {
  const database = new Database(':memory:');
  database.exec('create table t (id integer primary key, name text)');
  database.exec("insert into t (name) values ('a'), ('b'), ('c')");
  return { database, cached: cachingStatements(database, capacity) };
}

describe('cachingStatements', () => {
  it('prepares a statement once and hands the same one out for the same SQL', () => {
    const { cached } = open();
    const first = cached.prepare('select name from t where id = ?');
    const second = cached.prepare('select name from t where id = ?');
    expect(second).toBe(first);
    expect(second.all([2])).toEqual([{ name: 'b' }]);
    expect(cached.prepare('select id from t')).not.toBe(first);
    expect(cached.stats()).toEqual({ hits: 1, misses: 2, size: 2 });
    cached.close();
  });

  it('evicts the least recently used statement beyond its capacity', () => {
    const { cached } = open(2);
    const a = cached.prepare('select 1');
    cached.prepare('select 2');
    expect(cached.prepare('select 1')).toBe(a); // 'select 1' is now the most recent
    cached.prepare('select 3'); // evicts 'select 2'
    expect(cached.stats().size).toBe(2);
    expect(cached.prepare('select 1')).toBe(a);
    const misses = cached.stats().misses;
    cached.prepare('select 2');
    expect(cached.stats().misses).toBe(misses + 1);
    cached.close();
  });

  it('gives a fresh statement while the cached one is still iterating', () => {
    const { cached } = open();
    const text = 'select name from t order by id';
    const iterating = cached.prepare(text);
    const rows = iterating.iterate([]);
    expect(rows.next().value).toEqual({ name: 'a' });
    const other = cached.prepare(text);
    expect(other).not.toBe(iterating);
    expect(other.all([])).toHaveLength(3);
    expect([...rows]).toEqual([{ name: 'b' }, { name: 'c' }]);
    // Once the iterator is done the cached statement is free again.
    expect(cached.prepare(text)).toBe(iterating);
    cached.close();
  });

  it('re-plans a cached statement after the schema changes under it', () => {
    const { database, cached } = open();
    const text = 'select * from t where id = ?';
    expect(cached.prepare(text).all([1])).toEqual([{ id: 1, name: 'a' }]);
    database.exec("alter table t add column team text default 'x'");
    expect(cached.prepare(text).all([1])).toEqual([{ id: 1, name: 'a', team: 'x' }]);
    cached.close();
  });

  it('serves Kysely: repeated queries hit the cache and return current rows', async () => {
    const { cached } = open();
    const db = new Kysely<{ t: { id: number; name: string } }>({
      dialect: new SqliteDialect({ database: cached }),
    });
    for (let i = 1; i <= 3; i++) {
      const row = await db.selectFrom('t').select('name').where('id', '=', i).executeTakeFirst();
      expect(row?.name).toBe(['a', 'b', 'c'][i - 1]);
    }
    await sql`update t set name = 'z' where id = 1`.execute(db);
    const row = await db.selectFrom('t').select('name').where('id', '=', 1).executeTakeFirst();
    expect(row?.name).toBe('z');
    expect(cached.stats().hits).toBeGreaterThanOrEqual(3);
    await db.destroy();
  });
});
