/**
 * A release whose post-incident review is overdue, seeded before the live server starts: an
 * in-process server over the same database runs on a clock three days behind (the app layer's
 * injectable `clock`), a break-glass engineer executes an emergency change to production there,
 * and its review (due within two days) is a day overdue when `clearance serve` opens the
 * database on the real clock. The emergency bypasses no gate, so the expiry job the real server
 * runs regularises it and production keeps the hotfix.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapAdmin } from '../../src/app/index.js';
import { openRegistry, startServer, uuidV7 } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import { type ClearanceClient, createClient } from '../e2e/http-client.js';
import { type LiveServer, personTokenOn, serveLive } from '../e2e/live-server.js';

export const overdueModel = 'fraud-screen';
export const hotfix = '4.1.1';
const daysBehind = 3;

const policy = `apiVersion: clearance/v1
kind: Policy
metadata: { name: ${overdueModel}, riskTier: high, owner: payments }
roles: [model_owner, tech_lead, mlops, risk_officer, break_glass]
transitions:
  - from: draft
    to: staging
    requestedBy: [model_owner]
    approvals: [{ role: tech_lead }]
  - from: staging
    to: production
    requestedBy: [mlops]
    approvals: [{ role: risk_officer }]
changeTypes:
  emergency:
    allowedBy: [break_glass]
    expiresAfter: 1d
    approvals: [{ role: risk_officer }]
    postIncidentReview: { dueWithin: 2d, approvals: [{ role: risk_officer }] }
`;

export interface OverdueRelease {
  server: LiveServer;
  /** When its post-incident review fell due (a day before the live server started). */
  reviewDueAt: Date;
  emergencyRequest: string;
}

/** Seeds `database` (an empty SQLite file or a migrated PostgreSQL database), then serves it. */
export async function serveOverdueReview(database?: string): Promise<OverdueRelease> {
  const dir = mkdtempSync(join(tmpdir(), 'clearance-overdue-'));
  const db = database ?? `sqlite:${join(dir, 'registry.db')}`;
  const dataDir = join(dir, 'data');
  const config = loadConfig({
    env: {},
    flags: { database: db, dataDir, port: 0, checkpointIntervalSeconds: 0 },
  });
  const opened = await openRegistry(config);
  const clock = { now: () => new Date(Date.now() - daysBehind * 24 * 3600 * 1000) };
  const registry = { ...opened, deps: { ...opened.deps, clock, ids: uuidV7(clock) } };
  const { token } = await bootstrapAdmin(registry.deps, { userId: 'alice.admin' });
  const past = await startServer(registry);
  let seeded: { id: string; reviewDueAt: Date };
  try {
    seeded = await seedEmergency({ url: past.url, adminToken: token.token });
  } finally {
    await past.close();
  }
  const server = await serveLive({ database: db, dataDir, adminToken: token.token });
  return { server, reviewDueAt: seeded.reviewDueAt, emergencyRequest: seeded.id };
}

async function seedEmergency(server: { url: string; adminToken: string }) {
  const admin = createClient({ server: server.url, token: server.adminToken });
  await admin.call('POST', '/api/v1/models', {
    json: { name: overdueModel, ownerTeam: 'payments', policy },
  });
  const as = async (id: string, roles: string[]) =>
    createClient({ server: server.url, token: await personTokenOn(server, id, roles) });
  const ci = await as('pat.pipeline', ['mlops']);
  const owner = await as('oona.owner', ['model_owner']);
  const tech = await as('tim.tech', ['tech_lead']);
  const breakGlass = await as('bea.breakglass', ['break_glass']);
  const onCall = await as('otto.oncall', ['risk_officer']);
  for (const version of ['4.1.0', hotfix]) {
    await ci.call('POST', `/api/v1/models/${overdueModel}/versions`, {
      json: {
        version,
        artifactUri: `s3://models/${overdueModel}/${version}`,
        artifactDigest: `sha256:${version.replaceAll('.', '').padStart(64, '0')}`,
      },
    });
    await toStaging(owner, tech, version);
  }
  const serving = await request(ci, { version: '4.1.0', to: 'production', reason: 'Launch' });
  await approve(onCall, serving);
  await ci.call('POST', `/api/v1/requests/${serving}/execute`);
  const id = await request(breakGlass, {
    version: hotfix,
    to: 'production',
    changeType: 'emergency',
    reason: 'Card-testing attack slips past the screen; hotfix now',
    ticket: 'PAY-77',
  });
  await approve(onCall, id);
  await breakGlass.call('POST', `/api/v1/requests/${id}/execute`);
  const executed = await admin.call<{ request: { status: string; reviewDueAt?: string } }>(
    'GET',
    `/api/v1/requests/${id}`,
  );
  if (executed.request.status !== 'executed' || !executed.request.reviewDueAt) {
    throw new Error(`the emergency was not executed: ${JSON.stringify(executed.request)}`);
  }
  return { id, reviewDueAt: new Date(executed.request.reviewDueAt) };
}

async function request(client: ClearanceClient, json: Record<string, string>): Promise<string> {
  const body = { model: overdueModel, ...json };
  const created = await client.call<{ request: { id: string } }>('POST', '/api/v1/requests', {
    json: body,
  });
  return created.request.id;
}

async function approve(client: ClearanceClient, id: string): Promise<void> {
  await client.call('POST', `/api/v1/requests/${id}/approvals`, {
    json: {
      decision: 'approve',
      role: 'risk_officer',
      comment: 'On call: ship it',
      riskClass: 'high',
    },
  });
}

async function toStaging(owner: ClearanceClient, tech: ClearanceClient, version: string) {
  const id = await request(owner, { version, to: 'staging', reason: 'Ready for validation' });
  await tech.call('POST', `/api/v1/requests/${id}/approvals`, {
    json: { decision: 'approve', role: 'tech_lead', comment: 'Looks right', riskClass: 'low' },
  });
  await owner.call('POST', `/api/v1/requests/${id}/execute`);
}
