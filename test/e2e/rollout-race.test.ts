/**
 * A rollback switches serving at once, across server processes: two `clearance serve` on one
 * PostgreSQL, a canary running, readers polling `/serving` on both while a breaching KPI batch is
 * posted to one. No read that started after the batch's response arrived may show the canary.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FreshPostgres, freshPostgresDatabase, postgresForSuite } from '../store/engines.js';
import { type ClearanceClient, createClient } from './http-client.js';
import { bootstrapLiveAdmin, type LiveServer, personTokenOn, serveLive } from './live-server.js';

const model = 'race-canary';
// One-second windows decided 2 s after they end, so a live rollback happens in a test's time.
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
    approvals: [{ role: model_owner }]
    rollout:
      canary: { traffic: 10, duration: 1h }
      lateness: 2s
      triggers:
        - { metric: error_rate, op: ">=", threshold: 0.05, period: 1s, treatMissing: ignore, minSamples: 10 }
`;

let database: FreshPostgres | undefined;
const live: LiveServer[] = [];
const tokens = { ci: '', owner: '', tech: '', admin: '' };
const as = (who: keyof typeof tokens, i = 0): ClearanceClient =>
  createClient({ server: live[i % live.length]?.url ?? '', token: tokens[who] });

interface Read {
  startedAt: number;
  canary?: string;
  production?: string;
}

/** Reads `/serving` on `server` into `reads` until `stop()`. */
async function poll(server: LiveServer, stop: () => boolean, reads: Read[]): Promise<void> {
  while (!stop()) {
    const startedAt = performance.now();
    const response = await fetch(`${server.url}/api/v1/models/${model}/serving`, {
      headers: { authorization: `Bearer ${tokens.ci}` },
    });
    const body = (await response.json()) as {
      canary?: { version: string };
      production?: { version: string };
    };
    reads.push({
      startedAt,
      ...(body.canary ? { canary: body.canary.version } : {}),
      ...(body.production ? { production: body.production.version } : {}),
    });
  }
}

async function until(what: string, condition: () => boolean): Promise<void> {
  const ends = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > ends) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const runs = postgresForSuite('rollback racing readers on two servers');

describe.runIf(runs)('a rollback racing readers on two servers on one PostgreSQL', () => {
  beforeAll(async () => {
    database = await freshPostgresDatabase();
    const dataDir = join(mkdtempSync(join(tmpdir(), 'clearance-rollout-race-')), 'data');
    tokens.admin = await bootstrapLiveAdmin({ database: database.url, dataDir });
    const started = await Promise.all(
      [0, 1].map(() =>
        serveLive({ database: database?.url ?? '', dataDir, adminToken: tokens.admin }),
      ),
    );
    live.push(...started);
    const first = live[0] as LiveServer;
    tokens.ci = await personTokenOn(first, 'ci.pipeline', ['mlops']);
    tokens.owner = await personTokenOn(first, 'olga.owner', ['model_owner']);
    tokens.tech = await personTokenOn(first, 'tess.tech', ['tech_lead']);
    await as('admin').call('POST', '/api/v1/models', {
      json: { name: model, ownerTeam: 'ml-platform', policy },
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(live.map((server) => server.stop()));
    await database?.drop();
  });

  async function toStaging(version: string) {
    await as('ci').call('POST', `/api/v1/models/${model}/versions`, {
      json: {
        version,
        artifactUri: `s3://models/${model}/${version}`,
        artifactDigest: `sha256:${version.padStart(64, '0')}`,
      },
    });
    type Created = { request: { id: string } };
    const staging = await as('owner').call<Created>('POST', '/api/v1/requests', {
      json: { model, version, to: 'staging', reason: 'Candidate' },
    });
    await as('tech').call('POST', `/api/v1/requests/${staging.request.id}/approvals`, {
      json: { decision: 'approve', comment: 'ok', riskClass: 'low', role: 'tech_lead' },
    });
    await as('owner').call('POST', `/api/v1/requests/${staging.request.id}/execute`);
  }

  it('never serves the rolled-back canary after the rollback answer was sent', async () => {
    await as('ci').call('POST', `/api/v1/models/${model}/versions`, {
      json: {
        version: '1',
        artifactUri: 's3://m/1',
        artifactDigest: `sha256:${'1'.padStart(64, '0')}`,
      },
    });
    await as('admin').call('POST', `/api/v1/models/${model}/versions/1/import-production`, {
      json: { reason: 'Serving before Clearance' },
    });
    await toStaging('2');
    const production = await as('ci').call<{ request: { id: string } }>(
      'POST',
      '/api/v1/requests',
      {
        json: { model, version: '2', to: 'production', reason: 'Canary' },
      },
    );
    const id = production.request.id;
    await as('owner').call('POST', `/api/v1/requests/${id}/approvals`, {
      json: { decision: 'approve', comment: 'ok', riskClass: 'low', role: 'model_owner' },
    });
    const executed = await as('ci').call<{ rollout: { id: string } }>(
      'POST',
      `/api/v1/requests/${id}/execute`,
    );
    const rolloutId = executed.rollout.id;
    const rollout = await as('ci', 1).call<{ startedAt: string }>(
      'GET',
      `/api/v1/rollouts/${rolloutId}`,
    );

    let answeredAt = Number.POSITIVE_INFINITY;
    const started = Date.parse(rollout.startedAt);
    const post = (batchId: string, points: object[]) =>
      as('ci', 0).call<{ rollout: { status: string } }>(
        'POST',
        `/api/v1/rollouts/${rolloutId}/observations`,
        { json: { batchId, points } },
      );
    // Errors at 50% in the first one-second window, received before it is decided.
    const at = new Date(started + 100).toISOString();
    const breach = await post('breach', [
      { series: 'error_rate', arm: 'candidate', at, successes: 50, trials: 100 },
      { series: 'error_rate', arm: 'control', at, successes: 0, trials: 100 },
    ]);
    expect(breach.rollout.status).toBe('running');

    let stop = false;
    const reads: Read[] = [];
    const readers = [0, 1, 0, 1].map((i) => poll(live[i] as LiveServer, () => stop, reads));
    try {
      // Once the window's lateness has passed, the next batch (on server 0) decides it.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + 3100 - Date.now())));
      const now = new Date().toISOString();
      const answer = await post('next', [
        { series: 'error_rate', arm: 'control', at: now, successes: 0, trials: 100 },
      ]);
      answeredAt = performance.now();
      expect(answer.rollout.status).toBe('rolled_back');
      // Counted, not slept: a loaded machine may answer few reads in any fixed time.
      await until(
        'reads after the answer',
        () => reads.filter((r) => r.startedAt >= answeredAt).length > 10,
      );
    } finally {
      stop = true;
    }
    await Promise.all(readers);
    const before = reads.filter((r) => r.startedAt < answeredAt);
    const after = reads.filter((r) => r.startedAt >= answeredAt);
    // The readers saw the canary while it ran, and never once after the rollback's answer.
    expect(before.some((r) => r.canary === '2')).toBe(true);
    expect(after.length).toBeGreaterThan(10);
    expect(after.filter((r) => r.canary !== undefined)).toEqual([]);
    expect(reads.every((r) => r.production === '1')).toBe(true);
  }, 60_000);
});
