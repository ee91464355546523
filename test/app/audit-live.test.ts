/**
 * The live audit log on both engines: real use cases write it, a checkpoint is signed, then rows
 * are edited and deleted behind the service's back (triggers dropped) and `verifyStoredLog`,
 * the offline verifier of an export and the CLI must all name the same first bad entry.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AuditSigner,
  bindUseCases,
  consistencyProofBetween,
  executeTransition,
  inclusionProofFor,
  modelHistory,
  recordApproval,
  requestTransition,
  rollback,
  type Store,
  signAuditCheckpoint,
  verifyStoredLog,
} from '../../src/app/index.js';
import {
  parseExportHeader,
  parseVerifierKey,
  verifyCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from '../../src/audit/index.js';
import { loadAuditSigner } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import type { Principal } from '../../src/domain/index.js';
import type { StoreConfig, StoreDialect } from '../../src/store/index.js';
import { runCli } from '../cli/run-cli.js';
import { eachEngine } from '../store/engines.js';
import {
  addVersion,
  type Harness,
  harness,
  people,
  refusal,
  setupModel,
  signOffEmergency,
  toStaging,
} from './harness.js';

const model = 'credit-risk-pd';
const hour = 3_600_000;
const auditor: Principal = { id: 'ada.auditor', kind: 'user', roles: [{ role: 'auditor' }] };

function approve(h: Harness, requestId: string, who: Principal, role: string) {
  return recordApproval(h.deps, who, {
    requestId,
    role,
    decision: 'approve',
    comment: `Reviewed as ${role}`,
    ticket: 'RISK-7',
    riskClass: 'medium',
  });
}

function databaseFlag(config: StoreConfig): string {
  return config.engine === 'sqlite' ? `sqlite:${config.file}` : config.url;
}

interface Scenario {
  h: Harness;
  signer: AuditSigner;
  dataDir: string;
  database: string;
  times: { t0: string; t1: string; t2: string; t3: string };
  decisions: { first: string; second: string };
}

/** 2026.1 in production; an emergency hotfix, a standard 2026.2, then a rollback to the hotfix. */
async function writeScenario(store: Store, database: string): Promise<Scenario> {
  const h = harness(() => store);
  const dataDir = mkdtempSync(join(tmpdir(), 'clearance-audit-live-'));
  const signer = loadAuditSigner(loadConfig({ flags: { dataDir, database }, env: {} }));
  await setupModel(h, 'credit-risk', model, 'regulated');
  await addVersion(h, { model, version: '2026.1', dir: 'credit-risk/baseline' });
  const t0 = h.clock.now().toISOString();
  await h.deps.store.transaction(async (tx) => {
    await tx.versions.setState({ model, version: '2026.1', state: 'production', since: t0 });
    await tx.serving.set({ model, production: { version: '2026.1', since: t0 } });
  });
  await addVersion(h, { model, version: 'hotfix', dir: 'credit-risk/candidates/hotfix' });
  await toStaging(h, model, 'hotfix');
  h.clock.advance(hour);
  const t1 = h.clock.now().toISOString();
  const hot = await requestTransition(h.deps, people.breakGlass, {
    model,
    version: 'hotfix',
    to: 'production',
    changeType: 'emergency',
    reason: 'Hotfix now',
    ticket: 'RISK-911',
  });
  await signOffEmergency(h, hot.request.id);
  const first = await executeTransition(h.deps, people.breakGlass, { requestId: hot.request.id });
  await addVersion(h, { model, version: '2026.2', dir: 'credit-risk/candidates/passing' });
  await toStaging(h, model, '2026.2');
  h.clock.advance(hour);
  const t2 = h.clock.now().toISOString();
  const std = await requestTransition(h.deps, people.mlops, {
    model,
    version: '2026.2',
    to: 'production',
    reason: 'Quarterly refresh',
    ticket: 'RISK-7',
  });
  await approve(h, std.request.id, people.owner, 'model_owner');
  await approve(h, std.request.id, people.risk, 'risk_officer');
  await approve(h, std.request.id, people.compliance, 'compliance_officer');
  const second = await executeTransition(h.deps, people.mlops, { requestId: std.request.id });
  h.clock.advance(hour);
  const t3 = h.clock.now().toISOString();
  await rollback(h.deps, people.mlops, { model, reason: 'CTR dropped', ticket: 'INC-3' });
  h.clock.advance(hour);
  return {
    h,
    signer,
    dataDir,
    database,
    times: { t0, t1, t2, t3 },
    decisions: { first: first.decision.id, second: second.decision.id },
  };
}

function appended(s: Scenario) {
  return {
    time: s.h.clock.now().toISOString(),
    actor: { id: 'x', kind: 'user' as const },
    action: 'test.appended',
    subject: { type: 't', id: 't' },
    digests: {},
    data: {},
  };
}

/** Signs a checkpoint over new entries and checks it is consistent with the one before. */
async function expectConsistentNewCheckpoint(s: Scenario): Promise<void> {
  const before = await s.h.deps.store.transaction((tx) => tx.checkpoints.latest());
  const signed = await signAuditCheckpoint(s.h.deps, s.signer);
  expect(signed.signed).toBe(true);
  if (before === undefined) throw new Error('the scenario signs a checkpoint first');
  const proof = await consistencyProofBetween(s.h.deps, { size1: before.size, log: s.signer });
  expect(
    verifyConsistency({
      size1: before.size,
      size2: signed.checkpoint.size,
      root1: before.rootHash,
      root2: signed.checkpoint.rootHash,
      proof: proof.proof.map((p) => Buffer.from(p, 'base64')),
    }),
  ).toBe(true);
}

eachEngine('live audit log', (engine) => {
  let s: Scenario;
  let dialect: StoreDialect;
  beforeAll(async () => {
    s = await writeScenario(await engine.openStore(), databaseFlag(engine.config()));
    dialect = engine.openDialect();
  }, 60_000);

  it('signs a checkpoint once per size and verifies the clean log', async () => {
    const signed = await signAuditCheckpoint(s.h.deps, s.signer);
    expect(signed.signed).toBe(true);
    const again = await signAuditCheckpoint(s.h.deps, s.signer);
    expect(again.signed).toBe(false);
    expect(again.checkpoint.note).toBe(signed.checkpoint.note);
    const report = await verifyStoredLog(s.h.deps, { log: s.signer });
    expect(report.result).toMatchObject({ ok: true, size: signed.checkpoint.size });
  });

  it('gives an inclusion proof that the pure verifier accepts', async () => {
    const proof = await inclusionProofFor(s.h.deps, { seq: 3, log: s.signer });
    const opened = verifyCheckpoint(proof.checkpoint.note, [
      parseVerifierKey(s.signer.verifierKey),
    ]);
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    const check = {
      leafIndex: 3,
      treeSize: proof.treeSize,
      leafHash: Buffer.from(proof.leafHash, 'base64'),
      proof: proof.proof.map((p) => Buffer.from(p, 'base64')),
      root: opened.checkpoint.rootHash,
    };
    expect(verifyInclusion(check)).toBe(true);
    expect(verifyInclusion({ ...check, leafIndex: 4 })).toBe(false);
  });

  it('answers which version was in production at a time, and why', async () => {
    const { t0, t1, t2, t3 } = s.times;
    const at = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
    const ask = (when: string) => modelHistory(s.h.deps, auditor, { model, at: when });
    const before = await ask(at(t1, -1000));
    expect(before.production).toBeNull();
    expect(before.timeline.map((p) => p.version)).toStrictEqual(['hotfix', '2026.2', 'hotfix']);
    const hot = await ask(at(t1, 1000));
    expect(hot.production).toMatchObject({
      version: 'hotfix',
      decisionId: s.decisions.first,
      changeType: 'emergency',
      replaced: null,
    });
    expect(hot.production?.emergencyBypass?.seq).toBeGreaterThan(hot.production?.seq ?? 0);
    expect(hot.decision?.id).toBe(s.decisions.first);
    const refresh = await ask(at(t2, 1000));
    expect(refresh.production).toMatchObject({
      version: '2026.2',
      decisionId: s.decisions.second,
      replaced: 'hotfix',
      until: t3,
    });
    const rolledBack = await ask(at(t3, 1000));
    expect(rolledBack.production).toMatchObject({
      version: 'hotfix',
      action: 'rollback.executed',
      trigger: 'manual',
      reason: 'CTR dropped',
      decisionId: null,
    });
    expect((await modelHistory(s.h.deps, auditor, { model })).production?.seq).toBe(
      rolledBack.production?.seq,
    );
    expect(t0 < t1).toBe(true);
    const outsider: Principal = { id: 'eve', kind: 'user', roles: [{ role: 'x', model: 'other' }] };
    expect((await refusal(modelHistory(s.h.deps, outsider, { model }))).code).toBe('forbidden');
    expect((await refusal(modelHistory(s.h.deps, auditor, { model, at: 'yesterday' }))).code).toBe(
      'invalid_input',
    );
  });

  it('exports a log that the offline verifier accepts, as the live verifier does', async () => {
    const file = join(s.dataDir, 'export.jsonl');
    const live = ['--database', s.database, '--data-dir', s.dataDir];
    // The test made the SQLite file with the default umask; the CLI would tighten it and warn.
    const sqliteFile = s.database.replace(/^sqlite:/, '');
    for (const suffix of ['', '-wal', '-shm'])
      if (s.database.startsWith('sqlite:') && existsSync(`${sqliteFile}${suffix}`))
        chmodSync(`${sqliteFile}${suffix}`, 0o600);
    const exported = await runCli(['audit', 'export', '--output', file, ...live]);
    expect(exported.stderr).toBe('');
    expect(exported.status).toBe(0);
    const offline = await runCli([
      'audit',
      'verify',
      '--file',
      file,
      '--key',
      s.signer.verifierKey,
    ]);
    expect(offline.stdout).toContain('verifies');
    expect(offline.status).toBe(0);
    const online = await runCli(['audit', 'verify', ...live]);
    expect(online.stdout).toContain('verifies');
    expect(online.status).toBe(0);
    const proof = await runCli(['audit', 'prove', '2', ...live, '--format', 'json']);
    expect(proof.status).toBe(0);
    expect(JSON.parse(proof.stdout)).toMatchObject({
      seq: 2,
      checkpoint: { origin: s.signer.origin },
    });
    const history = await runCli(['history', model, '--at', s.times.t2, ...live]);
    expect(history.stdout).toContain('2026.2 in production');
  });

  it('exports through the use case to audit readers only, writing nothing for anyone else', async () => {
    const app = bindUseCases(s.h.deps, s.signer);
    const lines: string[] = [];
    const sink = {
      write: async (line: string) => {
        lines.push(line);
      },
    };
    await expect(app.exportAuditLog(people.mlops, sink)).rejects.toMatchObject({
      code: 'forbidden',
    });
    expect(lines).toEqual([]);
    const summary = await app.exportAuditLog(auditor, sink);
    const size = await s.h.deps.store.read((tx) => tx.audit.size());
    const checkpoints = await s.h.deps.store.read((tx) => tx.checkpoints.list());
    expect(summary).toEqual({ size, entries: size, checkpoints: checkpoints.length });
    expect(lines).toHaveLength(size + 1);
    expect(parseExportHeader(lines[0] ?? '')).toMatchObject({
      origin: s.signer.origin,
      size,
      verifierKeys: [s.signer.verifierKey],
      checkpoints: checkpoints.map((c) => c.note),
    });
  });

  describe('behind the service’s back', () => {
    beforeAll(async () => {
      for (const statement of dialect.dropAppendOnlyStatements('audit_entries'))
        await sql.raw(statement).execute(dialect.db);
    });

    async function row(seq: number) {
      return sql<{
        entry: string;
        leaf_hash: string;
      }>`select entry, leaf_hash from audit_entries where seq = ${seq}`
        .execute(dialect.db)
        .then((r) => r.rows[0] as { entry: string; leaf_hash: string });
    }

    it('names an edited entry, and the export and the CLI agree', async () => {
      const original = await row(4);
      const edited = original.entry.replace('"actor":{"id":"', '"actor":{"id":"mallory-');
      await sql`update audit_entries set entry = ${edited} where seq = 4`.execute(dialect.db);
      try {
        const report = await verifyStoredLog(s.h.deps, { log: s.signer });
        expect(report.result).toMatchObject({
          ok: false,
          kind: 'leaf_hash_mismatch',
          firstBadSeq: 4,
        });
        const file = join(s.dataDir, 'tampered.jsonl');
        const live = ['--database', s.database, '--data-dir', s.dataDir];
        expect((await runCli(['audit', 'export', '--output', file, ...live])).status).toBe(0);
        const offline = await runCli(['audit', 'verify', '--file', file, '--format', 'json']);
        expect(offline.status).toBe(1);
        expect(JSON.parse(offline.stdout).result).toMatchObject({ firstBadSeq: 4 });
        const online = await runCli(['audit', 'verify', ...live]);
        expect(online.status).toBe(1);
        expect(online.stdout).toContain('entry 4');
      } finally {
        await sql`update audit_entries set entry = ${original.entry} where seq = 4`.execute(
          dialect.db,
        );
      }
    });

    it('names an entry whose stored text was re-formatted without changing what it says', async () => {
      // The verifier hashes the stored bytes as they are: spaces added to the JSON leave the
      // parsed entry equal, yet the row was edited behind the service's back.
      const original = await row(3);
      const edited = original.entry.replace('"actor":{', '"actor": {');
      expect(JSON.parse(edited)).toEqual(JSON.parse(original.entry));
      await sql`update audit_entries set entry = ${edited} where seq = 3`.execute(dialect.db);
      try {
        const report = await verifyStoredLog(s.h.deps, { log: s.signer });
        expect(report.result).toMatchObject({
          ok: false,
          kind: 'leaf_hash_mismatch',
          firstBadSeq: 3,
        });
      } finally {
        await sql`update audit_entries set entry = ${original.entry} where seq = 3`.execute(
          dialect.db,
        );
      }
    });

    it('names the range when an entry is edited together with its leaf hash', async () => {
      const original = await row(5);
      const edited = original.entry.replace('"actor":{"id":"', '"actor":{"id":"mallory-');
      const { entryLeafHash } = await import('../../src/audit/index.js');
      const leaf = Buffer.from(entryLeafHash(JSON.parse(edited))).toString('hex');
      await sql`update audit_entries set entry = ${edited}, leaf_hash = ${leaf} where seq = 5`.execute(
        dialect.db,
      );
      try {
        const report = await verifyStoredLog(s.h.deps, { log: s.signer });
        expect(report.result).toMatchObject({ ok: false, kind: 'root_mismatch', firstBadSeq: 0 });
        expect((await refusal(inclusionProofFor(s.h.deps, { seq: 5, log: s.signer }))).code).toBe(
          'audit_unavailable',
        );
        // A new checkpoint is built from the stored tree, which still commits to the original
        // entry: it extends the signed log consistently and launders nothing.
        await s.h.deps.store.transaction((tx) => tx.audit.append(appended(s)));
        await expectConsistentNewCheckpoint(s);
        expect((await refusal(inclusionProofFor(s.h.deps, { seq: 5, log: s.signer }))).code).toBe(
          'audit_unavailable',
        );
      } finally {
        await sql`update audit_entries set entry = ${original.entry}, leaf_hash = ${original.leaf_hash} where seq = 5`.execute(
          dialect.db,
        );
      }
    });

    it('refuses to sign when the stored Merkle tree no longer folds to the signed root', async () => {
      for (const statement of dialect.dropAppendOnlyStatements('audit_tree_nodes'))
        await sql.raw(statement).execute(dialect.db);
      const latest = await s.h.deps.store.transaction((tx) => tx.checkpoints.latest());
      if (latest === undefined) throw new Error('the scenario signs a checkpoint first');
      // The largest perfect subtree of the signed tree: part of its compact range.
      const level = Math.floor(Math.log2(latest.size));
      const { rows } = await sql<{ hash: string }>`
        select hash from audit_tree_nodes where level = ${level} and idx = 0`.execute(dialect.db);
      const original = rows[0]?.hash;
      if (original === undefined) throw new Error(`no stored node ${level}/0`);
      const forged = `${original.startsWith('0') ? '1' : '0'}${original.slice(1)}`;
      await sql`update audit_tree_nodes set hash = ${forged} where level = ${level} and idx = 0`.execute(
        dialect.db,
      );
      try {
        await s.h.deps.store.transaction((tx) => tx.audit.append(appended(s)));
        const error = await refusal(signAuditCheckpoint(s.h.deps, s.signer));
        expect(error.code).toBe('audit_unavailable');
        expect(error.message).toContain('no longer hashes to the root signed');
        // The CLI refuses the same way: exit 1, one line, nothing signed.
        const live = ['--database', s.database, '--data-dir', s.dataDir];
        const cli = await runCli(['audit', 'checkpoint', ...live]);
        expect(cli.status, cli.stderr).toBe(1);
        expect(cli.stderr).toContain('no longer hashes to the root signed');
        const after = await s.h.deps.store.transaction((tx) => tx.checkpoints.latest());
        expect(after?.size).toBe(latest.size);
      } finally {
        await sql`update audit_tree_nodes set hash = ${original} where level = ${level} and idx = 0`.execute(
          dialect.db,
        );
      }
    });

    it('refuses to prove, or to sign over, an entry whose stored text is not JSON; verify names it', async () => {
      // The text is cut short and its leaf hash recomputed, so only reading the entry finds it.
      const leafOf = (text: string) =>
        createHash('sha256')
          .update(Buffer.from([0]))
          .update(text)
          .digest('hex');
      await s.h.deps.store.transaction((tx) => tx.audit.append(appended(s)));
      const last = (await s.h.deps.store.transaction((tx) => tx.audit.size())) - 1;
      const originals = [await row(2), await row(last)];
      for (const seq of [2, last]) {
        const broken = (await row(seq)).entry.slice(0, -1);
        await sql`update audit_entries set entry = ${broken}, leaf_hash = ${leafOf(broken)} where seq = ${seq}`.execute(
          dialect.db,
        );
      }
      try {
        const latest = await s.h.deps.store.transaction((tx) => tx.checkpoints.latest());
        expect((await refusal(inclusionProofFor(s.h.deps, { seq: 2, log: s.signer }))).code).toBe(
          'audit_unavailable',
        );
        const error = await refusal(signAuditCheckpoint(s.h.deps, s.signer));
        expect(error.code).toBe('audit_unavailable');
        expect(error.message).toContain(`Audit entry ${last} is malformed`);
        const after = await s.h.deps.store.transaction((tx) => tx.checkpoints.latest());
        expect(after?.size).toBe(latest?.size);
        const report = await verifyStoredLog(s.h.deps, { log: s.signer });
        expect(report.result).toMatchObject({ ok: false, kind: 'invalid_entry', firstBadSeq: 2 });
      } finally {
        for (const [k, seq] of [2, last].entries()) {
          const original = originals[k] as { entry: string; leaf_hash: string };
          await sql`update audit_entries set entry = ${original.entry}, leaf_hash = ${original.leaf_hash} where seq = ${seq}`.execute(
            dialect.db,
          );
        }
      }
      expect((await verifyStoredLog(s.h.deps, { log: s.signer })).result.ok).toBe(true);
    });

    it('refuses to sign over an entry given a raw newline and an extra field, naming it', async () => {
      // Signing reads the new entries packed, texts joined by newlines: a text holding one no
      // longer splits into its rows, so the rows are read one by one and the entry is named.
      await s.h.deps.store.transaction(async (tx) => {
        await tx.audit.append(appended(s));
        await tx.audit.append(appended(s));
      });
      const last = (await s.h.deps.store.transaction((tx) => tx.audit.size())) - 1;
      const original = await row(last - 1);
      const edited = `${original.entry.slice(0, -1)},\n"note":"edited"}`;
      const leaf = createHash('sha256')
        .update(Buffer.from([0]))
        .update(edited)
        .digest('hex');
      await sql`update audit_entries set entry = ${edited}, leaf_hash = ${leaf} where seq = ${last - 1}`.execute(
        dialect.db,
      );
      try {
        const latest = await s.h.deps.store.transaction((tx) => tx.checkpoints.latest());
        const error = await refusal(signAuditCheckpoint(s.h.deps, s.signer));
        expect(error.code).toBe('audit_unavailable');
        expect(error.message).toContain(`Audit entry ${last - 1} is malformed`);
        const after = await s.h.deps.store.transaction((tx) => tx.checkpoints.latest());
        expect(after?.size).toBe(latest?.size);
      } finally {
        await sql`update audit_entries set entry = ${original.entry}, leaf_hash = ${original.leaf_hash} where seq = ${last - 1}`.execute(
          dialect.db,
        );
      }
      expect(await signAuditCheckpoint(s.h.deps, s.signer)).toMatchObject({ signed: true });
    });

    it('names a deleted entry', async () => {
      await s.h.deps.store.transaction((tx) => tx.audit.append(appended(s)));
      await sql`delete from audit_entries where seq = 6`.execute(dialect.db);
      const report = await verifyStoredLog(s.h.deps, { log: s.signer });
      expect(report.result).toMatchObject({ ok: false, kind: 'sequence_gap', firstBadSeq: 6 });
      expect((await refusal(inclusionProofFor(s.h.deps, { seq: 6, log: s.signer }))).code).toBe(
        'audit_unavailable',
      );
      // Entries appended after the latest checkpoint are re-read before signing: a gap among
      // them refuses the checkpoint.
      const size = await s.h.deps.store.transaction((tx) => tx.audit.size());
      await s.h.deps.store.transaction(async (tx) => {
        await tx.audit.append(appended(s));
        await tx.audit.append(appended(s));
      });
      await sql`delete from audit_entries where seq = ${size}`.execute(dialect.db);
      expect((await refusal(signAuditCheckpoint(s.h.deps, s.signer))).code).toBe(
        'audit_unavailable',
      );
    });
  });
});
