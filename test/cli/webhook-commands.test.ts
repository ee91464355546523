/**
 * `clearance webhook …` on a database as the operator (the remote implementation is held to the
 * same interface by the committed OpenAPI types), `clearance webhook verify` against deliveries
 * Clearance signs (exit 0 valid, 1 invalid with the reason), and `clearance notify test` to a
 * local receiver and a local SMTP server.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateWebhookSecret, signWebhook, verifyWebhook } from '../../src/notify/index.js';
import { type Receiver, startReceiver } from '../notify/receiver.js';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'clearance-webhook-cli-'));
const where = ['--database', `sqlite:${join(dir, 'registry.db')}`, '--data-dir', join(dir, 'data')];
const env = { CLEARANCE_NOTIFY_ALLOW_ADDRESSES: 'loopback' };
let hook: Receiver;

beforeAll(async () => {
  hook = await startReceiver((_, response) => response.end('ok'));
  // The registry the operator works on: only the commands meant to start one create it.
  const started = await runCli(['admin', 'bootstrap', '--user', 'alice.admin', ...where]);
  expect(started.status, started.stderr).toBe(0);
});
afterAll(() => hook.close());

const json = <T>(text: string) => JSON.parse(text) as T;

it('creates, lists, updates, rotates, disables and deletes a subscription as the operator', async () => {
  const created = await runCli(
    [
      'webhook',
      'create',
      '--url',
      hook.url,
      '--events',
      'gate.failed,transition.executed',
      ...where,
      '--format',
      'json',
    ],
    { env },
  );
  expect(created.stderr).toBe('');
  expect(created.status).toBe(0);
  const { subscription, secret } = json<{ subscription: { id: string }; secret: string }>(
    created.stdout,
  );
  expect(secret).toMatch(/^whsec_/);
  const listed = await runCli(['webhook', 'list', ...where], { env });
  expect(listed.stdout).toContain(
    `Webhook ${subscription.id} → ${hook.url}: gate.failed, transition.executed for every model; enabled`,
  );
  expect(listed.stdout).not.toContain('whsec_');
  const updated = await runCli(
    ['webhook', 'update', subscription.id, '--models', 'credit-*', ...where],
    { env },
  );
  expect(updated.stdout).toContain('for credit-*');
  const rotated = await runCli(['webhook', 'rotate-secret', subscription.id, ...where], { env });
  expect(rotated.stdout).toMatch(/Signing secret \(shown once\): whsec_/);
  expect(
    (await runCli(['webhook', 'disable', subscription.id, ...where], { env })).stdout,
  ).toContain('DISABLED');
  const log = await runCli(['webhook', 'deliveries', subscription.id, ...where], { env });
  expect(log.stdout).toContain('No deliveries yet.');
  expect((await runCli(['webhook', 'delete', subscription.id, ...where], { env })).status).toBe(0);
  const gone = await runCli(['webhook', 'show', subscription.id, ...where], { env });
  expect(gone.status).toBe(2);
  expect(gone.stderr).toContain('does not exist');
  const refused = await runCli(
    ['webhook', 'create', '--url', 'http://169.254.169.254/', ...where],
    { env },
  );
  expect(refused.status).toBe(2);
  expect(refused.stderr).toContain('metadata');
});

it('verifies a received delivery: valid exits 0, a changed body or an old timestamp exits 1 with the reason', async () => {
  const secret = generateWebhookSecret();
  const body = '{"type":"gate.failed","id":"evt_1"}';
  const headers = signWebhook({ id: 'evt_1', body, secrets: [secret] });
  const bodyFile = join(dir, 'body.json');
  const headerFile = join(dir, 'headers.txt');
  writeFileSync(bodyFile, body);
  writeFileSync(
    headerFile,
    Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n'),
  );
  const args = [
    'webhook',
    'verify',
    '--secret',
    secret,
    '--body',
    bodyFile,
    '--headers',
    headerFile,
  ];
  const valid = await runCli(args);
  expect(valid.status).toBe(0);
  expect(valid.stdout).toContain('valid: webhook evt_1');
  writeFileSync(join(dir, 'changed.json'), body.replace('evt_1"}', 'evt_1" }'));
  const changed = await runCli([
    ...args.slice(0, 4),
    '--body',
    join(dir, 'changed.json'),
    '--headers',
    headerFile,
    '--format',
    'json',
  ]);
  expect(changed.status).toBe(1);
  expect(json<{ reason: string }>(changed.stdout)).toMatchObject({
    valid: false,
    reason: 'no_matching_signature',
  });
  const late = await runCli([...args, '--now', new Date(Date.now() + 3_600_000).toISOString()]);
  expect(late.status).toBe(1);
  expect(late.stdout).toContain('timestamp_too_old');
  const oneHeader = await runCli([
    'webhook',
    'verify',
    '--secret',
    secret,
    '--body',
    bodyFile,
    ...Object.entries(headers).flatMap(([k, v]) => ['--header', `${k}: ${v}`]),
  ]);
  expect(oneHeader.status).toBe(0);
});

it('sends a test event to a URL, signed, and to an email address', async () => {
  const secret = generateWebhookSecret();
  const before = hook.received.length;
  const sent = await runCli(['notify', 'test', '--to', hook.url, '--secret', secret], { env });
  expect(sent.stdout).toMatch(/^Delivered test event evt_test_/);
  expect(sent.status).toBe(0);
  const got = hook.received[before];
  expect(
    verifyWebhook({ headers: got?.headers ?? {}, body: got?.body ?? '', secrets: [secret] }).ok,
  ).toBe(true);
  const refused = await runCli(['notify', 'test', '--to', hook.url], {
    env: { CLEARANCE_NOTIFY_ALLOW_ADDRESSES: '' },
  });
  expect(refused.status).toBe(1);
  expect(refused.stdout).toContain('loopback');

  const mails: string[][] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then(() => {
        mails.push(session.envelope.rcptTo.map((r) => r.address));
        callback();
      }, callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  const mailed = await runCli(['notify', 'test', '--to', 'rita@example.com'], {
    env: {
      CLEARANCE_SMTP_URL: `smtp://127.0.0.1:${port}`,
      CLEARANCE_EMAIL_FROM: 'clearance@example.com',
    },
  });
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  expect(mailed.stdout).toContain('Delivered test event');
  expect(mails).toEqual([['rita@example.com']]);
});
