/**
 * docs/operations.md, "Backups and restore": the SQLite backup and restore blocks, run as written
 * (only the paths replaced) against a live server with evidence, a decision and a signed
 * checkpoint; the data directory is wiped between them. After the restore `audit verify --state`
 * (inside the block) and an evidence-pack export pass; without the restored blobs the export fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from '../cli/run-cli.js';
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

/** Runs a documented block with its DATA and BACKUP lines pointed at the test's directories. */
function runBlock(block: string, data: string, backup: string) {
  const lines = block.split('\n');
  for (const name of ['DATA', 'BACKUP']) {
    if (!lines.some((l) => l.startsWith(`${name}=`))) throw new Error(`no ${name}= line`);
  }
  const script = lines
    .map((l) =>
      l.replace(/^DATA=.*$/, `DATA='${data}'`).replace(/^BACKUP=.*$/, `BACKUP='${backup}'`),
    )
    .join('\n');
  const clearance = `clearance() { '${process.execPath}' '${join(repoRoot, 'bin', 'clearance.js')}' "$@"; }`;
  return spawnSync('bash', ['-euo', 'pipefail', '-c', `${clearance}\n${script}`], {
    encoding: 'utf8',
    env: { ...process.env, CLEARANCE_LOG_LEVEL: 'silent' },
  });
}

describe('backup and restore as docs/operations.md says', () => {
  const root = mkdtempSync(join(tmpdir(), 'clearance-backup-'));
  const data = join(root, 'var', 'lib', 'clearance');
  const backup = join(root, 'backups', 'today');
  const database = `sqlite:${join(data, 'clearance.db')}`;
  let server: LiveServer | undefined;
  afterAll(async () => {
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('backs up a running server, wipes it, restores, and the log and blobs verify', async () => {
    const adminToken = await bootstrapLiveAdmin({ database, dataDir: data });
    server = await serveLive({ database, dataDir: data, adminToken });
    const admin = createClient({ server: server.url, token: adminToken });
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

    // With the server running, as the guide says.
    const backedUp = runBlock(
      documentedBlock('Back up (SQLite and a blob directory)'),
      data,
      backup,
    );
    expect(backedUp.stderr).toBe('');
    expect(backedUp.status).toBe(0);
    const archived = spawnSync('tar', ['-tf', join(backup, 'files.tar')], { encoding: 'utf8' });
    expect(archived.stdout).toContain('./audit-signing-key.pem');
    expect(archived.stdout).toContain('./install-id');
    expect(archived.stdout).toMatch(/\.\/blobs\/sha256\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}\n/);
    // The live database file is not in the archive: it is copied by SQLite's online backup.
    expect(archived.stdout).not.toContain('clearance.db');
    await server.stop();
    server = undefined;

    rmSync(data, { recursive: true, force: true });
    expect(existsSync(data)).toBe(false);

    const restored = runBlock(
      documentedBlock('Restore (SQLite and a blob directory)'),
      data,
      backup,
    );
    expect(restored.stderr).toBe('');
    expect(restored.status).toBe(0);
    expect(restored.stdout).toContain('Audit log verifies');
    expect(restored.stdout).toContain('Database agrees with the audit log');

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

    // The check can fail: without the restored blobs the export names what is missing.
    rmSync(join(data, 'blobs'), { recursive: true, force: true });
    const withoutBlobs = await pack(join(root, 'pack-without-blobs'));
    expect(withoutBlobs.status).not.toBe(0);
    expect(withoutBlobs.stderr).toContain('is not in the blob store');
  }, 90_000);
});
