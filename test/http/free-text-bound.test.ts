/**
 * Free text a write keeps for ever (a request's reason, an approval's comment, a ticket, a token's
 * description) is bounded where every edge passes, the bound use cases: over `maxFreeTextBytes`
 * UTF-8 bytes it is refused `400 invalid_input` naming the field and the limit, and nothing is
 * written. Before, only the request body limit (64 MiB by default) bounded it. Text exactly at the
 * limit is taken.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { maxFreeTextBytes } from '../../src/domain/index.js';
import { addVersion, forEachStore, type StoreHarness, setupModel } from '../app/harness.js';
import { testIdentity } from './fixture.js';
import { serveHarness } from './serve-harness.js';

const model = 'home-feed';
/** One byte over the limit, in two-byte characters: the bound counts UTF-8 bytes. */
const overLong = `${'é'.repeat((maxFreeTextBytes - 2) / 2)}xyz`;
const atLimit = 'r'.repeat(maxFreeTextBytes);

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

forEachStore('free text bound', (open) => {
  async function serve() {
    const h = await open();
    await setupModel(h, 'recommender', model, 'medium');
    await addVersion(h, { model, version: '1', dir: 'recommender/candidates/passing' });
    const identity = testIdentity();
    app = serveHarness(h, { directory: identity.directory });
    const served = app;
    const post = async (authorization: string, url: string, payload: object) => {
      const response = await served.inject({
        method: 'POST',
        url,
        headers: { authorization },
        payload,
      });
      return { status: response.statusCode, body: response.json() as Record<string, unknown> };
    };
    return {
      h,
      owner: (url: string, payload: object) =>
        post(identity.bearer('olga', 'model_owner'), url, payload),
      tech: (url: string, payload: object) =>
        post(identity.bearer('tess', 'tech_lead'), url, payload),
    };
  }

  const written = async (h: StoreHarness) => ({
    audit: await h.deps.store.read((tx) => tx.audit.size()),
  });

  function expectRefused(answer: { status: number; body: Record<string, unknown> }, field: string) {
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('invalid_input');
    expect(answer.body.detail).toContain(`The ${field} is longer than ${maxFreeTextBytes} bytes`);
  }

  it('refuses an over-long reason, ticket, approval comment or token description; writes nothing', async () => {
    const s = await serve();
    expect(Buffer.byteLength(overLong)).toBe(maxFreeTextBytes + 1);
    const before = await written(s.h);
    const request = { model, version: '1', to: 'staging' };
    expectRefused(await s.owner('/api/v1/requests', { ...request, reason: overLong }), 'reason');
    expectRefused(
      await s.owner('/api/v1/requests', { ...request, reason: 'ok', ticket: overLong }),
      'ticket',
    );
    expect(await written(s.h)).toEqual(before);
    const taken = await s.owner('/api/v1/requests', { ...request, reason: atLimit });
    expect(taken.status, JSON.stringify(taken.body)).toBe(201);
    const id = (taken.body.request as { id: string }).id;
    const after = await written(s.h);
    const approval = { decision: 'approve', role: 'tech_lead', riskClass: 'low' };
    expectRefused(
      await s.tech(`/api/v1/requests/${id}/approvals`, { ...approval, comment: overLong }),
      'comment',
    );
    expect(await written(s.h)).toEqual(after);
    // A user's own API token: any signed-in user may create one, with a description.
    expectRefused(await s.tech('/api/v1/tokens', { description: overLong }), 'description');
    expect(await written(s.h)).toEqual(after);
  });
});
