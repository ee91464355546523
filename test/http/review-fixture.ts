/** An emergency hotfix signed off and executed under bypass, and a server over the same use cases with real tokens. */
import {
  bootstrapAdmin,
  createToken,
  createUser,
  executeTransition,
  grantRole,
  requestTransition,
  type UseCases,
} from '../../src/app/index.js';
import {
  addVersion,
  creditRiskHotfix,
  people,
  type StoreHarness,
  seedProduction,
  setupModel,
  signOffEmergency,
  toStaging,
} from '../app/harness.js';
import { serveHarness } from './serve-harness.js';

const model = 'credit-risk-pd';
const hotfix = creditRiskHotfix;

/** The credit-risk hotfix requested as an emergency by bob.breakglass, not yet signed off. */
export async function requestedHotfix(h: StoreHarness): Promise<string> {
  await setupModel(h, 'credit-risk', model, 'regulated');
  await addVersion(h, { model, version: '2026.1', dir: 'credit-risk/baseline' });
  await seedProduction(h, model, '2026.1');
  await addVersion(h, { model, version: hotfix.version, dir: 'credit-risk/candidates/hotfix' });
  await toStaging(h, model, hotfix.version);
  const { request } = await requestTransition(h.deps, people.breakGlass, hotfix);
  return request.id;
}

export async function executedHotfix(h: StoreHarness): Promise<string> {
  const request = { id: await requestedHotfix(h) };
  // The on-call sign-off every emergency needs (ADR 011), by someone who does not review it.
  await signOffEmergency(h, request.id, {
    by: people.risk2,
    role: 'risk_officer',
    ticket: 'RISK-911',
  });
  await executeTransition(h.deps, people.breakGlass, { requestId: request.id });
  return request.id;
}

/**
 * A server over the harness's use cases (as `wrap` decorates them), and an API token per person
 * (created with roles).
 */
export async function serve(h: StoreHarness, wrap: (useCases: UseCases) => UseCases = (u) => u) {
  const app = serveHarness(h, { wrap });
  const { token } = await bootstrapAdmin(h.deps, { userId: people.admin.id });
  const tokens: Record<string, string> = { [people.admin.id]: token.token };
  const personWith = async (userId: string, ...roles: string[]) => {
    await createUser(h.deps, people.admin, { id: userId });
    for (const role of roles) await grantRole(h.deps, people.admin, { userId, role });
    tokens[userId] = (await createToken(h.deps, people.admin, { userId })).token;
    return userId;
  };
  const server = app;
  const call = async (
    who: string,
    method: 'GET' | 'POST',
    url: string,
    payload?: object,
    headers: Record<string, string> = {},
  ) => {
    const response = await server.inject({
      method,
      url: `/api/v1${url}`,
      headers: { authorization: `Bearer ${tokens[who] ?? ''}`, ...headers },
      ...(payload === undefined ? {} : { payload }),
    });
    return { status: response.statusCode, body: response.json() };
  };
  return { app, tokens, personWith, call };
}
