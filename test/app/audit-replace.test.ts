/**
 * SQLite's `INSERT OR REPLACE` into the log (ADR 027's append-only guarantees, migration 0024):
 * refused while the guard stands; and with the triggers dropped (a tamper), `audit verify` names
 * the replaced entry, as it does an UPDATE: the row's stored leaf hash no longer matches its text.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { signAuditCheckpoint, verifyStoredLog } from '../../src/app/index.js';
import { loadAuditSigner } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import { eachEngine } from '../store/engines.js';
import { behindTheService, openHarness, workedRegistry } from './state-fixtures.js';

const replaceFirstEntry = sql`insert or replace into audit_entries
  (seq, entry, leaf_hash, time, action, subject_type, subject_id, actor_id)
  select seq, replace(entry, 'alice', 'mallory'), leaf_hash, time, action, subject_type,
    'mallory', actor_id from audit_entries where seq = 1`;

eachEngine('a REPLACEd audit entry', (engine) => {
  const sqliteOnly = it.runIf(engine.name === 'sqlite');
  const keyDir = mkdtempSync(join(tmpdir(), 'clearance-replace-key-'));

  sqliteOnly('is refused, and audit verify names it once the triggers are dropped', async () => {
    const h = await openHarness(engine);
    await workedRegistry(h, 'replace-pd');
    const signer = loadAuditSigner(loadConfig({ flags: { dataDir: keyDir }, env: {} }));
    await signAuditCheckpoint(h.deps, signer);
    const dialect = engine.openDialect();
    const first = async () =>
      (
        await sql<{ entry: string }>`select entry from audit_entries where seq = 1`.execute(
          dialect.db,
        )
      ).rows[0]?.entry;
    const before = await first();
    expect(before).toContain('alice');
    await expect(replaceFirstEntry.execute(dialect.db)).rejects.toThrow(
      'audit_entries is append-only: INSERT of a key it holds is refused',
    );
    expect(await first()).toBe(before);
    expect((await verifyStoredLog(h.deps, { log: signer })).result.ok).toBe(true);

    await behindTheService(dialect, ['audit_entries'], async (db) => {
      await replaceFirstEntry.execute(db);
    });
    expect(await first()).toContain('mallory');
    const { result } = await verifyStoredLog(h.deps, { log: signer });
    expect(result).toMatchObject({ ok: false, firstBadSeq: 1 });
  });
});
