/**
 * "Which version was in production at time T, and why?" — answered from the audit log alone:
 * the promotions (`transition.executed`), rollbacks (`rollback.executed`) and emergency bypasses
 * (`emergency.bypass`) of the model, replayed in seq order into a production timeline. Each period
 * names the entry that started it and the decision behind it, so the answer can be proved with an
 * inclusion proof of that entry.
 */
import type { AuditEntry } from '../../audit/index.js';
import type { DecisionRecord, Principal } from '../../domain/index.js';
import { invalidInput } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { forbidden, guarded, rolesFor } from '../shared/authorise.js';
import { loadModel } from '../shared/load-policy.js';

/** One stretch of time during which `version` (or nothing) was in production. */
export interface ProductionPeriod {
  /** The production version, or null when the model had none. */
  version: string | null;
  since: string;
  /** When the next period began; null for the current one. */
  until: string | null;
  /** The audit entry that began the period: prove it with `audit prove <seq>`. */
  seq: number;
  action: string;
  actor: string;
  reason?: string;
  ticket?: string;
  /** The transition request executed, when the period began with one. */
  requestId: string | null;
  /** The decision record behind it (gates and approvals); null for a manual rollback. */
  decisionId: string | null;
  /** The version it replaced in production. */
  replaced: string | null;
  changeType?: string;
  /** For rollbacks: `manual` or what triggered it (e.g. `emergency.expired`). */
  trigger?: string;
  /** Set when the promotion bypassed gates under an emergency change. */
  emergencyBypass?: { seq: number; bypassExpiresAt: string | null; reviewDueAt: string | null };
}

export interface ModelHistory {
  model: string;
  /** The instant asked about; null when the question is "now". */
  at: string | null;
  /** The period containing `at` (or the current one); null if nothing was in production then. */
  production: ProductionPeriod | null;
  /** The decision record of that period, when it has one. */
  decision: DecisionRecord | null;
  /** Every production period, oldest first. */
  timeline: ProductionPeriod[];
}

const historyActions = [
  'transition.executed',
  'rollback.executed',
  'emergency.bypass',
  'version.imported',
] as const;

/** Auditors and admins may read any model's history; anyone holding a role on the model, its own. */
function assertMayRead(principal: Principal, model: string): void {
  if (principal.kind === 'system' || rolesFor(principal, model).length > 0) return;
  throw forbidden(
    `${principal.id} may not read the history of model ${model}: it holds no role on it.`,
    'Ask an admin for the auditor role or a role on the model.',
  );
}

function parseInstant(at: string): string {
  const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
  const time = new Date(at);
  if (!rfc3339.test(at) || Number.isNaN(time.getTime())) {
    throw invalidInput(
      `"${at}" is not an RFC 3339 instant.`,
      'Write it like 2026-03-01T09:00:00Z (a date, T, a time and a zone).',
    );
  }
  return time.toISOString();
}

export async function modelHistory(
  deps: AppDeps,
  principal: Principal,
  input: { model: string; at?: string },
): Promise<ModelHistory> {
  const subject = { type: 'model', id: input.model };
  await guarded(deps, { actor: principal, action: 'history.read', subject }, async () =>
    assertMayRead(principal, input.model),
  );
  const at = input.at === undefined ? null : parseInstant(input.at);
  return deps.store.read(async (tx) => {
    await loadModel(tx, input.model);
    const timeline = new TimelineBuilder(input.model);
    for await (const entry of tx.audit.withActions(historyActions)) timeline.add(entry);
    const periods = timeline.periods();
    const production = at === null ? (periods.at(-1) ?? null) : periodAt(periods, at);
    const decision =
      production?.decisionId != null
        ? ((await tx.decisions.get(production.decisionId)) ?? null)
        : null;
    return { model: input.model, at, production, decision, timeline: periods };
  });
}

function periodAt(periods: readonly ProductionPeriod[], at: string): ProductionPeriod | null {
  const t = Date.parse(at);
  const found = periods.filter((p) => Date.parse(p.since) <= t).at(-1);
  return found ?? null;
}

type Data = Record<string, unknown>;
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

class TimelineBuilder {
  readonly #model: string;
  readonly #periods: ProductionPeriod[] = [];
  #current: string | null = null;

  constructor(model: string) {
    this.#model = model;
  }

  add(entry: AuditEntry): void {
    const data: Data = entry.data;
    if (entry.action === 'transition.executed' && data.model === this.#model) {
      if (data.to === 'production') {
        this.#start(entry, text(data.version), { requestId: entry.subject.id, data });
      } else if (data.from === 'production' && data.version === this.#current) {
        this.#start(entry, null, { requestId: entry.subject.id, data });
      }
    } else if (
      entry.action === 'rollback.executed' &&
      entry.subject.type === 'model' &&
      entry.subject.id === this.#model
    ) {
      this.#start(entry, text(data.to), { requestId: text(data.requestId), data });
    } else if (entry.action === 'version.imported' && data.model === this.#model) {
      this.#start(entry, text(data.version), { requestId: null, data });
    } else if (entry.action === 'emergency.bypass') {
      const period = this.#periods.findLast((p) => p.requestId === entry.subject.id);
      if (period) {
        period.emergencyBypass = {
          seq: entry.seq,
          bypassExpiresAt: text(data.bypassExpiresAt),
          reviewDueAt: text(data.reviewDueAt),
        };
      }
    }
  }

  periods(): ProductionPeriod[] {
    return this.#periods;
  }

  #start(
    entry: AuditEntry,
    version: string | null,
    facts: { requestId: string | null; data: Data },
  ) {
    const previous = this.#periods.at(-1);
    if (previous) previous.until = entry.time;
    const { data } = facts;
    const changeType = text(data.changeType);
    const trigger = text(data.trigger);
    this.#periods.push({
      version,
      since: entry.time,
      until: null,
      seq: entry.seq,
      action: entry.action,
      actor: entry.actor.id,
      ...(entry.reason ? { reason: entry.reason } : {}),
      ...(entry.ticket ? { ticket: entry.ticket } : {}),
      requestId: facts.requestId,
      decisionId: text(data.decisionId),
      replaced: this.#current,
      ...(changeType ? { changeType } : {}),
      ...(trigger ? { trigger } : {}),
    });
    this.#current = version;
  }
}
