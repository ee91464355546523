/**
 * `clearance audit verify --state` and `--since` on both engines (issue 7, findings 10 and 19):
 * edits behind the service's back that plain `audit verify` passes — rows serving an unreviewed
 * draft; the log's tail cut together with its checkpoints and `audit_head` lowered — are named,
 * with exit 1, by the live database, the export and `--format json`.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerVersion, signAuditCheckpoint } from '../../src/app/index.js';
import { loadAuditSigner } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import type { StoreConfig } from '../../src/store/index.js';
import { people, type StoreHarness } from '../app/harness.js';
import { behindTheService, openHarness, workedRegistry } from '../app/state-fixtures.js';
import { eachEngine } from '../store/engines.js';
import { runCli } from './run-cli.js';

function databaseFlag(config: StoreConfig): string {
  return config.engine === 'sqlite' ? `sqlite:${config.file}` : config.url;
}

eachEngine('audit verify --state and --since', (engine) => {
  let h: StoreHarness;
  let live: string[];
  let dataDir: string;
  beforeAll(async () => {
    h = await openHarness(engine);
    await workedRegistry(h, 'cli-pd');
    dataDir = mkdtempSync(join(tmpdir(), 'clearance-verify-state-'));
    live = ['--database', databaseFlag(engine.config()), '--data-dir', dataDir];
  }, 60_000);

  const signer = () => loadAuditSigner(loadConfig({ flags: { dataDir }, env: {} }));

  it('reports zero disagreements for the registry the use cases built', async () => {
    await signAuditCheckpoint(h.deps, signer());
    const run = await runCli(['audit', 'verify', '--state', ...live]);
    expect(run.stderr).not.toContain('Error');
    expect(run.stdout).toContain('Database agrees with the audit log');
    expect(run.status).toBe(0);
  });

  it('names version_states and serving rows edited to serve a draft, which plain verify passes', async () => {
    const dialect = engine.openDialect();
    const edit = (state: string, version: string) =>
      sql`update version_states set state = ${state} where model = 'cli-pd' and version = ${version}`;
    await behindTheService(dialect, [], async (db) => {
      await edit('deprecated', '2026.2').execute(db);
      await edit('production', '2026.3').execute(db);
      await sql`update serving set production_version = '2026.3' where model = 'cli-pd'`.execute(
        db,
      );
    });
    try {
      expect((await runCli(['audit', 'verify', ...live])).status).toBe(0);
      const text = await runCli(['audit', 'verify', '--state', ...live]);
      expect(text.status).toBe(1);
      expect(text.stdout).toContain('3 row(s) disagree');
      expect(text.stdout).toContain(
        'version_states cli-pd@2026.3: state is production, the audit log says draft.',
      );
      expect(text.stdout).toContain(
        'serving cli-pd: production_version is 2026.3, the audit log says 2026.2.',
      );
      const json = await runCli(['audit', 'verify', '--state', '--format', 'json', ...live]);
      expect(json.status).toBe(1);
      expect(JSON.parse(json.stdout).state.disagreements).toContainEqual({
        table: 'version_states',
        key: 'cli-pd@2026.2',
        field: 'state',
        expected: 'production',
        found: 'deprecated',
      });
    } finally {
      await behindTheService(dialect, [], async (db) => {
        await edit('draft', '2026.3').execute(db);
        await edit('production', '2026.2').execute(db);
        await sql`update serving set production_version = '2026.2' where model = 'cli-pd'`.execute(
          db,
        );
      });
    }
    expect((await runCli(['audit', 'verify', '--state', ...live])).status).toBe(0);
  });

  it('names a version whose artifact_uri and lineage were edited by SQL, which plain verify passes', async () => {
    const dialect = engine.openDialect();
    const at = sql`model = 'cli-pd' and version = '2026.2'`;
    const before = await sql<{
      artifact_uri: string;
      lineage: string;
    }>`select artifact_uri, lineage from versions where ${at}`.execute(dialect.db);
    const original = before.rows[0];
    if (!original) throw new Error('cli-pd@2026.2 is not stored');
    const forged = JSON.stringify({ ...JSON.parse(original.lineage), trainedBy: 'someone.else' });
    await behindTheService(dialect, ['versions'], async (db) => {
      await sql`update versions set artifact_uri = 's3://attacker/model.bin', lineage = ${forged} where ${at}`.execute(
        db,
      );
    });
    try {
      expect((await runCli(['audit', 'verify', ...live])).status).toBe(0);
      const text = await runCli(['audit', 'verify', '--state', ...live]);
      expect(text.status).toBe(1);
      expect(text.stdout).toContain('2 row(s) disagree');
      expect(text.stdout).toContain(
        'versions cli-pd@2026.2: artifact_uri is s3://attacker/model.bin, the audit log says s3://models/cli-pd/2026.2.',
      );
      const json = await runCli(['audit', 'verify', '--state', '--format', 'json', ...live]);
      expect(json.status).toBe(1);
      const named = JSON.parse(json.stdout).state.disagreements.map(
        (d: { key: string; field: string }) => `${d.key} ${d.field}`,
      );
      expect(named).toEqual(['cli-pd@2026.2 artifact_uri', 'cli-pd@2026.2 lineage']);
    } finally {
      await behindTheService(dialect, ['versions'], async (db) => {
        await sql`update versions set artifact_uri = ${original.artifact_uri}, lineage = ${original.lineage} where ${at}`.execute(
          db,
        );
      });
    }
    expect((await runCli(['audit', 'verify', '--state', ...live])).status).toBe(0);
  });

  it('refuses --state with --file: an export holds no rows', async () => {
    const run = await runCli(['audit', 'verify', '--state', '--file', join(dataDir, 'none.jsonl')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--state checks a database against its log');
  });

  describe('a log cut back with its checkpoints and audit_head lowered', () => {
    it('verifies clean without --since, and is named truncated against the kept checkpoint', async () => {
      const first = await signAuditCheckpoint(h.deps, signer());
      await registerVersion(h.deps, people.ci, {
        model: 'cli-pd',
        version: '2026.9',
        artifactUri: 's3://models/cli-pd/2026.9',
        artifactDigest: `sha256:${'9'.repeat(64)}`,
        lineage: {
          codeCommit: 'a'.repeat(40),
          dataSnapshotId: 'snap-9',
          configDigest: `sha256:${'c'.repeat(64)}`,
          seed: 9,
        },
      });
      const second = await signAuditCheckpoint(h.deps, signer());
      expect(second.checkpoint.size).toBeGreaterThan(first.checkpoint.size);
      const keptFile = join(dataDir, 'kept-checkpoint.txt');
      // The auditor keeps the newest checkpoint of a clean verification.
      const save = await runCli(['audit', 'verify', '--save-checkpoint', keptFile, ...live]);
      expect(save.status).toBe(0);
      expect(readFileSync(keptFile, 'utf8')).toBe(second.checkpoint.note);
      const kept = await runCli(['audit', 'verify', '--since', keptFile, ...live]);
      expect(kept.stdout).toContain(
        `Consistent with the checkpoint you kept (size ${second.checkpoint.size})`,
      );
      expect(kept.status).toBe(0);

      const size = first.checkpoint.size;
      const dialect = engine.openDialect();
      await behindTheService(dialect, ['audit_entries', 'audit_checkpoints'], async (db) => {
        await sql`delete from audit_entries where seq >= ${size}`.execute(db);
        await sql`delete from audit_checkpoints where size > ${size}`.execute(db);
        await sql`update audit_head set size = ${size}`.execute(db);
      });
      const plain = await runCli(['audit', 'verify', ...live]);
      expect(plain.stdout).toContain(`Audit log verifies: ${size} entries`);
      expect(plain.status).toBe(0);

      const since = await runCli([
        'audit',
        'verify',
        '--since',
        keptFile,
        '--format',
        'json',
        ...live,
      ]);
      expect(since.status).toBe(1);
      expect(JSON.parse(since.stdout).result).toMatchObject({
        ok: false,
        kind: 'truncated',
        firstBadSeq: size,
      });
      const text = await runCli(['audit', 'verify', '--since', keptFile, ...live]);
      expect(text.stdout).toContain(
        `The checkpoint you kept signs ${second.checkpoint.size} entries but the log has ${size}: the log was cut back`,
      );

      const file = join(dataDir, 'cut.jsonl');
      expect((await runCli(['audit', 'export', '--output', file, ...live])).status).toBe(0);
      const key = ['--key', signer().verifierKey];
      expect((await runCli(['audit', 'verify', '--file', file, ...key])).status).toBe(0);
      const offline = await runCli([
        'audit',
        'verify',
        '--file',
        file,
        ...key,
        '--since',
        keptFile,
      ]);
      expect(offline.status).toBe(1);
      expect(offline.stdout).toContain('(truncated)');
    });
  });
});
