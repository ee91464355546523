import { formatDuration, parseDuration } from '../domain/duration.js';
import type {
  ApprovalRequirement,
  ChangeTypes,
  Policy,
  RollbackTrigger,
  RolloutSpec,
  TransitionPolicy,
} from '../domain/policy.js';
import { requestLifetimeText } from '../domain/request-expiry.js';
import { describeGate, joinWords, metricLabel } from './describe-gate.js';

const approvalsText = (approvals: readonly ApprovalRequirement[]): string =>
  joinWords(approvals.map(({ role, count }) => `${count} × ${role}`));

function triggerSubject(trigger: RollbackTrigger): string {
  const metric = metricLabel(trigger.metric);
  switch (trigger.compare) {
    case 'absolute':
      return metric;
    case 'relativeToControl':
      return `${metric} relative to control (bound of the ${trigger.confidence * 100}% interval)`;
    case 'drift':
      return `${trigger.statistic.toUpperCase()} drift of ${metric} from the ${trigger.baseline} evidence`;
    case 'burnRate':
      return `the error-budget burn rate of ${metric} (SLO ${trigger.slo}) over the window and the last ${trigger.longWindow}`;
  }
}

/** "roll back if latency_p95_ms > 200 sustained for 15m (3 of 3 windows of 5m)". */
export function describeTrigger(trigger: RollbackTrigger): string {
  const periodMs = parseDuration(trigger.period) ?? 0;
  const n = trigger.evaluationPeriods;
  const m = trigger.datapointsToAlarm;
  let when: string;
  if (n === 1) when = `in any ${trigger.period} window`;
  else if (m === n) {
    when = `sustained for ${formatDuration(periodMs * n)} (${m} of ${n} windows of ${trigger.period})`;
  } else when = `in ${m} of ${n} consecutive windows of ${trigger.period}`;
  const missing = {
    breaching: 'missing data counts as breaching',
    notBreaching: 'missing data counts as healthy',
    missing: 'a window without data is an error',
    ignore: 'windows without data are skipped',
  }[trigger.treatMissing];
  const samples =
    trigger.minSamples > 0
      ? `; windows with fewer than ${trigger.minSamples} samples are inconclusive`
      : '';
  return `roll back if ${triggerSubject(trigger)} ${trigger.op} ${trigger.threshold} ${when}; ${missing}${samples}`;
}

function rolloutLines(rollout: RolloutSpec): string[] {
  const steps = rollout.steps
    .map((step) => `${step.traffic}% of traffic for ${step.duration}`)
    .join(', then ');
  const lines = [
    rollout.steps.length > 0
      ? `Rollout: canary at ${steps}, compared with the control; points count until ${rollout.lateness} after their window ends.`
      : 'Rollout: no canary; the promotion takes all traffic at once.',
  ];
  for (const trigger of rollout.triggers) lines.push(`  - ${describeTrigger(trigger)}.`);
  lines.push(
    `  - roll back after ${rollout.consecutiveErrorLimit} windows in a row that cannot be evaluated (errors).`,
  );
  for (const [series, source] of Object.entries(rollout.sources ?? {})) {
    const { step, candidate, control } = source.prometheus;
    const kind = 'value' in candidate ? 'values' : 'successes and trials';
    const arms = control ? 'candidate and control' : 'candidate only';
    lines.push(
      `  - series ${series}: ${kind} pulled from Prometheus every ${step} (${arms}); a failed query is missing data.`,
    );
  }
  return lines;
}

function approvalLines(transition: TransitionPolicy): string[] {
  const duties = transition.separationOfDuties;
  if (transition.approvals.length === 0) return ['Approvals: none required.'];
  const rules = [
    duties.minDistinctApprovers >= 2
      ? `two-person rule: at least ${duties.minDistinctApprovers} different people must approve`
      : `at least ${duties.minDistinctApprovers} approver`,
    duties.requesterMayApprove
      ? 'the requester may approve'
      : 'no self-approval: the requester may not approve',
    duties.creatorMayApprove
      ? "the version's creator may approve"
      : "the version's creator may not approve",
  ];
  if (duties.oneRolePerPerson) rules.push('one person fills only one role per request');
  const lines = [`Approvals: ${approvalsText(transition.approvals)}; ${rules.join('; ')}.`];
  if (transition.approvalExpiresAfter !== undefined) {
    lines.push(`Approvals stop counting ${transition.approvalExpiresAfter} after they are given.`);
  }
  return lines;
}

function transitionLines(transition: TransitionPolicy, index: number): string[] {
  const lines = [
    `Transition ${index + 1}: ${transition.from} → ${transition.to}`,
    `Requested by: ${joinWords(transition.requestedBy)}.`,
  ];
  if (transition.gates.length === 0) lines.push('Gates: none.');
  else lines.push('Gates (all must pass; an error blocks like a failure):');
  for (const gate of transition.gates) {
    const note = gate.description ? ` (${gate.description})` : '';
    lines.push(`  - ${gate.id} [${gate.type}]: ${describeGate(gate)}${note}`);
  }
  lines.push(...approvalLines(transition));
  const ticket = transition.ticket;
  lines.push(
    ticket.required
      ? `Ticket: required${ticket.pattern ? `, matching ${ticket.pattern}` : ''}.`
      : `Ticket: optional${ticket.pattern ? `; when given it must match ${ticket.pattern}` : ''}.`,
    transition.reasonRequired
      ? 'Reason: required with every request and decision.'
      : 'Reason: optional.',
  );
  if (transition.rollout) lines.push(...rolloutLines(transition.rollout));
  return lines.map((line, i) => (i === 0 ? line : `  ${line}`));
}

function changeTypeLines(changeTypes: ChangeTypes): string[] {
  const lines = ['Change types', '  Standard: every gate and approval above applies.'];
  const emergency = changeTypes.emergency;
  if (emergency) {
    const bypass =
      emergency.bypass.length > 0
        ? `may bypass the gates ${joinWords(emergency.bypass)}`
        : 'may request, bypassing no gate';
    lines.push(
      `  Emergency: ${joinWords(emergency.allowedBy)} ${bypass}; the bypass expires after ${emergency.expiresAfter}, and then the version is rolled back unless it passes the standard path: the standard gates and the standard approvals.`,
      emergency.approvals
        ? `    Before it executes it needs the sign-off of ${approvalsText(emergency.approvals)}, each a different person and never the requester; no sign-off is bypassed.`
        : '    Before it executes it needs one sign-off by a person other than the requester, in any role that may approve the transition (any role that may request it, when it asks for no approvals); no sign-off is bypassed.',
      `    A post-incident review is due within ${emergency.postIncidentReview.dueWithin}, approved by ${approvalsText(emergency.postIncidentReview.approvals)}; overdue reviews are escalated.`,
    );
  }
  const experiment = changeTypes.experiment;
  if (experiment) {
    const canary =
      experiment.maxCanaryTraffic !== undefined
        ? `, with at most ${experiment.maxCanaryTraffic}% canary traffic`
        : '';
    lines.push(
      `  Experiment: may go no further than ${experiment.maxState}${canary}; never to full production.`,
    );
  }
  return lines;
}

/**
 * A plain-text summary of a policy for people who approve or audit releases: who may request each
 * transition, every gate in words, the approval, ticket and reason rules, rollout triggers
 * (CloudWatch M-of-N windows, DESIGN §6) and the change types.
 */
export function explainPolicy(policy: Policy, digest: string): string {
  const { metadata, evaluationSet } = policy;
  const lines = [`Policy ${metadata.name} (risk tier: ${metadata.riskTier})`, `Digest: ${digest}`];
  if (metadata.description) lines.push(`Description: ${metadata.description}`);
  if (metadata.owner) lines.push(`Owner: ${metadata.owner}`);
  lines.push(`States: ${policy.states.join(' → ')}`);
  const roles = policy.roles.map((role) =>
    role.description ? `${role.id} (${role.description})` : role.id,
  );
  lines.push(`Roles: ${roles.join(', ') || '(none)'}`);
  if (evaluationSet) {
    const digestText = evaluationSet.digest ? ` ${evaluationSet.digest}` : '';
    const baseline = evaluationSet.baselineScore
      ? `, baseline score column '${evaluationSet.baselineScore}'`
      : '';
    const ids = evaluationSet.id_column ? `, rows matched on '${evaluationSet.id_column}'` : '';
    lines.push(
      `Evaluation set: ${evaluationSet.id}${digestText}; ${evaluationSet.task}; label column '${evaluationSet.label}', score column '${evaluationSet.score}'${baseline}${ids}; predicted positive when score >= ${evaluationSet.decisionThreshold}.`,
    );
  }
  policy.transitions.forEach((transition, index) => {
    lines.push('', ...transitionLines(transition, index));
  });
  lines.push('', ...changeTypeLines(policy.changeTypes));
  const lifetime = policy.requests?.expireAfter;
  lines.push(
    '',
    `Requests: an open request expires ${requestLifetimeText(policy)} after it is made${lifetime === undefined ? ' (the default)' : ''}; its approvals then no longer count and it cannot execute.`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * The same explanation for machines (`policy explain --format json`): the policy as parsed, with
 * each gate and rollback trigger described in the words the text uses, and the text itself.
 */
export function explainPolicyJson(policy: Policy, digest: string) {
  return {
    name: policy.metadata.name,
    riskTier: policy.metadata.riskTier,
    digest,
    states: policy.states,
    roles: policy.roles,
    ...(policy.evaluationSet ? { evaluationSet: policy.evaluationSet } : {}),
    transitions: policy.transitions.map((t) => ({
      ...t,
      gates: t.gates.map((gate) => ({ ...gate, explanation: describeGate(gate) })),
      ...(t.rollout
        ? {
            rollout: {
              ...t.rollout,
              triggers: t.rollout.triggers.map((trigger) => ({
                ...trigger,
                explanation: describeTrigger(trigger),
              })),
            },
          }
        : {}),
    })),
    changeTypes: policy.changeTypes,
    text: explainPolicy(policy, digest),
  };
}
