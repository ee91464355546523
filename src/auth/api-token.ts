/**
 * API tokens: `clr_<id>_<secret>`. The id is stored in clear to find the row; only a hash of the
 * secret is stored, so a leaked database does not leak usable tokens.
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TokenIssuer } from '../app/index.js';

export interface ApiToken {
  /** 12 random bytes, hex: looked up in clear, shown in listings and audit entries. */
  id: string;
  /** 32 random bytes (256 bits), base64url: shown once, stored only as its hash. */
  secret: string;
  /** What the user copies: `clr_<id>_<secret>`. */
  display: string;
}

const tokenPattern = /^clr_([0-9a-f]{24})_([A-Za-z0-9_-]{43})$/;

export function createApiToken(): ApiToken {
  const id = randomBytes(12).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, display: `clr_${id}_${secret}` };
}

/**
 * SHA-256 hex of the secret. A slow password hash (scrypt, Argon2) defends low-entropy secrets
 * against guessing; these secrets are 256 random bits, so guessing a preimage is infeasible
 * whatever the hash speed, and a fast hash keeps per-request authentication cheap.
 */
export function hashTokenSecret(secret: string): string {
  // One-shot: no Hash object per request (authentication hashes the presented secret each time).
  return hash('sha256', secret, 'hex');
}

/** Splits `clr_<id>_<secret>`; undefined for anything else (including JWTs). */
export function parseApiToken(text: string): { id: string; secret: string } | undefined {
  const match = tokenPattern.exec(text.trim());
  if (!match?.[1] || !match[2]) return undefined;
  return { id: match[1], secret: match[2] };
}

export function isApiToken(text: string): boolean {
  return text.trim().startsWith('clr_');
}

/** Compares in constant time, so response timing does not reveal how much of a hash matched. */
export function isTokenSecretValid(secret: string, hashedSecret: string): boolean {
  const actual = hash('sha256', secret, 'buffer');
  const expected = Buffer.from(hashedSecret, 'hex');
  if (actual.length !== expected.length) return false;
  return timingSafeEqual(actual, expected);
}

/** The app's TokenIssuer port: a new token whose secret leaves only as `display`. */
export const apiTokenIssuer: TokenIssuer = {
  issue() {
    const token = createApiToken();
    return { id: token.id, display: token.display, hashedSecret: hashTokenSecret(token.secret) };
  },
};
