/**
 * Issue 11 item 8: two `clearance serve` processes on one PostgreSQL, each with its own data
 * directory and no shared file system, keep evidence in one S3-compatible bucket (a real local
 * s3rver). Evidence uploaded through one server is judged by a gate run on the other; the bytes
 * are in the bucket, not on either disk; a tampered object is refused, never judged.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from '../cli/run-cli.js';
import { type FreshPostgres, freshPostgresDatabase, postgresForSuite } from '../store/engines.js';
import { type LocalS3, startLocalS3 } from '../store/s3-server.js';
import { type ClearanceClient, createClient } from './http-client.js';
import { bootstrapLiveAdmin, type LiveServer, personTokenOn, serveLive } from './live-server.js';

const model = 'churn-model';
const policy = `apiVersion: clearance/v1
kind: Policy
metadata: { name: ${model}, riskTier: medium, owner: ml-platform }
roles: [model_owner, tech_lead, mlops]
transitions:
  - from: draft
    to: staging
    requestedBy: [model_owner]
    gates: [{ id: uplift, type: metric, metric: uplift, min: 0.05 }]
    approvals: [{ role: tech_lead }]
`;

interface GateView {
  gateId: string;
  outcome: string;
  observed: unknown;
  explanation: string;
}

/** Runs a command to its end, collecting its output. */
function run(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv },
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

const runs = postgresForSuite('two servers on one PostgreSQL with an S3 blob store');

describe.runIf(runs)('two servers sharing an S3-compatible blob store', () => {
  let s3: LocalS3;
  let bucket = '';
  let database: FreshPostgres;
  const live: LiveServer[] = [];
  const dataDirs: string[] = [];
  let ci: ClearanceClient;
  let owner: ClearanceClient;

  beforeAll(async () => {
    s3 = await startLocalS3();
    bucket = await s3.bucket();
    database = await freshPostgresDatabase();
    const root = mkdtempSync(join(tmpdir(), 'clearance-s3-servers-'));
    dataDirs.push(join(root, 'a'), join(root, 'b'));
    const adminToken = await bootstrapLiveAdmin({
      database: database.url,
      dataDir: join(root, 'a'),
    });
    const options = s3.options(bucket, 'evidence/');
    const env = {
      CLEARANCE_BLOB_STORE: 's3',
      CLEARANCE_S3_BUCKET: options.bucket,
      CLEARANCE_S3_PREFIX: options.prefix,
      CLEARANCE_S3_ENDPOINT: options.endpoint,
      CLEARANCE_S3_REGION: options.region,
      CLEARANCE_S3_ACCESS_KEY_ID: options.accessKeyId,
      CLEARANCE_S3_SECRET_ACCESS_KEY: options.secretAccessKey,
      CLEARANCE_S3_FORCE_PATH_STYLE: 'true',
      // Servers on one database sign with one key (docs/operations.md).
      CLEARANCE_AUDIT_SIGNING_KEY_FILE: join(root, 'a', 'audit-signing-key.pem'),
    };
    for (const dataDir of dataDirs) {
      live.push(await serveLive({ database: database.url, dataDir, adminToken, env }));
    }
    const [a, b] = live as [LiveServer, LiveServer];
    ci = createClient({ server: a.url, token: await personTokenOn(a, 'ci.pipeline', ['mlops']) });
    const ownerToken = await personTokenOn(a, 'olga.owner', ['model_owner']);
    owner = createClient({ server: b.url, token: ownerToken });
    await createClient({ server: a.url, token: adminToken }).call('POST', '/api/v1/models', {
      json: { name: model, ownerTeam: 'ml-platform', policy },
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(live.map((server) => server.stop()));
    await database?.drop();
    await s3?.close();
  });

  async function versionWith(version: string, metrics: object): Promise<string> {
    await ci.call('POST', `/api/v1/models/${model}/versions`, {
      json: {
        version,
        artifactUri: `s3://models/${model}/${version}`,
        artifactDigest: `sha256:${version.replace(/\D/g, '').padStart(64, '0')}`,
        lineage: {},
      },
    });
    const [stored] = await ci.call<{ digest: string }[]>(
      'POST',
      `/api/v1/models/${model}/versions/${version}/evidence`,
      { bytes: new TextEncoder().encode(JSON.stringify(metrics)), query: { path: 'metrics.json' } },
    );
    return stored?.digest ?? '';
  }

  /** Opens the staging request on the other server; its decision holds the gate run. */
  async function gatesOf(version: string): Promise<GateView[]> {
    const created = await owner.call<{ decision: { gates: GateView[] } }>(
      'POST',
      '/api/v1/requests',
      { json: { model, version, to: 'staging', reason: 'Candidate' } },
    );
    return created.decision.gates;
  }

  it('judges on one server the evidence uploaded through the other, from the bucket', async () => {
    const digest = await versionWith('v1', { uplift: 0.08 });
    const hex = digest.slice('sha256:'.length);
    const key = `evidence/sha256/${hex.slice(0, 2)}/${hex.slice(2, 4)}/${hex}`;
    expect(await s3.keys(bucket)).toContain(key);
    for (const dataDir of dataDirs) {
      const local = join(dataDir, 'blobs', 'sha256');
      expect(existsSync(local) ? readdirSync(local) : []).toStrictEqual([]);
    }
    const [gate] = await gatesOf('v1');
    expect(gate).toMatchObject({ gateId: 'uplift', outcome: 'pass', observed: 0.08 });
  });

  it('refuses a tampered object: the gate errors naming the digest, nothing is judged on it', async () => {
    const digest = await versionWith('v2', { uplift: 0.01 });
    const hex = digest.slice('sha256:'.length);
    const key = `evidence/sha256/${hex.slice(0, 2)}/${hex.slice(2, 4)}/${hex}`;
    await s3.putRaw(bucket, key, new TextEncoder().encode('{"uplift":0.9}'));
    const [gate] = await gatesOf('v2');
    expect(gate?.outcome).toBe('error');
    expect(gate?.observed).toBeNull();
    expect(gate?.explanation).toContain(`Blob ${digest} is corrupted`);
  });

  it('does not start on a bucket it cannot reach, and says which and what to check', async () => {
    const options = s3.options('no-such-bucket');
    // Not spawnSync: the S3 server answers from this process's event loop.
    const started = await run(
      process.execPath,
      [
        join(repoRoot, 'bin', 'clearance.js'),
        'serve',
        '--port',
        '0',
        '--data-dir',
        dataDirs[0] ?? '',
      ],
      {
        env: {
          ...process.env,
          CLEARANCE_DATABASE: database.url,
          CLEARANCE_BLOB_STORE: 's3',
          CLEARANCE_S3_BUCKET: options.bucket,
          CLEARANCE_S3_ENDPOINT: options.endpoint,
          CLEARANCE_S3_ACCESS_KEY_ID: options.accessKeyId,
          CLEARANCE_S3_SECRET_ACCESS_KEY: options.secretAccessKey,
          CLEARANCE_S3_FORCE_PATH_STYLE: 'true',
        },
      },
    );
    expect(started.status).toBe(2);
    expect(started.stdout).not.toContain('listening');
    expect(started.stderr).toContain('The S3 bucket "no-such-bucket" does not exist.');
    expect(started.stderr).toContain(`Bucket "no-such-bucket" at ${options.endpoint}.`);
    expect(started.stderr).toContain('Check s3Bucket, s3Endpoint');
    expect(started.stderr).not.toMatch(/\n\s+at /);
  });

  it('keeps the audit log verifiable', async () => {
    const verify = await runCli([
      'audit',
      'verify',
      '--database',
      database.url,
      '--data-dir',
      dataDirs[0] ?? '',
    ]);
    expect(verify.stderr).toBe('');
    expect(verify.status).toBe(0);
  });
});
