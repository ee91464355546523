/**
 * Review deadlines: the `reviews.escalate` job reminds the people who must review an emergency
 * change when its deadline nears (`review.due`) and escalates once it has passed
 * (`review.overdue`). Each is sent at most once per request, by any server: what was sent is the
 * request's audit entry (`review.reminded`, `review.escalated`), written with the event in one
 * transaction under the request's row lock, so a second run, a retried job or another server
 * finds it and sends nothing.
 */
import { parseDuration } from '../../domain/duration.js';
import type { TransitionRequest } from '../../domain/index.js';
import { roleHolders } from '../identity/role-holders.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord, systemActor } from '../shared/audit-record.js';
import { emit, requestSubject, requestSummary } from '../shared/emit-event.js';
import { loadPolicy } from '../shared/load-policy.js';
import type { Repositories } from '../shared/ports.js';
import { emergencyReviewState, hasReview } from '../transitions/emergency-status.js';

export interface EscalationOutcome {
  requestId: string;
  sent: 'review.due' | 'review.overdue';
}

const actor = systemActor('reviews-escalate');
const sentActions = {
  'review.due': 'review.reminded',
  'review.overdue': 'review.escalated',
} as const;

/** The reminder goes out when a quarter of the review period is left. */
const reminderShare = 0.25;

/**
 * Sends what is owed now for every executed emergency whose review is not complete: `review.due`
 * once the last quarter of its review period has begun, `review.overdue` once `reviewDueAt` has
 * passed (a review found already overdue gets only the escalation).
 */
export async function escalateReviews(
  deps: AppDeps,
  input: { now?: Date } = {},
): Promise<EscalationOutcome[]> {
  const now = input.now ?? deps.clock.now();
  // Read without locks first, so requests already escalated cost no locked transaction each run.
  const owed = await deps.store.read(async (tx) => {
    const open: TransitionRequest[] = [];
    for (const r of await tx.requests.list({ status: ['executed', 'expired'] })) {
      if (!hasReview(r) || r.reviewDueAt === undefined) continue;
      const subject = { type: 'request', id: r.id };
      if ((await tx.audit.aboutSubject(subject, ['review.escalated'])).length === 0) open.push(r);
    }
    return open;
  });
  const outcomes: EscalationOutcome[] = [];
  for (const request of owed) {
    const sent = await deps.store.transaction((tx) => escalateOne(deps, tx, request.id, now));
    if (sent) outcomes.push({ requestId: request.id, sent });
  }
  return outcomes;
}

function owedNow(
  request: TransitionRequest & { reviewDueAt: string },
  dueWithin: string | undefined,
  now: Date,
): EscalationOutcome['sent'] | undefined {
  const dueAt = Date.parse(request.reviewDueAt);
  if (now.getTime() >= dueAt) return 'review.overdue';
  const period = parseDuration(dueWithin ?? '') ?? 0;
  return now.getTime() >= dueAt - reminderShare * period ? 'review.due' : undefined;
}

async function escalateOne(
  deps: AppDeps,
  tx: Repositories,
  requestId: string,
  now: Date,
): Promise<EscalationOutcome['sent'] | undefined> {
  const request = await tx.requests.get(requestId, { forUpdate: true });
  if (!request || !hasReview(request) || request.reviewDueAt === undefined) return undefined;
  const policy = await loadPolicy(tx, request.policyDigest);
  const dueWithin = policy.changeTypes.emergency?.postIncidentReview.dueWithin;
  const type = owedNow({ ...request, reviewDueAt: request.reviewDueAt }, dueWithin, now);
  if (type === undefined) return undefined;
  const subject = { type: 'request', id: request.id };
  const done = await tx.audit.aboutSubject(subject, [sentActions[type]]);
  if (done.length > 0) return undefined;
  const { evaluation } = await emergencyReviewState(tx, { request, policy, now });
  // An approved review owes nothing; a rejected one is closed (ADR 013: `review.rejected` told
  // the people who must act).
  if (evaluation.satisfied || evaluation.rejection) return undefined;
  const awaiting = await roleHolders(tx, {
    model: request.model,
    needed: evaluation.missing.map(({ role, needed }) => ({ role, count: needed })),
    excluding: [request.requestedBy],
  });
  const at = now.toISOString();
  await tx.audit.append(
    auditRecord({
      actor,
      time: at,
      action: sentActions[type],
      subject,
      data: {
        reviewDueAt: request.reviewDueAt,
        awaiting: awaiting.map((a) => ({
          role: a.role,
          needed: a.needed,
          holders: a.holders.map((h) => h.userId),
        })),
      },
    }),
  );
  await emit(tx, deps, {
    type,
    at,
    subject: requestSubject(request),
    data: { request: requestSummary(request), reviewDueAt: request.reviewDueAt, awaiting },
  });
  return type;
}
