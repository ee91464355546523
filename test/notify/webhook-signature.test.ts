import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  generateWebhookSecret,
  signWebhook,
  verifyWebhook,
  webhookSecretKey,
} from '../../src/notify/index.js';

const body = JSON.stringify({
  type: 'gate.failed',
  data: { model: 'credit-risk-scorer', note: 'é ✓' },
});
const id = 'evt_01JGATEFAILED';

describe('Standard Webhooks signatures', () => {
  it('produces signatures the reference implementation verifies', () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook({ id, body, secrets: [secret] });
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('verifies signatures the reference implementation produces', () => {
    const secret = generateWebhookSecret();
    const timestamp = new Date();
    const signature = new Webhook(secret).sign(id, timestamp, body);
    const headers = {
      'Webhook-Id': id,
      'Webhook-Timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'Webhook-Signature': signature,
    };
    expect(verifyWebhook({ headers, body, secrets: [secret] })).toMatchObject({ ok: true, id });
    // Byte-for-byte the same signature: the algorithm, not just the round trip, agrees.
    expect(signWebhook({ id, body, secrets: [secret], timestamp })['webhook-signature']).toBe(
      signature,
    );
  });

  it('fails on a changed body, both ways', () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook({ id, body, secrets: [secret] });
    const changed = body.replace('credit', 'debit');
    expect(verifyWebhook({ headers, body: changed, secrets: [secret] })).toEqual({
      ok: false,
      reason: 'no_matching_signature',
    });
    expect(() => new Webhook(secret).verify(changed, { ...headers })).toThrow(
      /No matching signature/,
    );
    expect(
      verifyWebhook({ headers: { ...headers, 'webhook-id': 'evt_other' }, body, secrets: [secret] })
        .ok,
    ).toBe(false);
  });

  it('fails on an old or future timestamp, both ways', () => {
    const secret = generateWebhookSecret();
    const old = new Date(Date.now() - 10 * 60_000);
    const headers = signWebhook({ id, body, secrets: [secret], timestamp: old });
    expect(verifyWebhook({ headers, body, secrets: [secret] })).toEqual({
      ok: false,
      reason: 'timestamp_too_old',
    });
    expect(() => new Webhook(secret).verify(body, { ...headers })).toThrow(/too old/);
    const future = signWebhook({
      id,
      body,
      secrets: [secret],
      timestamp: new Date(Date.now() + 10 * 60_000),
    });
    expect(verifyWebhook({ headers: future, body, secrets: [secret] })).toEqual({
      ok: false,
      reason: 'timestamp_too_new',
    });
    // Within a wider tolerance the same old delivery verifies.
    expect(verifyWebhook({ headers, body, secrets: [secret], toleranceSeconds: 15 * 60 }).ok).toBe(
      true,
    );
  });

  it('keeps two secrets valid at once during a rotation', () => {
    const oldSecret = generateWebhookSecret();
    const newSecret = generateWebhookSecret();
    const headers = signWebhook({ id, body, secrets: [oldSecret, newSecret] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    // A receiver that still has only the old secret, and one that already has the new one.
    expect(() => new Webhook(oldSecret).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(newSecret).verify(body, { ...headers })).not.toThrow();
    // A receiver holding both accepts a delivery signed with either alone.
    const onlyNew = signWebhook({ id, body, secrets: [newSecret] });
    expect(verifyWebhook({ headers: onlyNew, body, secrets: [oldSecret, newSecret] }).ok).toBe(
      true,
    );
    expect(verifyWebhook({ headers: onlyNew, body, secrets: [oldSecret] }).ok).toBe(false);
  });

  it('refuses missing headers and malformed timestamps', () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook({ id, body, secrets: [secret] });
    expect(verifyWebhook({ headers: { 'webhook-id': id }, body, secrets: [secret] })).toEqual({
      ok: false,
      reason: 'missing_headers',
    });
    expect(
      verifyWebhook({
        headers: { ...headers, 'webhook-timestamp': '12e3' },
        body,
        secrets: [secret],
      }),
    ).toEqual({ ok: false, reason: 'invalid_timestamp' });
  });

  it('accepts only whsec_ secrets of 24 to 64 bytes', () => {
    expect(webhookSecretKey(generateWebhookSecret())).toHaveLength(32);
    expect(() => webhookSecretKey('plain-secret')).toThrow(/whsec_/);
    expect(() => webhookSecretKey(`whsec_${randomBytes(8).toString('base64')}`)).toThrow(
      /24 to 64/,
    );
    expect(() => webhookSecretKey('whsec_not base64!')).toThrow(/base64/);
  });

  it('agrees with the reference implementation on any id, body and secret', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ minLength: 24, maxLength: 64 }),
        fc.integer({ min: 1_000_000_000, max: 4_000_000_000 }),
        (msgId, bytes, keyBytes, seconds) => {
          const secret = `whsec_${Buffer.from(keyBytes).toString('base64')}`;
          const timestamp = new Date(seconds * 1000);
          const ours = signWebhook({ id: msgId, body: bytes, secrets: [secret], timestamp });
          expect(ours['webhook-signature']).toBe(new Webhook(secret).sign(msgId, timestamp, bytes));
          const now = new Date(seconds * 1000 + 1000);
          expect(verifyWebhook({ headers: ours, body: bytes, secrets: [secret], now }).ok).toBe(
            true,
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
