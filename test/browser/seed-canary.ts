/**
 * A canary that rolls back on a live server, for the rollout page: one-second windows (decided
 * 2 s after they end) so a real clock gets there in a test's time. Windows 0 and 1 pass, window
 * 2 carries a 50% error rate and rolls the canary back when the next batch decides it.
 */
import { createClient } from '../e2e/http-client.js';
import { type LiveServer, personTokenOn } from '../e2e/live-server.js';

const canaryModel = 'feed-ranker';
const runningModel = 'feed-ranker-eu';

const policy = `apiVersion: clearance/v1
kind: Policy
metadata: { name: ${canaryModel}, riskTier: medium, owner: ml-platform }
roles: [model_owner, tech_lead, mlops, product_owner]
transitions:
  - from: draft
    to: staging
    requestedBy: [model_owner]
    approvals: [{ role: tech_lead }]
  - from: staging
    to: production
    requestedBy: [mlops]
    approvals: [{ role: product_owner }]
    rollout:
      canary: { traffic: 10, duration: 1h }
      lateness: 2s
      triggers:
        - { metric: error_rate, op: ">=", threshold: 0.05, period: 1s, treatMissing: ignore, minSamples: 10 }
`;

export interface SeededCanary {
  rolloutId: string;
  /** A second model whose canary is still running (no KPIs yet, traffic 10%). */
  running: { model: string; rolloutId: string };
  /** product_owner: may act on the rollout. */
  productToken: string;
}

export async function seedRolledBackCanary(server: LiveServer): Promise<SeededCanary> {
  const admin = createClient({ server: server.url, token: server.adminToken });
  await admin.call('POST', '/api/v1/models', {
    json: { name: canaryModel, ownerTeam: 'ml-platform', policy },
  });
  const as = async (id: string, roles: string[]) =>
    createClient({ server: server.url, token: await personTokenOn(server, id, roles) });
  const productToken = await personTokenOn(server, 'pia.product', ['product_owner']);
  const product = createClient({ server: server.url, token: productToken });
  const ci = await as('cid.pipeline', ['mlops']);
  const owner = await as('owen.owner', ['model_owner']);
  const tech = await as('ted.tech', ['tech_lead']);
  const startCanary = async (name: string): Promise<string> => {
    const version = (v: string) =>
      ci.call('POST', `/api/v1/models/${name}/versions`, {
        json: {
          version: v,
          artifactUri: `s3://models/${canaryModel}/${v}`,
          artifactDigest: `sha256:${v.padStart(64, '0')}`,
        },
      });
    type Created = { request: { id: string } };
    const approve = (client: typeof ci, id: string, role: string) =>
      client.call('POST', `/api/v1/requests/${id}/approvals`, {
        json: { decision: 'approve', comment: 'ok', riskClass: 'low', role },
      });
    await version('1');
    await admin.call('POST', `/api/v1/models/${name}/versions/1/import-production`, {
      json: { reason: 'Serving before Clearance' },
    });
    await version('2');
    const staging = await owner.call<Created>('POST', '/api/v1/requests', {
      json: { model: name, version: '2', to: 'staging', reason: 'Candidate' },
    });
    await approve(tech, staging.request.id, 'tech_lead');
    await owner.call('POST', `/api/v1/requests/${staging.request.id}/execute`);
    const production = await ci.call<Created>('POST', '/api/v1/requests', {
      json: { model: name, version: '2', to: 'production', reason: 'Canary' },
    });
    await approve(product, production.request.id, 'product_owner');
    const executed = await ci.call<{ rollout: { id: string } }>(
      'POST',
      `/api/v1/requests/${production.request.id}/execute`,
    );
    return executed.rollout.id;
  };
  const rolloutId = await startCanary(canaryModel);
  const { startedAt } = await ci.call<{ startedAt: string }>(
    'GET',
    `/api/v1/rollouts/${rolloutId}`,
  );
  const started = Date.parse(startedAt);
  const errors = (window: number, failures: number) => {
    const at = new Date(started + window * 1000 + 100).toISOString();
    return [
      { series: 'error_rate', arm: 'candidate', at, successes: failures, trials: 100 },
      { series: 'error_rate', arm: 'control', at, successes: 1, trials: 100 },
    ];
  };
  const post = (batchId: string, points: object[]) =>
    ci.call<{ rollout: { status: string } }>('POST', `/api/v1/rollouts/${rolloutId}/observations`, {
      json: { batchId, points },
    });
  await post('w0-w2', [...errors(0, 1), ...errors(1, 2), ...errors(2, 50)]);
  // Past window 2's end plus its lateness, the next batch decides windows 0–2.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + 5200 - Date.now())));
  // The server's own rollout job may decide those windows first on a loaded host (it runs on a
  // timer); then the batch is refused, the rollout having rolled back already. Either way the
  // rollout's status, read back, is what the pages show.
  await post('after', errors(5, 1)).catch((error: unknown) => {
    if (
      !(
        error instanceof Error &&
        /is rolled_back; it takes no more observations/.test(error.message)
      )
    )
      throw error;
  });
  const { status } = await ci.call<{ status: string }>('GET', `/api/v1/rollouts/${rolloutId}`);
  if (status !== 'rolled_back') throw new Error(`the canary did not roll back: ${status}`);
  // Same policy, no KPIs posted: its canary stays running for the board's badge.
  await admin.call('POST', '/api/v1/models', {
    json: { name: runningModel, ownerTeam: 'ml-platform', policy },
  });
  const running = { model: runningModel, rolloutId: await startCanary(runningModel) };
  return { rolloutId, running, productToken };
}
