import type { AuditAction } from '../../audit/index.js';
import type { Actor } from '../../domain/index.js';
import type { AuditEntryInput } from './ports.js';

export interface AuditFacts {
  actor: Actor;
  time: string;
  /** Typed, so every action the app writes is one `knownAuditActions` names. */
  action: AuditAction;
  subject: { type: string; id: string };
  reason?: string | undefined;
  ticket?: string | undefined;
  digests?: Record<string, string | undefined>;
  data?: Record<string, unknown>;
}

/** An audit entry without empty optional fields (the entry shape is closed and canonical). */
export function auditRecord(facts: AuditFacts): AuditEntryInput {
  const digests: Record<string, string> = {};
  for (const [name, digest] of Object.entries(facts.digests ?? {})) {
    if (digest !== undefined) digests[name] = digest;
  }
  return {
    time: facts.time,
    actor: { id: facts.actor.id, kind: facts.actor.kind },
    action: facts.action,
    subject: facts.subject,
    ...(facts.reason ? { reason: facts.reason } : {}),
    ...(facts.ticket ? { ticket: facts.ticket } : {}),
    digests,
    data: JSON.parse(JSON.stringify(facts.data ?? {})) as Record<string, unknown>,
  };
}

/** The service itself, acting on a schedule (expiry of emergency bypasses). */
export function systemActor(job: string): Actor {
  return { id: `system:${job}`, kind: 'system' };
}
