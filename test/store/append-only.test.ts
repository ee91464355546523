import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { entryLeafHash } from '../../src/audit/index.js';
import { appendOnlyTables } from '../../src/store/index.js';
import { eachEngine } from './engines.js';
import {
  approval,
  at,
  auditInput,
  decision,
  evidence,
  request,
  seedVersion,
  unique,
} from './fixtures.js';

eachEngine('append-only tables', (engine) => {
  it('refuses UPDATE and DELETE on audit_entries via raw SQL', async () => {
    const store = await engine.openStore();
    await store.transaction((tx) => tx.audit.append(auditInput(unique('raw'))));
    const { db } = engine.openDialect();
    await expect(sql`update audit_entries set action = 'x.y'`.execute(db)).rejects.toThrow(
      /audit_entries is append-only: UPDATE is refused/,
    );
    await expect(sql`delete from audit_entries`.execute(db)).rejects.toThrow(
      /audit_entries is append-only: DELETE is refused/,
    );
  });

  it('refuses DELETE on every immutable table', async () => {
    const store = await engine.openStore();
    await store.transaction(async (tx) => {
      // Row triggers fire only on rows, so every append-only table gets one.
      const { version } = await seedVersion(tx);
      await tx.evidence.insert(evidence(version, 'metrics.json'));
      const r = request(version);
      await tx.requests.insert(r);
      await tx.approvals.insert(approval(r.id, 'dave'));
      await tx.decisions.insert(decision(version, 'gates'));
      await tx.audit.append(auditInput(version.model));
      await tx.checkpoints.insert({
        size: 1,
        rootHash: new Uint8Array(32),
        note: 'clearance/test\n1\nAAAA\n',
        createdAt: at,
      });
    });
    const { db } = engine.openDialect();
    for (const table of appendOnlyTables) {
      await expect(sql`delete from ${sql.table(table)}`.execute(db)).rejects.toThrow(
        `${table} is append-only`,
      );
    }
    await expect(sql`update versions set artifact_uri = 'x'`.execute(db)).rejects.toThrow(
      /versions is append-only/,
    );
  });

  it('lets a tamper test drop the triggers, and the edit shows against the stored leaf hash', async () => {
    const store = await engine.openStore();
    const entry = await store.transaction((tx) => tx.audit.append(auditInput(unique('tamper'))));
    const dialect = engine.openDialect();
    for (const statement of dialect.dropAppendOnlyStatements('audit_entries')) {
      await sql.raw(statement).execute(dialect.db);
    }
    try {
      const edited = JSON.stringify({ ...entry, action: 'transition.cancelled' });
      await sql`update audit_entries set entry = ${edited} where seq = ${entry.seq}`.execute(
        dialect.db,
      );
      const [logged] = await store.transaction(async (tx) => {
        const out = [];
        for await (const item of tx.audit.entries(entry.seq, entry.seq + 1)) out.push(item);
        return out;
      });
      expect(logged?.entry.action).toBe('transition.cancelled');
      const recomputed = Buffer.from(entryLeafHash(logged!.entry)).toString('hex');
      expect(recomputed).not.toBe(Buffer.from(logged!.leafHash).toString('hex'));
    } finally {
      for (const statement of [
        ...dialect.appendOnlyStatements('audit_entries'),
        ...dialect.fireAlwaysStatements(),
      ]) {
        await sql.raw(statement).execute(dialect.db);
      }
    }
  });

  it('stores instants as the dialect says and reads them back as RFC 3339', async () => {
    const store = await engine.openStore();
    const { model } = await store.transaction(seedVersion);
    const dialect = engine.openDialect();
    const { created_at } = await dialect.db
      .selectFrom('models')
      .select('created_at')
      .where('name', '=', model.name)
      .executeTakeFirstOrThrow();
    if (dialect.capabilities.timestampType === 'timestamptz') {
      expect(created_at).toStrictEqual(new Date(model.createdAt));
    } else {
      expect(created_at).toBe(model.createdAt);
    }
    const read = await store.transaction((tx) => tx.models.get(model.name));
    expect(read?.createdAt).toBe(model.createdAt);
  });

  it('migrates an already migrated database as a no-op', async () => {
    const first = await engine.openStore();
    const second = await engine.openStore();
    const sizes = await Promise.all(
      [first, second].map((s) => s.transaction((tx) => tx.audit.size())),
    );
    expect(sizes[0]).toBe(sizes[1]);
  });
});
