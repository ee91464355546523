/**
 * Bounds `access.denied` audit entries (docs/reference/audit.md, "Aggregated denials"). Per
 * principal, action and subject, the first denial in a window is written at once; the ones after
 * it in that window are counted, and the count is written either by the next denial after the
 * window (its entry carries `suppressed`) or by a summary entry when the window ends
 * (`flushAccessDenials`, on a schedule and at shutdown). A principal gets at most `perPrincipal`
 * such keys per window; denials on further subjects are counted into one summary per principal,
 * by action. So a principal causes at most `2 × perPrincipal + 1` entries per window (immediate
 * ones, one summary per key, one overflow summary), and every denial is in the log, one by one or
 * in a count.
 */
import type { Actor } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord } from '../shared/audit-record.js';
import { repeatEvery } from '../shared/repeat-every.js';

export interface DenialSubject {
  type: string;
  id: string;
}

export interface Denial {
  actor: Actor;
  action: string;
  subject: DenialSubject;
}

/** What `guarded` writes for a denial now: nothing, or an entry carrying earlier suppressed ones. */
export type Admission =
  | { write: false }
  | { write: true; suppressed: number; suppressedSince?: string };

/** A count of denials not written one by one, due as a summary entry. */
export interface DenialSummary {
  actor: Actor;
  /** The attempted action, or `various` for a principal's overflow. */
  action: string;
  subject: DenialSubject;
  suppressed: number;
  since: string;
  until: string;
  /** Overflow only: the suppressed denials by attempted action. */
  byAction?: Record<string, number>;
}

interface KeyState {
  denial: Denial;
  windowStart: number;
  suppressed: number;
  firstSuppressed?: number;
  lastSuppressed?: number;
}

interface PrincipalState {
  windowStart: number;
  keys: Map<string, KeyState>;
  overflow?:
    | { actor: Actor; count: number; first: number; last: number; byAction: Map<string, number> }
    | undefined;
}

export interface AccessDenialThrottle {
  admit(denial: Denial, now: Date): Admission;
  /** Summaries whose window has ended by `now` (all of them with `now` = undefined), removed. */
  takeDue(now: Date | undefined): DenialSummary[];
}

const keyOf = (d: Denial) => JSON.stringify([d.action, d.subject.type, d.subject.id]);
const iso = (ms: number) => new Date(ms).toISOString();

export function accessDenialThrottle(options: {
  windowMs: number;
  perPrincipal: number;
}): AccessDenialThrottle {
  const principals = new Map<string, PrincipalState>();

  function principalState(actor: Actor, now: number): PrincipalState {
    let state = principals.get(actor.id);
    if (state === undefined) {
      state = { windowStart: now, keys: new Map() };
      principals.set(actor.id, state);
    }
    return state;
  }

  return {
    admit(denial, at) {
      const now = at.getTime();
      const principal = principalState(denial.actor, now);
      const key = keyOf(denial);
      const known = principal.keys.get(key);
      if (known !== undefined && now < known.windowStart + options.windowMs) {
        known.suppressed += 1;
        known.firstSuppressed ??= now;
        known.lastSuppressed = now;
        return { write: false };
      }
      if (now >= principal.windowStart + options.windowMs) principal.windowStart = now;
      let written = 0;
      for (const state of principal.keys.values()) {
        if (state.windowStart >= principal.windowStart) written += 1;
      }
      if (written < options.perPrincipal) {
        // A new window for this key: the entry carries what the last one held back.
        principal.keys.set(key, { denial, windowStart: now, suppressed: 0 });
        return {
          write: true,
          suppressed: known?.suppressed ?? 0,
          ...(known?.firstSuppressed === undefined
            ? {}
            : { suppressedSince: iso(known.firstSuppressed) }),
        };
      }
      // Over the principal's budget: counted; an ended key keeps its own count for takeDue.
      if (principal.overflow === undefined) {
        principal.overflow = {
          actor: denial.actor,
          count: 0,
          first: now,
          last: now,
          byAction: new Map(),
        };
      }
      const overflow = principal.overflow;
      overflow.count += 1;
      overflow.last = now;
      overflow.byAction.set(denial.action, (overflow.byAction.get(denial.action) ?? 0) + 1);
      return { write: false };
    },

    takeDue(at) {
      const now = at?.getTime();
      const ended = (start: number) => now === undefined || now >= start + options.windowMs;
      const due: DenialSummary[] = [];
      for (const [id, principal] of principals) {
        for (const [key, state] of principal.keys) {
          if (!ended(state.windowStart)) continue;
          principal.keys.delete(key);
          if (state.suppressed === 0) continue;
          due.push({
            actor: state.denial.actor,
            action: state.denial.action,
            subject: state.denial.subject,
            suppressed: state.suppressed,
            since: iso(state.firstSuppressed ?? state.windowStart),
            until: iso(state.lastSuppressed ?? state.windowStart),
          });
        }
        const overflow = principal.overflow;
        if (overflow !== undefined && ended(principal.windowStart)) {
          principal.overflow = undefined;
          due.push({
            actor: overflow.actor,
            action: 'various',
            subject: { type: 'principal', id },
            suppressed: overflow.count,
            since: iso(overflow.first),
            until: iso(overflow.last),
            byAction: Object.fromEntries([...overflow.byAction].sort()),
          });
        }
        if (principal.keys.size === 0 && principal.overflow === undefined) principals.delete(id);
      }
      return due;
    },
  };
}

/**
 * Writes the summaries of ended windows (every pending one with `all`, at shutdown) as
 * `access.denied` entries, in one transaction. Without a throttle there is nothing to write.
 */
export async function flushAccessDenials(
  deps: AppDeps,
  options: { all?: boolean } = {},
): Promise<number> {
  const due = deps.denials?.takeDue(options.all ? undefined : deps.clock.now()) ?? [];
  if (due.length === 0) return 0;
  const time = deps.clock.now().toISOString();
  await deps.store.transaction(async (tx) => {
    for (const summary of due) {
      await tx.audit.append(
        auditRecord({
          actor: summary.actor,
          time,
          action: 'access.denied',
          subject: summary.subject,
          reason: `${summary.suppressed} further denial(s) of ${summary.actor.id} (${summary.action}) between ${summary.since} and ${summary.until}, counted instead of written one by one.`,
          data: {
            attempted: summary.action,
            // Not a denial itself: the count of denials it stands for.
            summary: true,
            suppressed: summary.suppressed,
            suppressedSince: summary.since,
            suppressedUntil: summary.until,
            ...(summary.byAction ? { byAction: summary.byAction } : {}),
          },
        }),
      );
    }
  });
  return due.length;
}

/**
 * Writes due summaries every `intervalMs`; the returned function stops the schedule and writes
 * every pending count, so a clean shutdown loses none.
 */
export function startAccessDenialFlush(
  deps: AppDeps,
  intervalMs: number,
  onError: (error: unknown) => void,
): () => Promise<void> {
  const stop = repeatEvery({ intervalMs, job: () => flushAccessDenials(deps), onError });
  return async () => {
    await stop();
    await flushAccessDenials(deps, { all: true }).catch(onError);
  };
}
