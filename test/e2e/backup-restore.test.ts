/**
 * docs/operations.md, "Backups and restore": the backup and restore blocks for SQLite and for
 * PostgreSQL, each with a blob directory, run as written (only the paths and URLs replaced) against
 * a live server with evidence, a decision and a signed checkpoint; the data directory is wiped
 * between them. After the restore `audit verify --state` (inside the block) and an evidence-pack
 * export pass; without the restored blobs the export fails.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from '../cli/run-cli.js';
import { freshPostgresDatabase, pgUrl, postgresForSuite } from '../store/engines.js';
import { createClient } from './http-client.js';
import { bootstrapLiveAdmin, type LiveServer, personOn, serveLive } from './live-server.js';

const model = 'fraud-scorer';
const policy = `apiVersion: clearance/v1
kind: Policy
metadata: { name: ${model}, riskTier: medium, owner: ml-platform }
roles: [model_owner, tech_lead, mlops]
transitions:
  - from: draft
    to: staging
    requestedBy: [model_owner]
    gates: [{ id: recall, type: metric, metric: recall_at_top, min: 0.5 }]
    approvals: [{ role: tech_lead }]
`;

/** The fenced shell block of docs/operations.md whose first line is `# <title>`. */
function documentedBlock(title: string): string {
  const docs = readFileSync(join(repoRoot, 'docs', 'operations.md'), 'utf8');
  const blocks = [...docs.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  const block = blocks.find((b) => b.startsWith(`# ${title}\n`));
  if (!block) throw new Error(`docs/operations.md has no sh block "# ${title}"`);
  return block;
}

/** Runs a documented block with its `NAME=` lines (each must be there) set to `values`. */
function runBlock(block: string, values: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  const lines = block.split('\n');
  for (const name of Object.keys(values)) {
    if (!lines.some((l) => l.startsWith(`${name}=`))) throw new Error(`no ${name}= line`);
  }
  const script = lines
    .map((line) => {
      const name = /^([A-Z]+)=/.exec(line)?.[1];
      return name !== undefined && values[name] !== undefined ? `${name}='${values[name]}'` : line;
    })
    .join('\n');
  const bin = join(repoRoot, 'bin', 'clearance.js');
  const clearance = `clearance() { '${process.execPath}' '${bin}' "$@"; }`;
  return spawnSync('bash', ['-euo', 'pipefail', '-c', `${clearance}\n${script}`], {
    encoding: 'utf8',
    env: { ...process.env, CLEARANCE_LOG_LEVEL: 'silent', ...env },
  });
}

/** A model with a version, its evidence, a gate run and a signed checkpoint, on a live server. */
async function populate(server: LiveServer): Promise<void> {
  const admin = createClient({ server: server.url, token: server.adminToken });
  await admin.call('POST', '/api/v1/models', {
    json: { name: model, ownerTeam: 'ml-platform', policy },
  });
  const ci = await personOn(server, 'ci.pipeline', ['mlops']);
  const owner = await personOn(server, 'olga.owner', ['model_owner']);
  await ci.call('POST', `/api/v1/models/${model}/versions`, {
    json: {
      version: 'v1',
      artifactUri: `s3://models/${model}/v1`,
      artifactDigest: `sha256:${'1'.repeat(64)}`,
      lineage: {},
    },
  });
  await ci.call('POST', `/api/v1/models/${model}/versions/v1/evidence`, {
    bytes: new TextEncoder().encode('{"recall_at_top":0.62}'),
    query: { path: 'metrics.json' },
  });
  const created = await owner.call<{ decision: { gates: { outcome: string }[] } }>(
    'POST',
    '/api/v1/requests',
    { json: { model, version: 'v1', to: 'staging', reason: 'Candidate' } },
  );
  expect(created.decision.gates.map((g) => g.outcome)).toStrictEqual(['pass']);
  await admin.call('POST', '/api/v1/audit/checkpoints');
}

function expectArchiveOfDataDir(backup: string): void {
  const archived = spawnSync('tar', ['-tf', join(backup, 'files.tar')], { encoding: 'utf8' });
  expect(archived.stdout).toContain('./audit-signing-key.pem');
  expect(archived.stdout).toContain('./install-id');
  expect(archived.stdout).toMatch(/\.\/blobs\/sha256\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}\n/);
  // A live SQLite file is never archived: SQLite's online backup copies it.
  expect(archived.stdout).not.toContain('clearance.db');
}

/** The restored registry's evidence reads back; without its blobs the export names the missing one. */
async function expectBlobsRestored(database: string, data: string, root: string): Promise<void> {
  const pack = (output: string) =>
    runCli([
      'evidence-pack',
      'export',
      model,
      'v1',
      '--output',
      output,
      '--database',
      database,
      '--data-dir',
      data,
    ]);
  const exported = await pack(join(root, 'pack'));
  expect(exported.stderr).toBe('');
  expect(exported.status).toBe(0);
  expect(readFileSync(join(root, 'pack', 'manifest.json'), 'utf8')).toContain('metrics.json');
  rmSync(join(data, 'blobs'), { recursive: true, force: true });
  const withoutBlobs = await pack(join(root, 'pack-without-blobs'));
  expect(withoutBlobs.status).not.toBe(0);
  expect(withoutBlobs.stderr).toContain('is not in the blob store');
}

function expectRestored(restored: ReturnType<typeof runBlock>): void {
  expect(restored.stderr).toBe('');
  expect(restored.status).toBe(0);
  expect(restored.stdout).toContain('Audit log verifies');
  expect(restored.stdout).toContain('Database agrees with the audit log');
}

describe('backup and restore as docs/operations.md says', () => {
  const roots: string[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });
  const fresh = () => {
    const root = mkdtempSync(join(tmpdir(), 'clearance-backup-'));
    roots.push(root);
    return {
      root,
      data: join(root, 'var', 'lib', 'clearance'),
      backup: join(root, 'backups', 'today'),
    };
  };

  it('SQLite: backs up a running server, wipes it, restores; the log and blobs verify', async () => {
    const { root, data, backup } = fresh();
    const database = `sqlite:${join(data, 'clearance.db')}`;
    const adminToken = await bootstrapLiveAdmin({ database, dataDir: data });
    const server = await serveLive({ database, dataDir: data, adminToken });
    cleanups.push(() => server.stop());
    await populate(server);

    // With the server running, as the guide says.
    const backedUp = runBlock(documentedBlock('Back up (SQLite and a blob directory)'), {
      DATA: data,
      BACKUP: backup,
    });
    expect(backedUp.stderr).toBe('');
    expect(backedUp.status).toBe(0);
    expectArchiveOfDataDir(backup);
    await server.stop();

    rmSync(data, { recursive: true, force: true });
    expect(existsSync(data)).toBe(false);
    expectRestored(
      runBlock(documentedBlock('Restore (SQLite and a blob directory)'), {
        DATA: data,
        BACKUP: backup,
      }),
    );
    await expectBlobsRestored(database, data, root);
  }, 90_000);

  it.runIf(postgresForSuite('PostgreSQL backup and restore'))(
    'PostgreSQL: dumps a running server, wipes its data directory, restores into a new database; the log and blobs verify',
    async () => {
      const { root, data, backup } = fresh();
      const source = await freshPostgresDatabase();
      cleanups.push(() => source.drop());
      const adminToken = await bootstrapLiveAdmin({ database: source.url, dataDir: data });
      const server = await serveLive({ database: source.url, dataDir: data, adminToken });
      cleanups.push(() => server.stop());
      await populate(server);

      const backedUp = runBlock(
        documentedBlock('Back up (PostgreSQL and a blob directory)'),
        { DATA: data, BACKUP: backup },
        { DATABASE_URL: source.url },
      );
      expect(backedUp.stderr).toBe('');
      expect(backedUp.status).toBe(0);
      expectArchiveOfDataDir(backup);
      await server.stop();
      rmSync(data, { recursive: true, force: true });

      // `createdb`, as the guide says, under a name of this run's own.
      const name = `clearance_restored_${randomBytes(5).toString('hex')}`;
      const admin = new pg.Client({ connectionString: pgUrl });
      await admin.connect();
      await admin.query(`create database "${name}"`);
      await admin.end();
      cleanups.push(async () => {
        const client = new pg.Client({ connectionString: pgUrl });
        await client.connect();
        await client.query(`drop database if exists "${name}" with (force)`);
        await client.end();
      });
      const restoredUrl = new URL(pgUrl);
      restoredUrl.pathname = `/${name}`;
      expectRestored(
        runBlock(documentedBlock('Restore (PostgreSQL and a blob directory)'), {
          DATA: data,
          BACKUP: backup,
          RESTORED: restoredUrl.toString(),
        }),
      );
      await expectBlobsRestored(restoredUrl.toString(), data, root);
    },
    90_000,
  );
});
