/**
 * The dialect's one-statement audit append (ADR 016): on PostgreSQL one function call locks the
 * head, places the seq in the entry's text and writes the entry, its model row and the tree nodes
 * its leaf completes; on SQLite the repository appends statement by statement. The store contract
 * checks the rows either way; this checks which path each engine takes.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { entryTextAroundSeq, hashLeafText } from '../../src/audit/index.js';
import { eachEngine } from './engines.js';
import { auditInput, unique } from './fixtures.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

eachEngine('the one-statement audit append', (engine) => {
  it('appends in one call on PostgreSQL, and leaves the append to the repository on SQLite', async () => {
    await engine.openStore();
    const dialect = engine.openDialect();
    const input = auditInput(unique('one-call'));
    const text = entryTextAroundSeq(input);
    const row = {
      textBeforeSeq: text.before,
      textAfterSeq: text.after,
      time: input.time,
      action: input.action,
      subjectType: input.subject.type,
      subjectId: input.subject.id,
      actorId: input.actor.id,
      model: input.subject.id,
    };
    const { appended, size, stored } = await dialect.writeTransaction(async (db) => {
      const result = await dialect.appendAuditEntry(db, row);
      const head = await sql<{ size: number | string }>`select size from audit_head`.execute(db);
      const rows = await sql<{ entry: string; leaf_hash: string }>`
        select entry, leaf_hash from audit_entries where seq = ${result?.seq ?? -1}`.execute(db);
      return { appended: result, size: Number(head.rows[0]?.size), stored: rows.rows[0] };
    });
    if (engine.name === 'sqlite') {
      expect(appended).toBeUndefined();
      return;
    }
    if (appended === undefined) throw new Error('PostgreSQL fell back to the statement path');
    expect(size).toBe(appended.seq + 1);
    const entryText = `${text.before}${appended.seq}${text.after}`;
    expect(stored).toStrictEqual({ entry: entryText, leaf_hash: hex(hashLeafText(entryText)) });
    expect(appended.leafHash).toBe(stored?.leaf_hash);
  });

  it('keeps nothing when the hash the engine returns is not the one the entry has', async () => {
    if (engine.name === 'sqlite') return;
    const store = await engine.openStore();
    const dialect = engine.openDialect();
    const { rows } = await sql<{ def: string }>`
      select pg_get_functiondef('clearance_append_audit_entry'::regproc) as def`.execute(
      dialect.db,
    );
    const original = rows[0]?.def ?? '';
    const forged = original.replace(
      "appended_leaf_hash := encode(leaf, 'hex');",
      "appended_leaf_hash := repeat('0', 64);",
    );
    expect(forged).not.toBe(original);
    const before = await store.read((tx) => tx.audit.size());
    await sql.raw(forged).execute(dialect.db);
    try {
      const error = await store
        .transaction((tx) => tx.audit.append(auditInput(unique('forged'))))
        .then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
      expect(String(error)).toMatch(/the engine hashed its text to 0{64}/);
      expect(await store.read((tx) => tx.audit.size())).toBe(before);
    } finally {
      await sql.raw(original).execute(dialect.db);
    }
  });
});
