/**
 * Rollback and expiry notifications reach the people who must act, at a real SMTP server: an
 * emergency rolled back at expiry (`rollback.executed`) is emailed to its break-glass requester
 * (`requester: true`) and to the model's MLOps (`roles`), a refused rollback emails nobody, and an
 * expired request (`transition.expired`) to its requester, a rejected post-incident review
 * (`review.rejected`) to the requester and the model's MLOps. Events come from
 * the use cases themselves, in their transactions; nobody else is emailed.
 */
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  expireEmergencies,
  expireRequests,
  recordReview,
  requestTransition,
  rollback,
} from '../../src/app/index.js';
import { createEmailSender } from '../../src/notify/index.js';
import { addVersion, forEachStore, people, type StoreHarness } from '../app/harness.js';
import { executedHotfix } from '../http/review-fixture.js';
import { channels, deliveryRunner, withNotifications } from './delivery-harness.js';

interface Mail {
  rcptTo: string[];
  mail: ParsedMail;
}
const mails: Mail[] = [];
let smtp: SMTPServer;
let smtpPort = 0;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
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

const model = 'credit-risk-pd';

/** Stored users with addresses: the requester, an MLOps engineer and a bystander. */
async function storePeople(h: StoreHarness): Promise<void> {
  const at = h.clock.now().toISOString();
  await h.store.transaction(async (tx) => {
    for (const [id, email] of [
      [people.breakGlass.id, 'bob@example.com'],
      [people.mlops.id, 'max@example.com'],
      [people.owner.id, 'olga@example.com'],
      ['una.other', 'una@example.com'],
    ] as const) {
      await tx.identity.insertUser({ id, email, createdAt: at, createdBy: 'test' });
    }
    await tx.identity.grantRole({
      id: 'g-mlops',
      userId: people.mlops.id,
      role: 'mlops',
      model,
      grantedAt: at,
      grantedBy: 'test',
    });
    await tx.identity.grantRole({
      id: 'g-other',
      userId: 'una.other',
      role: 'mlops',
      model: 'another-model',
      grantedAt: at,
      grantedBy: 'test',
    });
  });
}

function setup(h: StoreHarness) {
  const sender = createEmailSender({ host: '127.0.0.1', port: smtpPort });
  const deps = withNotifications(h, {
    channels: channels({ email: sender }),
    rules: [
      {
        channel: 'email',
        events: ['rollback.executed', 'transition.expired', 'review.rejected'],
        requester: true,
      },
      { channel: 'email', events: ['rollback.executed', 'review.rejected'], roles: ['mlops'] },
    ],
  });
  return { deps, sender };
}

/** Runs the delivery jobs; the mails sent for event type `type` since `before`, by recipient. */
async function delivered(h: StoreHarness, before: number, subject: RegExp): Promise<string[][]> {
  const runner = deliveryRunner(h.deps);
  await runner.runDue();
  await runner.runDue();
  await runner.stop();
  return mails
    .slice(before)
    .filter((m) => subject.test(m.mail.subject ?? ''))
    .map((m) => m.rcptTo)
    .sort();
}

forEachStore('rollback and expiry notifications by email', (open) => {
  it('emails an expiry rollback to the requester and the model’s MLOps; a refused rollback emails nobody', async () => {
    const h = await open();
    const requestId = await executedHotfix(h);
    await storePeople(h);
    const { sender } = setup(h);
    const before = mails.length;
    h.clock.advance(72 * 3600_000);
    expect(await expireEmergencies(h.deps)).toEqual([{ requestId, outcome: 'rolled_back' }]);
    const sent = await delivered(h, before, /Rolled back/);
    expect(sent).toEqual([['bob@example.com'], ['max@example.com']]);
    const text = mails.at(-1)?.mail.text ?? '';
    expect(text).toContain('expired without passing the standard path');

    // The baseline is production again; rolling it back (nothing to return to) is refused: no mail.
    const manualBefore = mails.length;
    await expect(rollback(h.deps, people.mlops, { model, reason: 'Check' })).rejects.toThrow();
    expect(await delivered(h, manualBefore, /Rolled back/)).toEqual([]);
    sender.close();
  });

  it('emails a rejected post-incident review to the requester and the model’s MLOps, with the findings', async () => {
    const h = await open();
    const requestId = await executedHotfix(h);
    await storePeople(h);
    const { sender } = setup(h);
    const before = mails.length;
    await recordReview(h.deps, people.risk, {
      requestId,
      role: 'risk_officer',
      decision: 'reject',
      comment: 'Root cause not addressed; the bypassed gate hid a calibration fault',
      ticket: 'RISK-77',
      riskClass: 'high',
    });
    expect(await delivered(h, before, /Review rejected/)).toEqual([
      ['bob@example.com'],
      ['max@example.com'],
    ]);
    expect(mails.at(-1)?.mail.text ?? '').toContain('calibration fault');
    sender.close();
  });

  it('emails an expired request to its requester only', async () => {
    const h = await open();
    await executedHotfix(h);
    await storePeople(h);
    const { sender } = setup(h);
    await addVersion(h, { model, version: '2026.6', dir: 'credit-risk/baseline' });
    const { request } = await requestTransition(h.deps, people.owner, {
      model,
      version: '2026.6',
      to: 'staging',
      reason: 'Forgotten',
    });
    const before = mails.length;
    h.clock.advance(14 * 24 * 3600_000);
    expect(await expireRequests(h.deps)).toEqual([
      { requestId: request.id, previousStatus: 'pending' },
    ]);
    expect(await delivered(h, before, /Request expired/)).toEqual([['olga@example.com']]);
    sender.close();
  });
});
