import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from '../cli/run-cli.js';
import type { ClearanceClient } from './http-client.js';
import { createClient } from './http-client.js';
import { type LiveServer, personOn, startLiveServer } from './live-server.js';

/**
 * The source document's worked examples, end to end against a live `clearance serve` over HTTP:
 * credit risk needs model owner, risk officer and compliance officer; medical imaging needs two
 * distinct people (senior clinician and model owner); the recommender needs model owner and
 * product owner.
 */
const examples = join(repoRoot, 'examples');

interface Request {
  id: string;
  status: string;
}

async function register(client: ClearanceClient, model: string, version: string, dir: string) {
  const root = join(examples, dir);
  const files = readdirSync(root).sort();
  const lineage = files.includes('lineage.json')
    ? JSON.parse(readFileSync(join(root, 'lineage.json'), 'utf8'))
    : {};
  const digest = `sha256:${createHash('sha256').update(`${model}@${version}`).digest('hex')}`;
  await client.call('POST', `/api/v1/models/${model}/versions`, {
    json: {
      version,
      artifactUri: `s3://models/${model}/${version}`,
      artifactDigest: digest,
      lineage,
    },
  });
  for (const path of files) {
    const bytes = new Uint8Array(readFileSync(join(root, path)));
    await client.call('POST', `/api/v1/models/${model}/versions/${version}/evidence`, {
      bytes,
      query: { path },
    });
  }
}

async function request(client: ClearanceClient, json: Record<string, string>) {
  return (await client.call<{ request: Request }>('POST', '/api/v1/requests', { json })).request;
}

async function approve(client: ClearanceClient, id: string, role: string, ticket?: string) {
  const json = {
    decision: 'approve',
    role,
    comment: `Reviewed as ${role}`,
    riskClass: 'medium',
    ...(ticket ? { ticket } : {}),
  };
  return client.call<{ request: Request }>('POST', `/api/v1/requests/${id}/approvals`, { json });
}

async function refusal(work: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await work;
  } catch (error) {
    return { code: (error as { code: string }).code, message: (error as Error).message };
  }
  throw new Error('expected a refusal');
}

let server: LiveServer;
let admin: ClearanceClient;

beforeAll(async () => {
  server = await startLiveServer();
  admin = createClient({ server: server.url, token: server.adminToken });
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('credit risk (regulated): model owner, risk officer and compliance officer', () => {
  it('promotes only after all three sign-offs, and rolls back to the previous scorecard', async () => {
    const policy = readFileSync(join(examples, 'credit-risk', 'policy.yaml'), 'utf8');
    await admin.call('POST', '/api/v1/models', {
      json: { name: 'credit-risk-pd', ownerTeam: 'credit', policy },
    });
    const ci = await personOn(server, 'ci.pipeline', ['mlops']);
    const owner = await personOn(server, 'olga.owner', ['model_owner']);
    const tech = await personOn(server, 'tess.tech', ['tech_lead']);
    const risk = await personOn(server, 'rob.risk', ['risk_officer']);
    const compliance = await personOn(server, 'cora.compliance', ['compliance_officer']);

    await register(ci, 'credit-risk-pd', '2026.1', 'credit-risk/baseline');
    await admin.call('POST', '/api/v1/models/credit-risk-pd/versions/2026.1/import-production', {
      json: { reason: 'Served since 2026-01 under the manual process', ticket: 'RISK-1' },
    });
    await register(ci, 'credit-risk-pd', '2026.2', 'credit-risk/candidates/passing');

    const staging = await request(owner, {
      model: 'credit-risk-pd',
      version: '2026.2',
      to: 'staging',
      reason: 'Ready for validation',
    });
    await approve(tech, staging.id, 'tech_lead');
    await owner.call('POST', `/api/v1/requests/${staging.id}/execute`);

    const prod = await request(ci, {
      model: 'credit-risk-pd',
      version: '2026.2',
      to: 'production',
      reason: 'Quarterly refresh',
      ticket: 'RISK-2041',
    });
    await approve(owner, prod.id, 'model_owner', 'RISK-2041');
    await approve(risk, prod.id, 'risk_officer', 'RISK-2041');
    const early = await refusal(ci.call('POST', `/api/v1/requests/${prod.id}/execute`));
    expect(early.code).toBe('precondition_failed');
    expect(early.message).toMatch(/compliance_officer/);

    const last = await approve(compliance, prod.id, 'compliance_officer', 'RISK-2041');
    expect(last.request.status).toBe('approved');
    const executed = await ci.call<{ request: Request; demoted?: string }>(
      'POST',
      `/api/v1/requests/${prod.id}/execute`,
    );
    expect(executed.request.status).toBe('executed');
    expect(executed.demoted).toBe('2026.1');

    const serving = await ci.call<{
      production: { version: string };
      rollbackTarget: { version: string };
    }>('GET', '/api/v1/models/credit-risk-pd/serving');
    expect(serving.production.version).toBe('2026.2');
    expect(serving.rollbackTarget.version).toBe('2026.1');

    // The CLI client against the same live server: roll back, with a reason and ticket.
    const run = await runCli([
      'rollback',
      'credit-risk-pd',
      '--reason',
      'Approval rate drifted',
      '--ticket',
      'RISK-2042',
      '--server',
      server.url,
      '--token',
      server.adminToken,
    ]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('from 2026.2 to 2026.1');
  });

  it('refuses the requester as an approver, and audits the attempt', async () => {
    const ci = await personOn(server, 'ci.two', ['mlops']);
    await register(ci, 'credit-risk-pd', '2026.3', 'credit-risk/candidates/passing');
    const bob = await personOn(server, 'bob.both', ['model_owner', 'tech_lead']);
    const r = await request(bob, {
      model: 'credit-risk-pd',
      version: '2026.3',
      to: 'staging',
      reason: 'Mine',
    });
    const refused = await refusal(approve(bob, r.id, 'tech_lead'));
    expect(refused.code).toBe('forbidden');
    const page = await admin.call<{
      entries: { entry: { action: string; actor: { id: string } } }[];
    }>('GET', '/api/v1/audit/entries', { query: { from: '0', limit: '1000' } });
    const denied = page.entries.map((e) => e.entry).filter((e) => e.action === 'access.denied');
    expect(denied.map((e) => e.actor.id)).toContain('bob.both');
  });
});

describe('medical imaging (safety critical): two distinct people', () => {
  it('needs a senior clinician and a model owner who are not the same person', async () => {
    const policy = readFileSync(join(examples, 'medical-imaging', 'policy.yaml'), 'utf8');
    await admin.call('POST', '/api/v1/models', {
      json: { name: 'chest-xray-triage', ownerTeam: 'radiology', policy },
    });
    const ci = await personOn(server, 'cxr.ci', ['mlops']);
    const owner = await personOn(server, 'mo.owner', ['model_owner']);
    const tech = await personOn(server, 'tl.lead', ['tech_lead']);
    const doctorOwner = await personOn(server, 'dr.both', ['senior_clinician', 'model_owner']);
    const clinician = await personOn(server, 'dr.senior', ['senior_clinician']);

    await register(ci, 'chest-xray-triage', '3.2.0', 'medical-imaging/candidates/passing');
    const staging = await request(owner, {
      model: 'chest-xray-triage',
      version: '3.2.0',
      to: 'staging',
      reason: 'Clinical validation',
    });
    await approve(tech, staging.id, 'tech_lead');
    await owner.call('POST', `/api/v1/requests/${staging.id}/execute`);

    const prod = await request(ci, {
      model: 'chest-xray-triage',
      version: '3.2.0',
      to: 'production',
      reason: 'Go live',
      ticket: 'CAB-88',
    });
    await approve(doctorOwner, prod.id, 'senior_clinician', 'CAB-88');
    const samePerson = await refusal(approve(doctorOwner, prod.id, 'model_owner', 'CAB-88'));
    expect(samePerson.code).toBe('forbidden');
    expect((await refusal(ci.call('POST', `/api/v1/requests/${prod.id}/execute`))).code).toBe(
      'precondition_failed',
    );

    await approve(owner, prod.id, 'model_owner', 'CAB-88');
    const executed = await ci.call<{ request: Request }>(
      'POST',
      `/api/v1/requests/${prod.id}/execute`,
    );
    expect(executed.request.status).toBe('executed');
    expect(clinician).toBeDefined();
  });
});

describe('recommender (consumer web): model owner and product owner', () => {
  it('promotes after both sign-offs, with the CTR lift judged against production', async () => {
    const policy = readFileSync(join(examples, 'recommender', 'policy.yaml'), 'utf8');
    await admin.call('POST', '/api/v1/models', {
      json: { name: 'home-feed-recommender', ownerTeam: 'discovery', policy },
    });
    const ci = await personOn(server, 'rec.ci', ['mlops']);
    const owner = await personOn(server, 'rec.owner', ['model_owner']);
    const tech = await personOn(server, 'rec.tech', ['tech_lead']);
    const product = await personOn(server, 'rec.product', ['product_owner']);

    await register(ci, 'home-feed-recommender', '6.9.0', 'recommender/baseline');
    await admin.call(
      'POST',
      '/api/v1/models/home-feed-recommender/versions/6.9.0/import-production',
      {
        json: { reason: 'Serving before Clearance' },
      },
    );
    await register(ci, 'home-feed-recommender', '7.0.0', 'recommender/candidates/passing');
    const staging = await request(owner, {
      model: 'home-feed-recommender',
      version: '7.0.0',
      to: 'staging',
      reason: 'Offline eval done',
    });
    await approve(tech, staging.id, 'tech_lead');
    await owner.call('POST', `/api/v1/requests/${staging.id}/execute`);

    const prod = await request(ci, {
      model: 'home-feed-recommender',
      version: '7.0.0',
      to: 'production',
      reason: 'CTR +10%',
    });
    await approve(owner, prod.id, 'model_owner');
    expect((await refusal(ci.call('POST', `/api/v1/requests/${prod.id}/execute`))).code).toBe(
      'precondition_failed',
    );
    await approve(product, prod.id, 'product_owner');
    const executed = await ci.call<{ request: Request }>(
      'POST',
      `/api/v1/requests/${prod.id}/execute`,
    );
    expect(executed.request.status).toBe('executed');
    // The policy's canary: 6.9.0 keeps production, 7.0.0 takes 10% while the triggers watch.
    const serving = await ci.call<{
      production: { version: string };
      canary: { version: string; traffic: number };
    }>('GET', '/api/v1/models/home-feed-recommender/serving');
    expect(serving.production.version).toBe('6.9.0');
    expect(serving.canary).toMatchObject({ version: '7.0.0', traffic: 10 });
    const history = await ci.call<{ answer: { version: string | null } | null }>(
      'GET',
      '/api/v1/models/home-feed-recommender/history',
    );
    expect(JSON.stringify(history)).toContain('7.0.0');
  });
});
