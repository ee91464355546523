/**
 * One audit-log entry, its leaf encoding and its shape check. The leaf is
 * SHA-256(0x00 ‖ UTF-8(RFC 8785 canonical JSON of the entry)) — RFC 9162 §2.1.1 over RFC 8785
 * bytes — so any auditor with a JCS implementation and SHA-256 can recompute it.
 */
import { canonicalJson } from '../domain/canonical-json.js';
import { ClearanceError } from '../domain/index.js';
import { hashLeaf } from './merkle.js';

/** Who acted: a person, an API token, or the service itself (e.g. an automatic rollback). */
export const actorKinds = ['user', 'token', 'system'] as const;
export type ActorKind = (typeof actorKinds)[number];

/**
 * Every action the service writes (the app's audit records are typed with `AuditAction`, and
 * test/audit-actions.test.ts reads the writes in src/); others are accepted if they match
 * `actionPattern`.
 */
export const knownAuditActions = [
  'model.registered',
  'model.policy_changed',
  'model.tag_set',
  'model.tag_deleted',
  'model.alias_set',
  'model.alias_deleted',
  'model.description_updated',
  'version.registered',
  'version.imported',
  'version.tag_set',
  'version.tag_deleted',
  'version.description_updated',
  'evidence.attached',
  'blobs.collected',
  'policy.registered',
  'policy.backtested',
  'transition.requested',
  'transition.executed',
  'transition.rejected',
  'transition.cancelled',
  'transition.expired',
  'transition.blocked',
  'transition.conflict',
  'approval.recorded',
  'gate.evaluated',
  'emergency.bypass',
  'emergency.ended',
  'emergency.regularised',
  'emergency.reverted',
  'review.recorded',
  'review.reminded',
  'review.escalated',
  'rollout.started',
  'rollout.window_decided',
  'rollout.step',
  'rollout.paused',
  'rollout.resumed',
  'rollout.completed',
  'rollout.aborted',
  'rollout.rolled_back',
  'rollback.executed',
  'identity.bootstrap',
  'user.created',
  'user.email_set',
  'user.disabled',
  'user.enabled',
  'token.created',
  'token.revoked',
  'role.changed',
  'access.denied',
  'webhook.created',
  'webhook.updated',
  'webhook.secret_rotated',
  'webhook.deleted',
  'webhook.disabled',
  'webhook.redelivered',
  'audit.key_rotated',
  'evidence_pack.exported',
  'mlflow.model.imported',
] as const;

/** An action the service writes (the app's audit records are typed with it). */
export type AuditAction = (typeof knownAuditActions)[number];

/** `noun.verb`, lowercase, at least two dot-separated words. */
export const actionPattern = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/** One audit-log entry (DESIGN.md §2 "Audit log"); its leaf is hashed over RFC 8785 bytes. */
export interface AuditEntry {
  /** Position in the log, contiguous from 0; also the Merkle leaf index. */
  seq: number;
  /** RFC 3339 UTC with milliseconds, as `Date.prototype.toISOString` writes it. */
  time: string;
  actor: { id: string; kind: ActorKind };
  action: string;
  subject: { type: string; id: string };
  reason?: string;
  ticket?: string;
  /** Named content digests the action saw, `algorithm:hex` (e.g. `sha256:…`). */
  digests: Record<string, string>;
  /** Action-specific details; must be representable in RFC 8785 canonical JSON. */
  data: Record<string, unknown>;
}

/** Outcome of {@link checkAuditEntry}: the entry, or every problem found. */
export type AuditEntryCheck =
  | { ok: true; entry: AuditEntry; encoded: Uint8Array }
  | { ok: false; problems: string[] };

const topLevelKeys = new Set([
  'seq',
  'time',
  'actor',
  'action',
  'subject',
  'reason',
  'ticket',
  'digests',
  'data',
]);
const encoder = new TextEncoder();
const knownActions: ReadonlySet<string> = new Set(knownAuditActions);
const digestPattern = /^[a-z0-9][a-z0-9-]*:[0-9a-f]+$/;
/** The shape of a time: '0' stands for any ASCII digit, every other character must match. */
const timeShape = '0000-00-00T00:00:00.000Z';

/**
 * Checks an untrusted value against the `AuditEntry` shape and returns every problem, each
 * naming the field (e.g. "actor.kind must be one of user, token, system"). Unknown fields are
 * problems: the leaf hash covers the whole object, so the shape is closed. A valid entry comes
 * back with `encoded`, its leaf input (see {@link encodeEntry}), so callers serialise it once.
 */
export function checkAuditEntry(value: unknown): AuditEntryCheck {
  const problems = auditEntryShapeProblems(value);
  if (problems.length > 0) return { ok: false, problems };
  let text: string;
  try {
    text = canonicalJson(value);
  } catch (error) {
    return { ok: false, problems: [(error as Error).message] };
  }
  return { ok: true, entry: value as unknown as AuditEntry, encoded: encoder.encode(text) };
}

/**
 * The shape half of {@link checkAuditEntry}, without serialising: every problem found, none for
 * an entry. For a value just parsed from JSON text whose bytes are hashed as they are (the
 * verifier's fast path), where serialising again would only repeat the work.
 */
export function auditEntryShapeProblems(value: unknown): string[] {
  const problems: string[] = [];
  if (!isRecord(value)) return ['an audit entry must be a JSON object'];
  for (const key of Object.keys(value)) {
    if (!topLevelKeys.has(key)) problems.push(`${key} is not an audit entry field`);
  }
  const { seq, time, actor, action, subject, reason, ticket, digests, data } = value;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
    problems.push('seq must be a non-negative integer');
  }
  if (typeof time !== 'string' || !isUtcMillisTime(time)) {
    problems.push('time must be RFC 3339 UTC with milliseconds, e.g. 2026-01-31T09:30:00.000Z');
  }
  checkPair(actor, 'actor', ['id', 'kind'], problems);
  if (isRecord(actor) && !(actorKinds as readonly unknown[]).includes(actor.kind)) {
    problems.push(`actor.kind must be one of ${actorKinds.join(', ')}`);
  }
  // The service's own actions match the pattern (test/app/audit-actions.test.ts), so
  // they skip the regex.
  if (typeof action !== 'string' || !(knownActions.has(action) || actionPattern.test(action))) {
    problems.push('action must be lowercase dotted words such as "transition.executed"');
  }
  checkPair(subject, 'subject', ['type', 'id'], problems);
  for (const [name, text] of [
    ['reason', reason],
    ['ticket', ticket],
  ] as const) {
    if (text !== undefined && (typeof text !== 'string' || text.length === 0)) {
      problems.push(`${name} must be a non-empty string when present`);
    }
  }
  checkDigests(digests, problems);
  if (!isRecord(data))
    problems.push('data must be a JSON object ({} when there is nothing to add)');
  return problems;
}

/** Throws `ClearanceError('invalid_input')` listing every problem unless `value` is an entry. */
export function assertAuditEntry(value: unknown): asserts value is AuditEntry {
  encodeChecked(value);
}

/**
 * The leaf input: UTF-8 bytes of the entry's RFC 8785 canonical JSON. Validates first and throws
 * `ClearanceError('invalid_input')` for a malformed entry, so nothing unverifiable is logged.
 */
export function encodeEntry(entry: AuditEntry): Uint8Array {
  return encodeChecked(entry);
}

/**
 * The text {@link encodeEntry} gives for `entry` at any seq, split where the seq's digits go:
 * `before + String(seq) + after`, for a store that allocates the seq inside one statement and
 * hashes the text there (RFC 8785 writes an integer as its plain decimal digits). Validates like
 * `encodeEntry`. Serialised once, in two halves: RFC 8785 sorts the members by key, so the
 * members whose keys sort before `seq` come first, then `"seq":`, then the others, each member
 * written exactly as it would be in the whole object.
 */
export function entryTextAroundSeq(entry: Omit<AuditEntry, 'seq'>): {
  before: string;
  after: string;
} {
  const withSeq: Record<string, unknown> = { ...entry, seq: 0 };
  const problems = auditEntryShapeProblems(withSeq);
  if (problems.length > 0) throw malformed(withSeq, problems);
  const lower: Record<string, unknown> = {};
  const upper: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) {
    // The shape is closed and its keys ASCII: `<` is the UTF-16 order RFC 8785 sorts by.
    if (key !== 'seq') (key < 'seq' ? lower : upper)[key] = value;
  }
  let low: string;
  let high: string;
  try {
    low = canonicalJson(lower);
    high = canonicalJson(upper);
  } catch (error) {
    throw malformed(withSeq, [(error as Error).message]);
  }
  return {
    before: `${low.slice(0, -1)}${low.length > 2 ? ',' : ''}"seq":`,
    after: high.length > 2 ? `,${high.slice(1)}` : '}',
  };
}

/** The entry's Merkle leaf hash, SHA-256(0x00 ‖ encodeEntry(entry)) — RFC 9162 §2.1.1. */
export function entryLeafHash(entry: AuditEntry): Uint8Array {
  return hashLeaf(encodeEntry(entry));
}

function encodeChecked(value: unknown): Uint8Array {
  const check = checkAuditEntry(value);
  if (check.ok) return check.encoded;
  throw malformed(value, check.problems);
}

function malformed(value: unknown, problems: string[]): ClearanceError {
  const seq = isRecord(value) && typeof value.seq === 'number' ? ` ${value.seq}` : '';
  return new ClearanceError(
    'invalid_input',
    `Audit entry${seq} is malformed: ${problems.join('; ')}`,
    {
      problems: problems.map((message) => ({
        message,
        fix: 'Build entries with the AuditEntry type.',
      })),
    },
  );
}

function checkPair(
  value: unknown,
  name: string,
  keys: readonly string[],
  problems: string[],
): void {
  if (!isRecord(value)) {
    problems.push(`${name} must be an object with ${keys.join(' and ')}`);
    return;
  }
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) problems.push(`${name}.${key} is not a field of ${name}`);
  }
  for (const key of keys) {
    const field = value[key];
    if (key !== 'kind' && (typeof field !== 'string' || field.length === 0)) {
      problems.push(`${name}.${key} must be a non-empty string`);
    }
  }
}

function checkDigests(digests: unknown, problems: string[]): void {
  if (!isRecord(digests)) {
    problems.push('digests must be an object of name → "algorithm:hex" ({} when none)');
    return;
  }
  for (const [name, digest] of Object.entries(digests)) {
    if (typeof digest !== 'string' || !digestPattern.test(digest)) {
      problems.push(`digests.${name} must be "algorithm:lowercase-hex", e.g. "sha256:9f86d0…"`);
    } else if (digest.startsWith('sha256:') && digest.length !== 7 + 64) {
      problems.push(`digests.${name} is a sha256 digest, which has 64 hex digits`);
    }
  }
}

/**
 * Whether `time` is `YYYY-MM-DDTHH:mm:ss.sssZ` naming a real instant: exactly what
 * `Date.prototype.toISOString` writes for years 0000–9999 (proleptic Gregorian calendar, so
 * 0000 is a leap year; no hour 24, no leap second). One pass over the 24 characters, no `Date`:
 * the same verdict as parsing and writing the time back (audit-entry.test.ts compares the two).
 */
function isUtcMillisTime(time: string): boolean {
  if (time.length !== 24) return false;
  for (let i = 0; i < 24; i++) {
    const code = time.charCodeAt(i);
    const want = timeShape.charCodeAt(i);
    if (want === 48 ? code < 48 || code > 57 : code !== want) return false;
  }
  const year = digits(time, 0, 4);
  const month = digits(time, 5, 2);
  const day = digits(time, 8, 2);
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    digits(time, 11, 2) <= 23 &&
    digits(time, 14, 2) <= 59 &&
    digits(time, 17, 2) <= 59
  );
}

/** The decimal value of `length` ASCII digits of `text` from `start` (already checked digits). */
function digits(text: string, start: number, length: number): number {
  let value = 0;
  for (let i = start; i < start + length; i++) value = value * 10 + text.charCodeAt(i) - 48;
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
