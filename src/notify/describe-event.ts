/**
 * What a person reads about an event, in plain words: a title, what happened and why, who must
 * act, and the facts. Slack and email both render this, so they always say the same thing.
 * Everything here is plain text; each renderer escapes it for its own format.
 */
import type { NotificationEvent, RequestSummary } from '../domain/index.js';

export interface EventDescription {
  title: string;
  /** What happened and why, one or two sentences. */
  summary: string;
  /** Who must act now, when someone must. */
  action?: string;
  facts: { label: string; value: string }[];
}

function move(request: RequestSummary): string {
  return `${request.model} ${request.version} from ${request.from} to ${request.to}`;
}

function requestFacts(request: RequestSummary): EventDescription['facts'] {
  const facts = [
    { label: 'Model', value: `${request.model} ${request.version}` },
    { label: 'Transition', value: `${request.from} → ${request.to} (${request.changeType})` },
    { label: 'Requested by', value: request.requestedBy },
    { label: 'Request', value: request.id },
  ];
  if (request.ticket !== undefined) facts.push({ label: 'Ticket', value: request.ticket });
  return facts;
}

function people(holders: { userId: string; displayName?: string | undefined }[]): string {
  if (holders.length === 0) return 'nobody holds this role yet';
  return holders
    .map((h) => (h.displayName ? `${h.displayName} (${h.userId})` : h.userId))
    .join(', ');
}

/** "Must act" facts of a review reminder or escalation: each missing role and who holds it. */
function awaitingFacts(
  awaiting:
    | {
        role: string;
        needed: number;
        holders: { userId: string; displayName?: string | undefined }[];
      }[]
    | undefined,
): EventDescription['facts'] {
  return (awaiting ?? []).map((r) => ({
    label: `Must act: ${r.needed} × ${r.role}`,
    value: people(r.holders),
  }));
}

type Describe<T extends NotificationEvent['type']> = (
  event: Extract<NotificationEvent, { type: T }>,
) => EventDescription;

const describers: { [T in NotificationEvent['type']]: Describe<T> } = {
  'approval.requested': ({ data }) => ({
    title: `Approval needed: ${data.request.model} ${data.request.version} → ${data.request.to}`,
    summary: `${data.request.requestedBy} asks to move ${move(data.request)}: ${data.request.reason}`,
    action: data.awaiting.map((r) => `${r.needed} × ${r.role}: ${people(r.holders)}`).join('; '),
    facts: requestFacts(data.request),
  }),
  'approval.recorded': ({ data }) => ({
    title: `${data.approval.decision === 'approve' ? 'Approved' : 'Rejected'} by ${data.approval.approver} as ${data.approval.role}`,
    summary: `On the request to move ${move(data.request)}${data.approval.comment ? `: ${data.approval.comment}` : '.'}`,
    ...(data.stillNeeded.length > 0
      ? {
          action: `Still needed: ${data.stillNeeded.map((r) => `${r.needed} × ${r.role}`).join(', ')}`,
        }
      : {}),
    facts: requestFacts(data.request),
  }),
  'gate.failed': ({ data }) => ({
    title: `Gates failed: ${data.model} ${data.version} → ${data.to}`,
    summary: data.failed.map((g) => `${g.gateId} (${g.outcome}): ${g.explanation}`).join('\n'),
    facts: [
      { label: 'Model', value: `${data.model} ${data.version}` },
      { label: 'Transition', value: `${data.from} → ${data.to}` },
      { label: 'Decision', value: data.decisionId },
    ],
  }),
  'transition.executed': ({ data }) => ({
    title: `${data.request.model} ${data.request.version} is now in ${data.request.to}`,
    summary: `${data.executedBy} executed the move of ${move(data.request)}.`,
    facts: requestFacts(data.request),
  }),
  'transition.rejected': ({ data }) => ({
    title: `Rejected: ${data.request.model} ${data.request.version} → ${data.request.to}`,
    summary: `${data.rejectedBy} rejected the move of ${move(data.request)}: ${data.reason}`,
    facts: requestFacts(data.request),
  }),
  'transition.blocked': ({ data }) => ({
    title: `Blocked: ${data.request.model} ${data.request.version} → ${data.request.to}`,
    summary: `The move of ${move(data.request)} may not run: ${data.reasons.join('; ')}`,
    facts: [...requestFacts(data.request), { label: 'Decision', value: data.decisionId }],
  }),
  'transition.expired': ({ data }) => ({
    title: `Request expired: ${data.request.model} ${data.request.version} → ${data.request.to}`,
    summary: `Nobody decided the request to move ${move(data.request)} within ${data.lifetime}; it expired ${data.previousStatus === 'approved' ? 'approved but not executed' : 'still waiting for sign-offs'}.`,
    action: `${data.request.requestedBy}: open a new request if the change is still wanted`,
    facts: [...requestFacts(data.request), { label: 'Expired at', value: data.expiredAt }],
  }),
  'emergency.bypassed': ({ data }) => ({
    title: `Emergency change: ${data.request.model} ${data.request.version} → ${data.request.to}`,
    summary: `${data.request.requestedBy} bypassed ${data.bypassedGates.length > 0 ? data.bypassedGates.join(', ') : 'no gates'}: ${data.request.reason}`,
    action: `Post-incident review due by ${data.reviewDueAt}`,
    facts: [...requestFacts(data.request), { label: 'Bypass ends', value: data.bypassExpiresAt }],
  }),
  'review.due': ({ data }) => ({
    title: `Review due: emergency change of ${data.request.model} ${data.request.version}`,
    summary: `The post-incident review of the emergency move of ${move(data.request)} is due.`,
    action: `Review by ${data.reviewDueAt}`,
    facts: [...requestFacts(data.request), ...awaitingFacts(data.awaiting)],
  }),
  'review.overdue': ({ data }) => ({
    title: `Review overdue: emergency change of ${data.request.model} ${data.request.version}`,
    summary: `The post-incident review of the emergency move of ${move(data.request)} was due ${data.reviewDueAt} and is not done.`,
    action: 'Review now',
    facts: [...requestFacts(data.request), ...awaitingFacts(data.awaiting)],
  }),
  'review.rejected': ({ data }) => ({
    title: `Review rejected: emergency change of ${data.request.model} ${data.request.version}`,
    summary: `${data.review.reviewer} (${data.review.role}) rejected the post-incident review of the emergency move of ${move(data.request)}: ${data.review.findings}`,
    action: data.stillServing
      ? `The model's owners: remediate under the findings' ticket; roll back (clearance rollback) or take the version through the standard path`
      : `The model's owners: remediate under the findings' ticket`,
    facts: [
      ...requestFacts(data.request),
      ...(data.review.ticket ? [{ label: 'Findings ticket', value: data.review.ticket }] : []),
    ],
  }),
  'rollback.executed': ({ data }) => ({
    title: `Rolled back: ${data.model} ${data.version}`,
    summary: `${data.reason}${data.restoredVersion ? ` ${data.restoredVersion} serves again.` : ` ${data.version} is ${data.toState} now.`}`,
    action: 'Check serving and the incident; a new version goes through the standard path',
    facts: [
      { label: 'Model', value: `${data.model} ${data.version}` },
      { label: 'Trigger', value: data.trigger },
      { label: 'By', value: data.rolledBackBy },
      ...(data.request ? requestFacts(data.request) : []),
    ],
  }),
  'rollout.started': ({ data }) => ({
    title: `Rollout started: ${data.rollout.model} ${data.rollout.version}`,
    summary: `${percent(data.rollout.traffic)} of traffic goes to ${data.rollout.version}${data.baselineVersion ? `; the rest stays on ${data.baselineVersion}` : ''}.`,
    facts: rolloutFacts(data.rollout),
  }),
  'rollout.paused': ({ data }) => ({
    title: `Rollout paused: ${data.rollout.model} ${data.rollout.version}`,
    summary: data.reason,
    action: 'Decide whether to resume or roll back',
    facts: rolloutFacts(data.rollout, data.trigger),
  }),
  'rollout.rolled_back': ({ data }) => ({
    title: `Rolled back: ${data.rollout.model} ${data.rollout.version}`,
    summary: `${data.reason}${data.restoredVersion ? ` Traffic is back on ${data.restoredVersion}.` : ''}`,
    facts: rolloutFacts(data.rollout, data.trigger),
  }),
  'rollout.completed': ({ data }) => ({
    title: `Rollout completed: ${data.rollout.model} ${data.rollout.version}`,
    summary: `${data.rollout.version} serves all traffic.`,
    facts: rolloutFacts(data.rollout),
  }),
  'audit.checkpoint_signed': ({ data }) => ({
    title: `Audit checkpoint signed at size ${data.size}`,
    summary: `The audit log ${data.origin} was signed at tree size ${data.size}.`,
    facts: [
      { label: 'Root hash', value: data.rootHash },
      { label: 'Signed at', value: data.signedAt },
    ],
  }),
  'webhook.disabled': ({ data }) => ({
    title: `Webhook ${data.subscriptionId} disabled after ${data.consecutiveFailures} failed deliveries`,
    summary: `Deliveries to ${data.url} kept failing: ${data.reason}`,
    action:
      'An admin: fix the receiver, then re-enable the subscription (clearance webhook update --enable) and redeliver what it missed.',
    facts: [
      { label: 'Subscription', value: data.subscriptionId },
      { label: 'URL', value: data.url },
    ],
  }),
};

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

function rolloutFacts(
  rollout: { id: string; model: string; version: string; traffic: number },
  trigger?: string,
): EventDescription['facts'] {
  const facts = [
    { label: 'Model', value: `${rollout.model} ${rollout.version}` },
    { label: 'Traffic', value: percent(rollout.traffic) },
    { label: 'Rollout', value: rollout.id },
  ];
  if (trigger !== undefined) facts.push({ label: 'Trigger', value: trigger });
  return facts;
}

export function describeEvent(event: NotificationEvent): EventDescription {
  const describe = describers[event.type] as Describe<typeof event.type>;
  return describe(event as never);
}
