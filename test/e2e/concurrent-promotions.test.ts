/**
 * DESIGN.md §5: concurrent promotions of one model → exactly one wins, across several server
 * processes on one PostgreSQL. Four `clearance serve` processes share a fresh database and data
 * directory; 200 versions, each in staging with an approved production request judged against
 * "no production version", are executed at once. The first commit makes every other request's
 * baseline stale, so the rest are refused with 409 — and no instant ever shows two production
 * versions, through the serving read or in the table itself.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { type FreshPostgres, freshPostgresDatabase, postgresForSuite } from '../store/engines.js';
import { type ClearanceClient, createClient } from './http-client.js';
import { bootstrapLiveAdmin, type LiveServer, personTokenOn, serveLive } from './live-server.js';

const model = 'race-model';
const versions = 200;
const servers = 4;
const policy = `apiVersion: clearance/v1
kind: Policy
metadata: { name: ${model}, riskTier: medium, owner: ml-platform }
roles: [model_owner, tech_lead, mlops]
transitions:
  - from: draft
    to: staging
    requestedBy: [model_owner]
    approvals: [{ role: tech_lead }]
  - from: staging
    to: production
    requestedBy: [mlops]
    gates: [{ id: repro, type: reproducibility, require: [codeCommit, seed] }]
    approvals: [{ role: model_owner }]
`;

interface People {
  ci: string;
  owner: string;
  tech: string;
}

let database: FreshPostgres | undefined;
let dataDir = '';
const live: LiveServer[] = [];
const tokens: People = { ci: '', owner: '', tech: '' };

function serverFor(i: number): LiveServer {
  const server = live[i % live.length];
  if (!server) throw new Error('no server started');
  return server;
}

function as(who: keyof People, i: number): ClearanceClient {
  return createClient({ server: serverFor(i).url, token: tokens[who] });
}

/** Runs `work` over 0..count-1, `width` at a time. */
async function inBatches(count: number, width: number, work: (i: number) => Promise<void>) {
  let next = 0;
  const lanes = Array.from({ length: width }, async () => {
    for (let i = next++; i < count; i = next++) await work(i);
  });
  await Promise.all(lanes);
}

/** Registers v<i> with lineage, takes it to staging, and opens an approved production request. */
async function stageVersion(i: number): Promise<string> {
  const version = `v${i}`;
  const approve = { decision: 'approve', comment: 'Reviewed', riskClass: 'low' };
  const lineage = { codeCommit: (0xabc0000 + i).toString(16), seed: i };
  await as('ci', i).call('POST', `/api/v1/models/${model}/versions`, {
    json: {
      version,
      artifactUri: `s3://models/${model}/${version}`,
      artifactDigest: `sha256:${i.toString(16).padStart(64, '0')}`,
      lineage,
    },
  });
  await as('ci', i + 1).call('POST', `/api/v1/models/${model}/versions/${version}/evidence`, {
    bytes: new TextEncoder().encode(JSON.stringify(lineage)),
    query: { path: 'lineage.json' },
  });
  type Created = { request: { id: string } };
  const staging = await as('owner', i + 2).call<Created>('POST', '/api/v1/requests', {
    json: { model, version, to: 'staging', reason: 'Candidate' },
  });
  const stagingId = staging.request.id;
  await as('tech', i + 3).call('POST', `/api/v1/requests/${stagingId}/approvals`, {
    json: { ...approve, role: 'tech_lead' },
  });
  await as('owner', i).call('POST', `/api/v1/requests/${stagingId}/execute`);
  const production = await as('ci', i + 1).call<Created>('POST', '/api/v1/requests', {
    json: { model, version, to: 'production', reason: 'Race for production' },
  });
  const id = production.request.id;
  const approved = await as('owner', i + 2).call<{ request: { status: string } }>(
    'POST',
    `/api/v1/requests/${id}/approvals`,
    { json: { ...approve, role: 'model_owner' } },
  );
  if (approved.request.status !== 'approved') throw new Error(`request ${id} is not approved`);
  return id;
}

/** Polls the serving read on every server and the table directly until `done` resolves. */
async function watchProduction(url: string, done: Promise<unknown>) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let finished = false;
  void done.finally(() => {
    finished = true;
  });
  const seen = { maxRows: 0, polls: 0, servingVersions: new Set<string>() };
  try {
    while (!finished) {
      const [rows, ...views] = await Promise.all([
        client.query<{ n: string }>(
          "select count(*) as n from version_states where model = $1 and state = 'production'",
          [model],
        ),
        ...live.map((_, i) =>
          as('ci', i).call<{ production?: { version: string } }>(
            'GET',
            `/api/v1/models/${model}/serving`,
          ),
        ),
      ]);
      seen.maxRows = Math.max(seen.maxRows, Number(rows.rows[0]?.n ?? 0));
      for (const view of views)
        if (view.production) seen.servingVersions.add(view.production.version);
      seen.polls += 1;
    }
  } finally {
    await client.end();
  }
  return seen;
}

const runs = postgresForSuite('four servers on one PostgreSQL');

describe.runIf(runs)('200 concurrent promotions across four servers on one PostgreSQL', () => {
  beforeAll(async () => {
    database = await freshPostgresDatabase();
    dataDir = join(mkdtempSync(join(tmpdir(), 'clearance-race-')), 'data');
    const adminToken = await bootstrapLiveAdmin({ database: database.url, dataDir });
    const started = await Promise.all(
      Array.from({ length: servers }, () =>
        serveLive({ database: database?.url ?? '', dataDir, adminToken }),
      ),
    );
    live.push(...started);
    const first = serverFor(0);
    tokens.ci = await personTokenOn(first, 'ci.pipeline', ['mlops']);
    tokens.owner = await personTokenOn(first, 'olga.owner', ['model_owner']);
    tokens.tech = await personTokenOn(first, 'tess.tech', ['tech_lead']);
    const admin = createClient({ server: first.url, token: adminToken });
    await admin.call('POST', '/api/v1/models', {
      json: { name: model, ownerTeam: 'ml-platform', policy },
    });
  }, 240_000);

  afterAll(async () => {
    await Promise.all(live.map((server) => server.stop()));
    await database?.drop();
  });

  it('exactly one wins, 199 get 409, never two in production, and the log verifies', async () => {
    const ids: string[] = new Array(versions);
    const setupStarted = Date.now();
    await inBatches(versions, 20, async (i) => {
      ids[i] = await stageVersion(i);
    });
    const setupMs = Date.now() - setupStarted;

    const executes = Promise.all(
      ids.map(async (id, i) => {
        const response = await fetch(`${serverFor(i).url}/api/v1/requests/${id}/execute`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokens.ci}` },
        });
        const body = (await response.json()) as { code?: string; request?: { version: string } };
        return { status: response.status, type: response.headers.get('content-type'), body };
      }),
    );
    const watching = watchProduction(database?.url ?? '', executes);
    const results = await executes;
    const seen = await watching;

    const won = results.filter((r) => r.status === 200);
    const lost = results.filter((r) => r.status === 409);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(versions - 1);
    for (const r of lost) {
      expect(r.type).toMatch(/^application\/problem\+json/);
      expect(r.body.code).toBe('conflict');
    }
    const winner = won[0]?.body.request?.version;
    expect(seen.polls).toBeGreaterThan(0);
    expect(seen.maxRows).toBeLessThanOrEqual(1);
    expect([...seen.servingVersions].every((v) => v === winner)).toBe(true);
    const serving = await as('ci', 3).call<{ production?: { version: string } }>(
      'GET',
      `/api/v1/models/${model}/serving`,
    );
    expect(serving.production?.version).toBe(winner);

    const signed = await createClient({
      server: serverFor(1).url,
      token: live[0]?.adminToken ?? '',
    }).call<{ checkpoint: { size: number } }>('POST', '/api/v1/audit/checkpoints');
    expect(signed.checkpoint.size).toBeGreaterThan(versions * 7);
    const verify = await runCli([
      'audit',
      'verify',
      '--database',
      database?.url ?? '',
      '--data-dir',
      dataDir,
    ]);
    expect(verify.stderr).toBe('');
    expect(verify.status).toBe(0);
    console.info(`setup ${setupMs} ms for ${versions} versions on ${servers} servers`);
    // A guard against a hang, not a time limit on the promotions: alone it takes ~25 s, beside
    // the suite's three other workers on 2 cores 84–94 s, and once, with more load on the
    // machine, past the 120 s it had.
  }, 300_000);
});
