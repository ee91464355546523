/**
 * The credit-risk example over HTTP, on the real use cases and the in-memory store: register,
 * upload evidence, request, three sign-offs by different people, execute, serving.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedIdempotency } from '../../src/app/index.js';
import {
  evidenceFiles,
  examplesDir,
  type Harness,
  harness,
  seedProduction,
} from '../app/harness.js';
import { testIdentity } from './fixture.js';
import { serveHarness } from './serve-harness.js';

const model = 'credit-risk-pd';
const identity = testIdentity();
const as = {
  admin: identity.bearer('alice.admin', 'admin'),
  ci: identity.bearer('ci.pipeline', 'mlops'),
  mlops: identity.bearer('max.mlops', 'mlops'),
  owner: identity.bearer('olga.owner', 'model_owner'),
  tech: identity.bearer('tess.tech', 'tech_lead'),
  risk: identity.bearer('rob.risk', 'risk_officer'),
  compliance: identity.bearer('cora.compliance', 'compliance_officer'),
};

let h: Harness;
let app: FastifyInstance;

beforeAll(() => {
  h = harness();
  // As `clearance serve` wires it: keys shared through the store, claimed with the action.
  const idempotency = sharedIdempotency({ store: h.deps.store, clock: h.clock });
  app = serveHarness(h, {
    directory: identity.directory,
    bodyLimitBytes: 16 * 1024 * 1024,
    idempotency,
  });
});
afterAll(() => app.close());

async function call(
  method: 'GET' | 'POST',
  url: string,
  authorization: string,
  payload?: Record<string, unknown>,
) {
  const response = await app.inject({
    method,
    url,
    headers: { authorization },
    ...(payload ? { payload } : {}),
  });
  if (response.statusCode >= 400) throw new Error(`${method} ${url}: ${response.body}`);
  return response;
}

async function addVersion(version: string, dir: string) {
  const lineage = JSON.parse(readFileSync(join(examplesDir, dir, 'lineage.json'), 'utf8'));
  const created = await call('POST', `/api/v1/models/${model}/versions`, as.ci, {
    version,
    artifactUri: `s3://models/${model}/${version}`,
    artifactDigest: `sha256:${'ab'.repeat(32)}`,
    lineage,
  });
  expect(created.statusCode).toBe(201);
  for (const file of evidenceFiles(dir)) {
    const upload = await app.inject({
      method: 'POST',
      url: `/api/v1/models/${model}/versions/${version}/evidence?path=${encodeURIComponent(file.path)}`,
      headers: { authorization: as.ci, 'content-type': 'application/octet-stream' },
      payload: Buffer.from(file.bytes),
    });
    expect(upload.statusCode, upload.body).toBe(201);
  }
}

async function transition(input: {
  version: string;
  to: string;
  by: string;
  ticket?: string;
  approvals: [string, string][];
}) {
  const requested = await call('POST', '/api/v1/requests', input.by, {
    model,
    version: input.version,
    to: input.to,
    reason: `Promote to ${input.to}`,
    ...(input.ticket ? { ticket: input.ticket } : {}),
  });
  const id: string = requested.json().request.id;
  for (const [who, role] of input.approvals) {
    const approval = await call('POST', `/api/v1/requests/${id}/approvals`, who, {
      decision: 'approve',
      role,
      comment: `Reviewed as ${role}`,
      riskClass: 'medium',
      ...(input.ticket ? { ticket: input.ticket } : {}),
    });
    expect(approval.statusCode).toBe(201);
  }
  return id;
}

describe('credit-risk over HTTP', () => {
  it('registers, gathers three sign-offs, executes and serves the new version', async () => {
    const policy = readFileSync(join(examplesDir, 'credit-risk', 'policy.yaml'), 'utf8');
    const registered = await call('POST', '/api/v1/models', as.admin, {
      name: model,
      ownerTeam: 'risk-ml',
      policy,
    });
    expect(registered.statusCode).toBe(201);
    expect(registered.json()).toMatchObject({
      name: model,
      policyDigest: expect.stringMatching(/^sha256:/),
    });

    await addVersion('2026.1', 'credit-risk/baseline');
    await seedProduction(h, model, '2026.1');
    await addVersion('2026.2', 'credit-risk/candidates/passing');

    const staging = await transition({
      version: '2026.2',
      to: 'staging',
      by: as.owner,
      approvals: [[as.tech, 'tech_lead']],
    });
    await call('POST', `/api/v1/requests/${staging}/execute`, as.owner);

    const ticket = 'RISK-101';
    const production = await transition({
      version: '2026.2',
      to: 'production',
      by: as.mlops,
      ticket,
      approvals: [
        [as.owner, 'model_owner'],
        [as.risk, 'risk_officer'],
      ],
    });
    const inbox = await call('GET', '/api/v1/inbox', as.compliance);
    const items = inbox.json() as {
      request: { id: string; requestedAt: string };
      decideBy: string;
    }[];
    expect(items.map((i) => i.request.id)).toContain(production);
    // Due date: the policy sets no `requests.expireAfter`, so the default of 14 days applies.
    for (const item of items)
      expect(Date.parse(item.decideBy) - Date.parse(item.request.requestedAt)).toBe(
        14 * 24 * 60 * 60 * 1000,
      );

    // One Idempotency-Key for the whole attempt: the refusal records a decision but changes
    // nothing, so the key stays free for the retry once the last sign-off is in.
    const execute = { authorization: as.mlops, 'idempotency-key': 'execute-production' };
    const early = await app.inject({
      method: 'POST',
      url: `/api/v1/requests/${production}/execute`,
      headers: execute,
    });
    expect(early.statusCode).toBe(412);
    expect(early.json().code).toBe('precondition_failed');

    await call('POST', `/api/v1/requests/${production}/approvals`, as.compliance, {
      decision: 'approve',
      role: 'compliance_officer',
      comment: 'Reviewed as compliance_officer',
      riskClass: 'medium',
      ticket,
    });
    const executed = await app.inject({
      method: 'POST',
      url: `/api/v1/requests/${production}/execute`,
      headers: execute,
    });
    expect(executed.statusCode).toBe(200);
    expect(executed.headers['idempotent-replayed']).toBeUndefined();
    expect(executed.json().request.status).toBe('executed');
    const again = await app.inject({
      method: 'POST',
      url: `/api/v1/requests/${production}/execute`,
      headers: execute,
    });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(executed.body);

    const serving = await call('GET', `/api/v1/models/${model}/serving`, as.ci);
    expect(serving.json()).toMatchObject({
      model,
      production: { version: '2026.2' },
      rollbackTarget: { version: '2026.1' },
    });

    const detail = await call('GET', `/api/v1/requests/${production}`, as.risk);
    expect(detail.json().approvals).toHaveLength(3);
    const decisionId: string = executed.json().decision.id;
    const decision = await call('GET', `/api/v1/decisions/${decisionId}`, as.risk);
    expect(decision.json()).toMatchObject({ id: decisionId, outcome: 'allowed' });
    const replay = await call('POST', `/api/v1/decisions/${decisionId}/replay`, as.risk);
    expect(replay.json().reproduced).toBe(true);

    const versions = await call('GET', `/api/v1/models/${model}/versions`, as.risk);
    const states = Object.fromEntries(
      versions.json().map((v: { version: string; state: string }) => [v.version, v.state]),
    );
    expect(states['2026.2']).toBe('production');
  });

  it('answers a role refusal from the use cases with 403', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/models',
      headers: { authorization: as.risk },
      payload: {
        name: 'another',
        ownerTeam: 'x',
        policy: readFileSync(join(examplesDir, 'credit-risk', 'policy.yaml'), 'utf8'),
      },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().code).toBe('forbidden');
  });
});
