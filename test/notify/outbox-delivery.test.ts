/**
 * The outbox delivered end to end on SQLite and PostgreSQL: webhook subscriptions administered
 * and audited, each event fanned out once per matching target and signed as Standard Webhooks
 * defines, retries on the documented schedule against a receiver that fails N times, a deadline,
 * a subscription disabled after failing, SSRF targets refused at creation and at delivery,
 * Slack messages, email to the people the routing rules choose, redelivery.
 */
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { bindUseCases } from '../../src/app/index.js';
import type { NotificationEvent } from '../../src/domain/index.js';
import { backoffCeilingMs, createEmailSender, verifyWebhook } from '../../src/notify/index.js';
import { forEachStore, people, readActions, refusal } from '../app/harness.js';
import {
  channels,
  deliveryRunner,
  emitLike,
  testSchedule,
  withNotifications,
} from './delivery-harness.js';
import { type Receiver, startReceiver } from './receiver.js';
import { sampleEvents } from './sample-events.js';

const sample = (type: NotificationEvent['type']) => {
  const found = sampleEvents.find((e) => e.type === type);
  if (found === undefined) throw new Error(type);
  return found;
};

const receivers: Receiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
});

async function receiver(statuses: number[] = []): Promise<Receiver> {
  const r = await startReceiver((index, response) => {
    response.statusCode = statuses[index] ?? 200;
    response.end('ok');
  });
  receivers.push(r);
  return r;
}

interface Mail {
  rcptTo: string[];
  mail: ParsedMail;
}
const mails: Mail[] = [];
/** Recipients the SMTP server answers 451 (try again later), so their delivery waits for a retry. */
const deferred = new Set<string>();
let smtp: SMTPServer;
let smtpPort = 0;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (!deferred.has(address.address)) return callback();
      const later = Object.assign(new Error('Try again later'), { responseCode: 451 });
      return callback(later);
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          mails.push({ rcptTo: session.envelope.rcptTo.map((r) => r.address), mail });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => smtp.close(() => resolve())));

forEachStore('outbox delivery', (open) => {
  async function setup(options: { disableAfterFailures?: number; loopback?: boolean } = {}) {
    const h = await open();
    const deps = withNotifications(h, {
      channels: channels({ loopback: options.loopback ?? true }),
      ...(options.disableAfterFailures === undefined
        ? {}
        : { disableAfterFailures: options.disableAfterFailures }),
    });
    const useCases = bindUseCases(deps);
    return { h, deps, useCases, runner: deliveryRunner(deps) };
  }

  it('delivers each matching event once, signed, with the event id as webhook-id, and logs it', async () => {
    const { h, deps, useCases, runner } = await setup();
    const hook = await receiver();
    const { subscription, secret } = await useCases.createWebhook(people.admin, {
      url: hook.url,
      events: ['approval.requested', 'gate.failed'],
      models: ['credit-*'],
    });
    expect(subscription.secrets).toEqual([{ createdAt: expect.any(String) }]);
    const asked = await emitLike(deps, sample('approval.requested'));
    await emitLike(deps, sample('transition.executed'));
    await emitLike(deps, {
      ...sample('gate.failed'),
      subject: { ...sample('gate.failed').subject, model: 'fraud' },
    });
    await runner.runDue();
    await runner.runDue();
    expect(hook.received).toHaveLength(1);
    const [got] = hook.received;
    expect(got?.headers['webhook-id']).toBe(asked);
    const verified = verifyWebhook({
      headers: got?.headers ?? {},
      body: got?.body ?? '',
      secrets: [secret],
    });
    expect(verified).toEqual({ ok: true, id: asked, timestamp: expect.any(Date) });
    expect(JSON.parse(got?.body ?? '{}')).toMatchObject({ type: 'approval.requested', id: asked });

    const log = await useCases.listWebhookDeliveries(people.admin, { id: subscription.id });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      eventId: asked,
      eventType: 'approval.requested',
      status: 'delivered',
      attempts: 1,
      lastStatusCode: 200,
    });
    expect(log[0]?.attemptLog).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'delivered', statusCode: 200 }),
    ]);
    expect(await readActions(h)).toContain('webhook.created');
  });

  it('sends nothing for a change that rolled back', async () => {
    const { deps, useCases, runner } = await setup();
    const hook = await receiver();
    await useCases.createWebhook(people.admin, { url: hook.url });
    await expect(
      deps.store.transaction(async (tx) => {
        await tx.outbox.append({
          id: 'evt_rolled',
          type: 'gate.failed',
          payload: sample('gate.failed'),
          createdAt: deps.clock.now().toISOString(),
        });
        throw new Error('the change failed after its event');
      }),
    ).rejects.toThrow('the change failed');
    await runner.runDue();
    expect(hook.received).toHaveLength(0);
    expect(await deps.store.read((tx) => tx.outbox.get('evt_rolled'))).toBeUndefined();
  });

  it('retries with backoff as documented against a receiver that fails three times', async () => {
    const { h, deps, useCases, runner } = await setup();
    const hook = await receiver([503, 500, 429, 200]);
    const { subscription } = await useCases.createWebhook(people.admin, { url: hook.url });
    const id = await emitLike(deps, sample('gate.failed'));
    await runner.runDue();
    for (let n = 1; n <= 3; n++) {
      expect(hook.received).toHaveLength(n);
      // random() = 0.5: the wait is half the ceiling of the n-th failure, at least the minimum.
      const wait = Math.max(testSchedule.minDelayMs, 0.5 * backoffCeilingMs(n, testSchedule));
      h.clock.advance(wait - 1);
      await runner.runDue();
      expect(hook.received).toHaveLength(n);
      h.clock.advance(1);
      await runner.runDue();
    }
    expect(hook.received).toHaveLength(4);
    expect(new Set(hook.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([id]));
    const [entry] = await useCases.listWebhookDeliveries(people.admin, { id: subscription.id });
    expect(entry?.attemptLog.map((a) => [a.outcome, a.statusCode])).toEqual([
      ['retrying', 503],
      ['retrying', 500],
      ['retrying', 429],
      ['delivered', 200],
    ]);
    const waits = entry?.attemptLog
      .slice(0, 3)
      .map((a) => Date.parse(a.nextAttemptAt ?? '') - Date.parse(a.at));
    expect(waits).toEqual([5_000, 10_000, 20_000]);
  });

  it('gives up at the deadline, disables a subscription that keeps failing and emails the admins', async () => {
    const h = await open();
    const sender = createEmailSender({ host: '127.0.0.1', port: smtpPort });
    const deps = withNotifications(h, {
      channels: channels({ email: sender }),
      disableAfterFailures: 2,
    });
    const useCases = bindUseCases(deps);
    const runner = deliveryRunner(deps);
    const at = h.clock.now().toISOString();
    await h.store.transaction(async (tx) => {
      await tx.identity.insertUser({
        id: 'alice.admin',
        email: 'alice@example.com',
        createdAt: at,
        createdBy: 'test',
      });
      await tx.identity.insertUser({
        id: 'max.mlops',
        email: 'max@example.com',
        createdAt: at,
        createdBy: 'test',
      });
      await tx.identity.grantRole({
        id: 'g1',
        userId: 'alice.admin',
        role: 'admin',
        grantedAt: at,
        grantedBy: 'test',
      });
      await tx.identity.grantRole({
        id: 'g2',
        userId: 'max.mlops',
        role: 'mlops',
        grantedAt: at,
        grantedBy: 'test',
      });
    });
    const hook = await receiver(Array(100).fill(500));
    const { subscription } = await useCases.createWebhook(people.admin, { url: hook.url });
    const before = mails.length;
    for (let round = 0; round < 2; round++) {
      await emitLike(deps, sample('gate.failed'));
      for (let i = 0; i < 20; i++) {
        await runner.runDue();
        h.clock.advance(testSchedule.maxDelayMs);
      }
    }
    sender.close();
    const log = await useCases.listWebhookDeliveries(people.admin, { id: subscription.id });
    expect(log.map((d) => d.status)).toEqual(['failed', 'failed']);
    expect(log[0]?.lastError).toMatch(/gave up at the retry deadline/);
    for (const d of log) {
      const spans = Date.parse(d.lastAttemptAt ?? '') - Date.parse(d.firstAttemptAt ?? '');
      expect(spans).toBeLessThanOrEqual(testSchedule.deadlineMs);
    }
    const after = await useCases.getWebhook(people.admin, { id: subscription.id });
    expect(after).toMatchObject({ enabled: false, consecutiveFailures: 2 });
    expect(after.disabledReason).toMatch(/2 deliveries in a row failed/);
    expect(await readActions(h)).toContain('webhook.disabled');
    const told = mails.slice(before);
    expect(told.map((m) => m.rcptTo)).toEqual([['alice@example.com']]);
    expect(told[0]?.mail.subject).toContain(
      `Webhook ${subscription.id} disabled after 2 failed deliveries`,
    );
    const sent = hook.received.length;
    await emitLike(deps, sample('gate.failed'));
    await runner.runDue();
    expect(hook.received).toHaveLength(sent);
  });

  it('refuses SSRF targets at creation, and at delivery when the policy no longer allows them', async () => {
    const { useCases } = await setup({ loopback: false });
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      'http://127.0.0.1:8080/hook',
      'http://10.0.0.5/hook',
      'http://[::1]/hook',
      'file:///etc/passwd',
    ]) {
      const refused = await refusal(useCases.createWebhook(people.admin, { url }));
      expect(refused.code).toBe('invalid_input');
    }
    expect(await useCases.listWebhooks(people.admin)).toEqual([]);

    const permissive = await setup();
    const hook = await receiver();
    const { subscription } = await permissive.useCases.createWebhook(people.admin, {
      url: hook.url,
    });
    // The same database, now with a server that allows no loopback target.
    const strict = withNotifications(
      { ...permissive.h },
      { channels: channels({ loopback: false }) },
    );
    const strictRunner = deliveryRunner(strict);
    await emitLike(strict, sample('gate.failed'));
    await strictRunner.runDue();
    expect(hook.received).toHaveLength(0);
    const [entry] = await permissive.useCases.listWebhookDeliveries(people.admin, {
      id: subscription.id,
    });
    expect(entry).toMatchObject({ status: 'failed', attempts: 1 });
    expect(entry?.lastError).toMatch(/loopback/);
  });

  it('is administered by global admins only, audited, with the secret shown at creation and rotation', async () => {
    const { h, deps, useCases } = await setup();
    const hook = await receiver();
    const denied = await refusal(useCases.createWebhook(people.mlops, { url: hook.url }));
    expect(denied.code).toBe('forbidden');
    const created = await useCases.createWebhook(people.admin, { url: hook.url });
    const rotated = await useCases.rotateWebhookSecret(people.admin, {
      id: created.subscription.id,
    });
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.subscription.secrets).toHaveLength(2);
    expect(JSON.stringify(await useCases.listWebhooks(people.admin))).not.toContain('whsec_');
    // Both secrets sign during the overlap: a receiver that has either verifies.
    const runner = deliveryRunner(deps);
    await emitLike(deps, sample('gate.failed'));
    await runner.runDue();
    const [got] = hook.received;
    for (const secret of [created.secret, rotated.secret]) {
      expect(
        verifyWebhook({ headers: got?.headers ?? {}, body: got?.body ?? '', secrets: [secret] }).ok,
      ).toBe(true);
    }
    const updated = await useCases.updateWebhook(people.admin, {
      id: created.subscription.id,
      events: ['transition.executed'],
    });
    expect(updated.events).toEqual(['transition.executed']);
    expect(
      (
        await refusal(
          useCases.updateWebhook(people.admin, { id: created.subscription.id, events: ['nope'] }),
        )
      ).code,
    ).toBe('invalid_input');
    await useCases.disableWebhook(people.admin, { id: created.subscription.id });
    await useCases.deleteWebhook(people.admin, { id: created.subscription.id });
    expect(await useCases.listWebhooks(people.admin)).toEqual([]);
    const actions = await readActions(h);
    for (const action of [
      'access.denied',
      'webhook.created',
      'webhook.secret_rotated',
      'webhook.updated',
      'webhook.deleted',
    ]) {
      expect(actions).toContain(action);
    }
  });

  it('redelivers an event on request, with the same webhook-id', async () => {
    const { h, deps, useCases, runner } = await setup();
    const hook = await receiver();
    const { subscription } = await useCases.createWebhook(people.admin, { url: hook.url });
    const id = await emitLike(deps, sample('transition.executed'));
    await runner.runDue();
    const again = await useCases.redeliverWebhook(people.admin, {
      id: subscription.id,
      eventId: id,
    });
    expect(again.status).toBe('pending');
    await runner.runDue();
    expect(hook.received.map((r) => r.headers['webhook-id'])).toEqual([id, id]);
    const missing = await refusal(
      useCases.redeliverWebhook(people.admin, { id: subscription.id, eventId: 'evt_none' }),
    );
    expect(missing.code).toBe('not_found');
    // A disabled subscription is refused (it would fail at once); a deleted one is not found.
    // Either way nothing changes: no audit entry, the delivery stays as it was.
    const auditBefore = (await readActions(h)).length;
    await useCases.disableWebhook(people.admin, { id: subscription.id });
    const disabled = await refusal(
      useCases.redeliverWebhook(people.admin, { id: subscription.id, eventId: id }),
    );
    expect(disabled.code).toBe('precondition_failed');
    await useCases.deleteWebhook(people.admin, { id: subscription.id });
    const deleted = await refusal(
      useCases.redeliverWebhook(people.admin, { id: subscription.id, eventId: id }),
    );
    expect(deleted.code).toBe('not_found');
    expect((await readActions(h)).slice(auditBefore)).toEqual([
      'webhook.updated',
      'webhook.deleted',
    ]);
    const target = `webhook:${subscription.id}`;
    expect(await deps.store.read((tx) => tx.deliveries.get(id, target))).toMatchObject({
      status: 'delivered',
      attempts: 2,
    });
  });

  it('redelivers at once a delivery that waits for its next retry', async () => {
    const { deps, useCases, runner } = await setup();
    const hook = await receiver([503, 200]);
    const { subscription } = await useCases.createWebhook(people.admin, { url: hook.url });
    const id = await emitLike(deps, sample('transition.executed'));
    await runner.runDue();
    expect(hook.received).toHaveLength(1);
    const again = await useCases.redeliverWebhook(people.admin, {
      id: subscription.id,
      eventId: id,
    });
    expect(again).toMatchObject({
      status: 'pending',
      nextAttemptAt: deps.clock.now().toISOString(),
    });
    // The clock has not moved: the retry's wait (5 s) is not over, the redelivery is due now.
    await runner.runDue();
    expect(hook.received.map((r) => r.headers['webhook-id'])).toEqual([id, id]);
    const [entry] = await useCases.listWebhookDeliveries(people.admin, { id: subscription.id });
    expect(entry).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('posts Slack messages in Block Kit shape and emails the people the rules choose', async () => {
    const h = await open();
    const slack = await receiver();
    const sender = createEmailSender({ host: '127.0.0.1', port: smtpPort });
    const deps = withNotifications(h, {
      channels: channels({ email: sender }),
      rules: [
        { channel: 'slack', events: '*', toState: 'production', url: slack.url },
        {
          channel: 'email',
          events: ['approval.requested'],
          awaitingRoles: true,
          models: ['credit-*'],
        },
      ],
    });
    const at = h.clock.now().toISOString();
    await h.store.transaction(async (tx) => {
      for (const [id, email] of [
        ['rita.risk', 'rita@example.com'],
        ['ron.risk', 'ron@example.com'],
        ['una.other', 'una@example.com'],
        ['nia.noaddress', undefined],
      ] as const) {
        await tx.identity.insertUser({
          id,
          createdAt: at,
          createdBy: 'test',
          ...(email ? { email } : {}),
        });
      }
      const grant = (id: string, userId: string, model?: string) =>
        tx.identity.grantRole({
          id,
          userId,
          role: 'risk_officer',
          ...(model ? { model } : {}),
          grantedAt: at,
          grantedBy: 'test',
        });
      await grant('g1', 'rita.risk', 'credit-risk-scorer');
      await grant('g2', 'ron.risk');
      await grant('g3', 'una.other', 'another-model');
      await grant('g4', 'nia.noaddress');
    });
    const before = mails.length;
    const id = await emitLike(deps, sample('approval.requested'));
    const runner = deliveryRunner(deps);
    await runner.runDue();
    sender.close();
    expect(slack.received).toHaveLength(1);
    const message = JSON.parse(slack.received[0]?.body ?? '{}') as {
      text: string;
      blocks: { type: string }[];
    };
    expect(typeof message.text).toBe('string');
    expect(message.blocks[0]?.type).toBe('header');
    expect(message.blocks.map((b) => b.type)).toContain('actions');
    const sent = mails.slice(before).filter((m) => m.mail.text?.includes(id));
    expect(sent.map((m) => m.rcptTo).sort()).toEqual([['rita@example.com'], ['ron@example.com']]);
    expect(sent[0]?.mail.subject).toMatch(/^\[Clearance\] Approval needed/);
    const deliveries = await deps.store.read((tx) => tx.deliveries.list(id));
    expect(deliveries.map((d) => [d.target, d.status])).toEqual([
      ['email:rita.risk', 'delivered'],
      ['email:ron.risk', 'delivered'],
      [expect.stringMatching(/^slack:[0-9a-f]{16}$/), 'delivered'],
    ]);
  });

  it('emails no disabled account: none planned, and none sent after a disable that came later', async () => {
    const h = await open();
    const sender = createEmailSender({ host: '127.0.0.1', port: smtpPort });
    const deps = withNotifications(h, {
      channels: channels({ email: sender }),
      rules: [{ channel: 'email', events: ['approval.requested'], awaitingRoles: true }],
    });
    const at = h.clock.now().toISOString();
    await h.store.transaction(async (tx) => {
      for (const [n, id] of ['ada.risk', 'dan.risk', 'lea.risk'].entries()) {
        await tx.identity.insertUser({
          id,
          createdAt: at,
          createdBy: 'test',
          email: `${id}@example.com`,
        });
        await tx.identity.grantRole({
          id: `g${n}`,
          userId: id,
          role: 'risk_officer',
          grantedAt: at,
          grantedBy: 'test',
        });
      }
      // dan.risk left before the event; lea.risk leaves while her mail waits for a retry.
      await tx.identity.setDisabledAt('dan.risk', at);
    });
    deferred.add('lea.risk@example.com');
    const before = mails.length;
    const id = await emitLike(deps, sample('approval.requested'));
    const runner = deliveryRunner(deps);
    await runner.runDue();
    deferred.delete('lea.risk@example.com');
    const planned = await deps.store.read((tx) => tx.deliveries.list(id));
    expect(planned.map((d) => [d.target, d.status])).toEqual([
      ['email:ada.risk', 'delivered'],
      ['email:lea.risk', 'pending'],
    ]);
    await h.store.transaction((tx) => tx.identity.setDisabledAt('lea.risk', at));
    h.clock.advance(testSchedule.deadlineMs);
    await runner.runDue();
    sender.close();
    const sent = mails.slice(before).filter((m) => m.mail.text?.includes(id));
    expect(sent.map((m) => m.rcptTo)).toEqual([['ada.risk@example.com']]);
    const settled = await deps.store.read((tx) => tx.deliveries.list(id));
    const lea = settled.find((d) => d.target === 'email:lea.risk');
    expect(lea?.status).not.toBe('delivered');
    expect(lea?.lastError).toContain('The account of user lea.risk is disabled');
  });

  it("collects a digest rule's events into one email per person, sent by notify.digest", async () => {
    const h = await open();
    const sender = createEmailSender({ host: '127.0.0.1', port: smtpPort });
    const deps = withNotifications(h, {
      channels: channels({ email: sender }),
      rules: [
        { channel: 'email', events: ['approval.requested'], awaitingRoles: true, digest: true },
      ],
    });
    const at = h.clock.now().toISOString();
    await h.store.transaction(async (tx) => {
      await tx.identity.insertUser({
        id: 'rita.risk',
        email: 'rita@example.com',
        createdAt: at,
        createdBy: 'test',
      });
      await tx.identity.grantRole({
        id: 'g1',
        userId: 'rita.risk',
        role: 'risk_officer',
        grantedAt: at,
        grantedBy: 'test',
      });
    });
    const runner = deliveryRunner(deps);
    const before = mails.length;
    const first = await emitLike(deps, sample('approval.requested'));
    const second = await emitLike(deps, sample('approval.requested'));
    await runner.runDue();
    expect(mails.length).toBe(before);
    await h.store.transaction((tx) =>
      tx.jobs.schedule({ kind: 'notify.digest', key: 'notify.digest', runAt: at }, { at }),
    );
    await runner.runDue();
    sender.close();
    const sent = mails.slice(before);
    expect(sent.map((m) => m.rcptTo)).toEqual([['rita@example.com']]);
    expect(sent[0]?.mail.subject).toMatch(/digest for \d{4}-\d{2}-\d{2}: 2 events/);
    for (const id of [first, second]) {
      const [d] = await deps.store.read((tx) => tx.deliveries.list(id));
      expect(d).toMatchObject({ target: 'digest:rita.risk', status: 'delivered', attempts: 1 });
    }
  });
});
