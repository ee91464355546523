/**
 * The webhook routes over the real use cases (in-memory store, real channels with loopback
 * allowed): the secret only in the creating and rotating responses, never cached, never listed;
 * bad filters and SSRF targets answered 400 with nothing stored; the delivery log and redelivery.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { harness } from '../app/harness.js';
import {
  channels,
  deliveryRunner,
  emitLike,
  withNotifications,
} from '../notify/delivery-harness.js';
import { type Receiver, startReceiver } from '../notify/receiver.js';
import { sampleEvents } from '../notify/sample-events.js';
import { testIdentity } from './fixture.js';
import { serveHarness } from './serve-harness.js';

const h = harness();
const deps = withNotifications(h, { channels: channels({}) });
const identity = testIdentity();
const app = serveHarness(h, { deps, directory: identity.directory });
const admin = identity.bearer('alice.admin', 'admin');
const auditor = identity.bearer('audrey.auditor', 'auditor');
let hook: Receiver;

beforeAll(async () => {
  hook = await startReceiver((_, response) => response.end('ok'));
});
afterAll(async () => {
  await hook.close();
  await app.close();
});

const call = (
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: object,
  as = admin,
) =>
  app.inject({
    method,
    url: `/api/v1${url}`,
    headers: { authorization: as },
    ...(payload ? { payload } : {}),
  });

it('creates, shows, updates, rotates, delivers, redelivers and deletes a subscription', async () => {
  const created = await call('POST', '/webhooks', { url: hook.url, events: ['gate.failed'] });
  expect(created.statusCode, created.body).toBe(201);
  expect(created.headers['cache-control']).toBe('no-store');
  const { subscription, secret } = created.json() as {
    subscription: { id: string };
    secret: string;
  };
  expect(secret).toMatch(/^whsec_/);
  expect(created.headers.location).toBe(`/api/v1/webhooks/${subscription.id}`);

  const listed = await call('GET', '/webhooks', undefined, auditor);
  expect(listed.statusCode).toBe(200);
  expect(listed.body).not.toContain('whsec_');
  expect(listed.json()).toEqual([expect.objectContaining({ id: subscription.id, enabled: true })]);

  const patched = await call('PATCH', `/webhooks/${subscription.id}`, { models: ['credit-*'] });
  expect(patched.json()).toMatchObject({ models: ['credit-*'], events: ['gate.failed'] });

  const rotated = await call('POST', `/webhooks/${subscription.id}/rotate-secret`);
  expect(rotated.statusCode).toBe(200);
  expect((rotated.json() as { secret: string }).secret).not.toBe(secret);

  const id = await emitLike(
    deps,
    sampleEvents.find((e) => e.type === 'gate.failed') ?? sampleEvents[0]!,
  );
  await deliveryRunner(deps).runDue();
  const log = await call(
    'GET',
    `/webhooks/${subscription.id}/deliveries?limit=10`,
    undefined,
    auditor,
  );
  expect(log.json()).toEqual([
    expect.objectContaining({
      eventId: id,
      status: 'delivered',
      lastStatusCode: 200,
      eventType: 'gate.failed',
    }),
  ]);
  const again = await call('POST', `/webhooks/${subscription.id}/deliveries/${id}/redeliver`);
  expect(again.statusCode, again.body).toBe(202);
  expect(again.json()).toMatchObject({ eventId: id, status: 'pending' });

  const disabled = await call('POST', `/webhooks/${subscription.id}/disable`);
  expect(disabled.json()).toMatchObject({ enabled: false, disabledReason: 'Disabled by an admin' });
  expect((await call('DELETE', `/webhooks/${subscription.id}`)).statusCode).toBe(204);
  expect((await call('GET', `/webhooks/${subscription.id}`)).statusCode).toBe(404);
});

it('refuses bad filters and SSRF targets with 400, storing nothing', async () => {
  for (const body of [
    { url: hook.url, events: ['no.such_event'] },
    { url: hook.url, events: [] },
    { url: hook.url, models: ['bad model'] },
    { url: 'http://169.254.169.254/latest/meta-data' },
    { url: 'ftp://example.com/x' },
  ]) {
    const response = await call('POST', '/webhooks', body);
    expect(response.statusCode, JSON.stringify(body)).toBe(400);
  }
  expect((await call('GET', '/webhooks')).json()).toEqual([]);
});
