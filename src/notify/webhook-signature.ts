/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com, "Signature scheme", symmetric
 * `v1`): HMAC-SHA256 over `${webhook-id}.${webhook-timestamp}.${body}`, base64, sent as
 * `webhook-signature: v1,<sig>` (several space-separated during a secret rotation). Secrets are
 * `whsec_` + base64 of 24 to 64 random bytes. The timestamp is whole seconds since the epoch; a
 * receiver refuses one outside its tolerance window so a captured request cannot be replayed later.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const webhookSecretPrefix = 'whsec_';

/** Five minutes either way, the reference libraries' default. */
export const defaultToleranceSeconds = 5 * 60;

/** A type, not an interface, so it passes where any header record is expected. */
export type WebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/** A new `whsec_` secret over 32 random bytes. */
export function generateWebhookSecret(): string {
  return `${webhookSecretPrefix}${randomBytes(32).toString('base64')}`;
}

/** The key bytes of a `whsec_<base64>` secret; throws on a secret that is not one (a config bug). */
export function webhookSecretKey(secret: string): Buffer {
  if (!secret.startsWith(webhookSecretPrefix)) {
    throw new Error(`Webhook secret must start with "${webhookSecretPrefix}"`);
  }
  const encoded = secret.slice(webhookSecretPrefix.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/u.test(encoded)) {
    throw new Error('Webhook secret must be base64 after its "whsec_" prefix');
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length < 24 || key.length > 64) {
    throw new Error(`Webhook secret must hold 24 to 64 bytes; this one holds ${key.length}`);
  }
  return key;
}

function signature(key: Buffer, id: string, timestamp: number, body: string | Uint8Array): string {
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.`);
  mac.update(body);
  return mac.digest('base64');
}

export interface SignInput {
  id: string;
  /** Defaults to now. */
  timestamp?: Date;
  /** The exact bytes sent: signing a re-serialised body would not verify. */
  body: string | Uint8Array;
  /** Every secret currently valid (one, or two during a rotation): each gets a signature. */
  secrets: readonly string[];
}

/** The three Standard Webhooks headers for one delivery. */
export function signWebhook(input: SignInput): WebhookHeaders {
  if (input.secrets.length === 0) throw new Error('Signing a webhook needs at least one secret');
  const seconds = Math.floor((input.timestamp ?? new Date()).getTime() / 1000);
  const signatures = input.secrets.map(
    (secret) => `v1,${signature(webhookSecretKey(secret), input.id, seconds, input.body)}`,
  );
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(seconds),
    'webhook-signature': signatures.join(' '),
  };
}

export type VerifyFailure =
  | 'missing_headers'
  | 'invalid_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'no_matching_signature';

export type WebhookVerification =
  | { ok: true; id: string; timestamp: Date }
  | { ok: false; reason: VerifyFailure };

export interface VerifyInput {
  /** Header names in any case; repeated headers as arrays (Node's `IncomingHttpHeaders`). */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  body: string | Uint8Array;
  /** Any secret that is valid now: during a rotation, the old and the new one. */
  secrets: readonly string[];
  now?: Date;
  toleranceSeconds?: number;
}

function header(headers: VerifyInput['headers'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    return typeof value === 'string' ? value : value?.[0];
  }
  return undefined;
}

function sameBytes(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Checks a received webhook as a Standard Webhooks receiver does. */
export function verifyWebhook(input: VerifyInput): WebhookVerification {
  const id = header(input.headers, 'webhook-id');
  const stamp = header(input.headers, 'webhook-timestamp');
  const sent = header(input.headers, 'webhook-signature');
  if (!id || !stamp || !sent) return { ok: false, reason: 'missing_headers' };
  if (!/^\d{1,15}$/u.test(stamp)) return { ok: false, reason: 'invalid_timestamp' };
  const seconds = Number(stamp);
  const now = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const tolerance = input.toleranceSeconds ?? defaultToleranceSeconds;
  if (now - seconds > tolerance) return { ok: false, reason: 'timestamp_too_old' };
  if (seconds - now > tolerance) return { ok: false, reason: 'timestamp_too_new' };
  const candidates = sent
    .split(' ')
    .filter((part) => part.startsWith('v1,'))
    .map((part) => part.slice(3));
  for (const secret of input.secrets) {
    const expected = signature(webhookSecretKey(secret), id, seconds, input.body);
    if (candidates.some((candidate) => sameBytes(candidate, expected))) {
      return { ok: true, id, timestamp: new Date(seconds * 1000) };
    }
  }
  return { ok: false, reason: 'no_matching_signature' };
}
