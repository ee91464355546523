/**
 * The browser tests' data: a live `clearance serve` (test/e2e/live-server.ts) holding the
 * credit-risk worked example (examples/credit-risk) part-way through its release, so every page
 * has something to show:
 * - 2026.1 serves production (imported from before Clearance);
 * - 2026.2 (the passing candidate) is in staging with a production request signed by the model
 *   owner, waiting for the risk officer and the compliance officer;
 * - 2026.3 (the failing candidate) is in staging with a production request whose gates fail;
 * - then 2026.1-hotfix1 went to production as an emergency change (break glass, AUC and KS
 *   bypassed): its post-incident review is due from a risk officer, and the model owner's
 *   sign-off on 2026.2 no longer counts, since the production evidence it compared with changed.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../cli/run-cli.js';
import { type ClearanceClient, createClient } from '../e2e/http-client.js';
import { type LiveServer, personTokenOn } from '../e2e/live-server.js';

export const model = 'credit-risk-pd';

interface Request {
  id: string;
  status: string;
}

export interface SeededRelease {
  tokens: {
    admin: string;
    /**
     * ci.pipeline (mlops, and compliance officer): requested both production transitions, so
     * separation of duties bars them from signing either.
     */
    requester: string;
    owner: string;
    risk: string;
    compliance: string;
  };
  /** 2026.2 → production, signed by the model owner only. */
  passingRequest: string;
  /** 2026.3 → production, its fairness gate failing. */
  failingRequest: string;
  /** 2026.1-hotfix1 → production, executed as an emergency; its review is due. */
  emergencyRequest: string;
}

const examples = join(repoRoot, 'examples', 'credit-risk');

async function register(client: ClearanceClient, version: string, dir: string): Promise<void> {
  const root = join(examples, dir);
  const files = readdirSync(root).sort();
  const lineage = JSON.parse(readFileSync(join(root, 'lineage.json'), 'utf8'));
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

async function request(client: ClearanceClient, json: Record<string, string>): Promise<string> {
  return (await client.call<{ request: Request }>('POST', '/api/v1/requests', { json })).request.id;
}

async function approve(client: ClearanceClient, id: string, role: string, ticket?: string) {
  await client.call('POST', `/api/v1/requests/${id}/approvals`, {
    json: {
      decision: 'approve',
      role,
      comment: `Reviewed as ${role}`,
      riskClass: 'medium',
      ...(ticket ? { ticket } : {}),
    },
  });
}

async function toStaging(input: {
  owner: ClearanceClient;
  tech: ClearanceClient;
  version: string;
}): Promise<void> {
  const id = await request(input.owner, {
    model,
    version: input.version,
    to: 'staging',
    reason: 'Ready for validation',
  });
  await approve(input.tech, id, 'tech_lead');
  await input.owner.call('POST', `/api/v1/requests/${id}/execute`);
}

export async function seedCreditRisk(server: LiveServer): Promise<SeededRelease> {
  const admin = createClient({ server: server.url, token: server.adminToken });
  const policy = readFileSync(join(examples, 'policy.yaml'), 'utf8');
  await admin.call('POST', '/api/v1/models', {
    json: { name: model, ownerTeam: 'credit', policy },
  });
  const token = (id: string, roles: string[]) => personTokenOn(server, id, roles);
  const tokens = {
    admin: server.adminToken,
    requester: await token('ci.pipeline', ['mlops', 'compliance_officer']),
    owner: await token('olga.owner', ['model_owner']),
    risk: await token('rob.risk', ['risk_officer']),
    compliance: await token('cora.compliance', ['compliance_officer']),
  };
  const as = (t: string) => createClient({ server: server.url, token: t });
  const ci = as(tokens.requester);
  const owner = as(tokens.owner);
  const tech = as(await token('tess.tech', ['tech_lead']));

  await register(ci, '2026.1', 'baseline');
  await admin.call('POST', `/api/v1/models/${model}/versions/2026.1/import-production`, {
    json: { reason: 'Served since 2026-01 under the manual process', ticket: 'RISK-1' },
  });
  await register(ci, '2026.2', 'candidates/passing');
  await register(ci, '2026.3', 'candidates/failing');
  await toStaging({ owner, tech, version: '2026.2' });
  await toStaging({ owner, tech, version: '2026.3' });
  const production = { model, to: 'production', reason: 'Quarterly refresh', ticket: 'RISK-2041' };
  const passingRequest = await request(ci, { ...production, version: '2026.2' });
  await approve(owner, passingRequest, 'model_owner', 'RISK-2041');
  const failingRequest = await request(ci, { ...production, version: '2026.3' });
  const emergencyRequest = await emergency({ server, ci, owner, tech });
  return { tokens, passingRequest, failingRequest, emergencyRequest };
}

async function emergency(input: {
  server: LiveServer;
  ci: ClearanceClient;
  owner: ClearanceClient;
  tech: ClearanceClient;
}): Promise<string> {
  const version = '2026.1-hotfix1';
  await register(input.ci, version, 'candidates/hotfix');
  await toStaging({ owner: input.owner, tech: input.tech, version });
  const breakGlass = createClient({
    server: input.server.url,
    token: await personTokenOn(input.server, 'bob.breakglass', ['break_glass']),
  });
  const id = await request(breakGlass, {
    model,
    version,
    to: 'production',
    changeType: 'emergency',
    reason: 'Scorecard mis-scores self-employed applicants; hotfix now',
    ticket: 'RISK-911',
  });
  // The policy's on-call sign-off no emergency bypasses (a risk officer other than the reviewer).
  const onCall = createClient({
    server: input.server.url,
    token: await personTokenOn(input.server, 'ria.oncall', ['risk_officer']),
  });
  await approve(onCall, id, 'risk_officer', 'RISK-911');
  await breakGlass.call('POST', `/api/v1/requests/${id}/execute`);
  return id;
}
