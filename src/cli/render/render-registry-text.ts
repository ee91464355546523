/**
 * What people sign, as text: a request's gate table (observed values, bounds, explanations), its
 * sign-offs so far and still required, and the evidence digests they are bound to. Numbers are
 * rounded for reading here (JSON output keeps them exact), and a comparison with production says
 * its direction in words: "FPR rose by 0.003 (0.0202 → 0.0232)".
 */
import type { RequestView } from '../../app/index.js';
import type {
  Approval,
  DecisionRecord,
  EvidenceItem,
  EvidenceRecord,
  GateResult,
  TransitionRequest,
  VersionView,
} from '../../domain/index.js';
import { describeObserved, roundForPeople } from './describe-observed.js';

const mark = { pass: '✓', fail: '✗', error: '!' } as const;

function gateLines(gates: readonly GateResult[]): string[] {
  const lines: string[] = [];
  for (const gate of gates) {
    const bypass = gate.bypassed ? ' [bypassed]' : '';
    lines.push(
      `  ${mark[gate.outcome]} ${gate.gateId} (${gate.type}) ${gate.outcome.toUpperCase()}${bypass}: ${describeObserved(gate)}; required ${gate.threshold}`,
      `      ${gate.explanation}`,
    );
  }
  return lines;
}

function kilobytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 ** 2) return `${roundForPeople(size / 1024)} KiB`;
  return `${roundForPeople(size / 1024 ** 2)} MiB`;
}

export function evidenceLines(items: readonly (EvidenceItem | EvidenceRecord)[]): string[] {
  if (items.length === 0) return ['  (none)'];
  return items.map((e) => `  ${e.path}  ${e.kind}  ${e.digest}  ${kilobytes(e.size)}`);
}

const quoted = (text: string) => `"${text}"`;

function approvalLine(a: Approval): string {
  const ticket = a.ticket ? `, ticket ${a.ticket}` : '';
  return `${a.approver} as ${a.role}: ${a.decision}, risk ${a.riskClass}${ticket}, ${a.at} — ${quoted(a.comment)}`;
}

const ignoredWhy: Record<string, string> = {
  no_audit_entry: 'it has no audit entry',
  role_not_required: 'the transition does not ask for that role',
  evidence_changed: 'the evidence changed since',
  policy_changed: 'the policy changed since',
  baseline_changed: 'the production baseline changed since',
  baseline_unbound: 'it was given before baselines were bound',
  expired: 'it expired',
  role_revoked: 'the approver no longer holds the role',
  requester: 'the requester may not approve',
  creator: "the version's creator may not approve",
  trainer: 'whoever trained the version may not approve',
  trainer_unknown: 'who trained the version cannot be read',
  second_role: 'one person fills one role',
  duplicate: 'a duplicate',
  role_already_filled: 'the role was already filled',
};

/**
 * An executed request's sign-offs are those its executing decision counted (`basis: execution`,
 * from the decision record), the same the JSON `status` holds.
 */
function executedSignOffLines(status: RequestView['status']): string[] {
  return [
    `Sign-offs counted at execution (decision ${status.decisionId ?? '—'}): ${status.counted.length}, complete`,
    ...status.counted.map((a) => `  ✓ ${approvalLine(a)}`),
  ];
}

function signOffLines(view: RequestView): string[] {
  const { status } = view;
  if (status.basis === 'execution') return executedSignOffLines(status);
  const what = status.basis === 'post_incident_review' ? 'Post-incident review' : 'Sign-offs';
  const missing = status.missing.map((m) => `${m.role} ×${m.needed}`).join(', ');
  const state = status.satisfied
    ? 'complete'
    : `still required: ${missing || `${status.minDistinctApprovers} different people`}`;
  const lines = [
    `${what}: ${status.counted.length} counted, ${status.distinctApprovers} of ${status.minDistinctApprovers} different people; ${state}`,
  ];
  const emergency = status.emergency;
  if (emergency) {
    const bypassed = emergency.bypassedGates.join(', ') || 'no gate';
    const due = emergency.reviewDueAt ? `; review due ${emergency.reviewDueAt}` : '';
    const overdue = emergency.reviewOverdue ? ' — OVERDUE' : '';
    lines.push(`  emergency change: bypassed ${bypassed}${due}${overdue}`);
  }
  for (const a of status.counted) lines.push(`  ✓ ${approvalLine(a)}`);
  for (const { approval, why } of status.ignored)
    lines.push(`  – not counted (${ignoredWhy[why] ?? why}): ${approvalLine(approval)}`);
  if (status.rejection) lines.push(`  ✗ rejected: ${approvalLine(status.rejection)}`);
  return lines;
}

export function describeRequestLine(r: TransitionRequest): string {
  return `Request ${r.id}: ${r.model} ${r.version} ${r.from} → ${r.to} (${r.changeType}), ${r.status}`;
}

function requestHead(r: TransitionRequest): string[] {
  const ticket = r.ticket ? ` (ticket ${r.ticket})` : '';
  const closed = r.closedAt
    ? [
        `  closed ${r.closedAt} by ${r.closedBy ?? '—'}${r.closeReason ? `: ${quoted(r.closeReason)}` : ''}`,
      ]
    : [];
  return [
    describeRequestLine(r),
    `  requested by ${r.requestedBy} at ${r.requestedAt}: ${quoted(r.reason)}${ticket}`,
    ...closed,
    `  policy ${r.policyDigest}`,
    `  evidence set ${r.evidenceDigest}`,
  ];
}

function decisionHead(d: DecisionRecord): string {
  const bypass = d.bypass.length > 0 ? `; bypassed ${d.bypass.join(', ')}` : '';
  return `Gates (decision ${d.id}, ${d.kind}, ${d.outcome.toUpperCase()} at ${d.at}${bypass}):`;
}

/** `request show`: the request, the gate table of its latest decision, sign-offs and evidence. */
export function renderRequest(view: RequestView, decision: DecisionRecord | undefined): string {
  const lines = [...requestHead(view.request), ''];
  if (decision) {
    lines.push(decisionHead(decision), ...gateLines(decision.gates));
    for (const reason of decision.reasons) lines.push(`  ${reason}`);
  } else lines.push('Gates: not evaluated yet.');
  lines.push('', ...signOffLines(view));
  if (decision) {
    lines.push('', 'Evidence the sign-offs are bound to:', ...evidenceLines(decision.evidence));
    if (decision.baseline)
      lines.push(
        `Compared with production ${decision.baseline.version} (evidence set ${decision.baseline.evidenceDigest}).`,
      );
  }
  return `${lines.join('\n')}\n`;
}

/** `decision show`: what was decided, on which evidence and policy, and each gate. */
export function renderDecision(d: DecisionRecord): string {
  const lines = [
    `Decision ${d.id}: ${d.model} ${d.version} ${d.from} → ${d.to} (${d.changeType}), ${d.outcome.toUpperCase()}`,
    ...(d.requestId ? [`  request ${d.requestId}`] : []),
    `  policy ${d.policyDigest}`,
    `  evidence set ${d.evidenceDigest}`,
    '',
    decisionHead(d),
    ...gateLines(d.gates),
    ...d.reasons.map((r) => `  ${r}`),
  ];
  if (d.approvalsCounted.length > 0)
    lines.push('', 'Sign-offs counted:', ...d.approvalsCounted.map((a) => `  ${approvalLine(a)}`));
  lines.push('', 'Evidence:', ...evidenceLines(d.evidence));
  if (d.baseline)
    lines.push(
      '',
      `Baseline: production ${d.baseline.version}, evidence set ${d.baseline.evidenceDigest}`,
      ...evidenceLines(d.baseline.evidence),
    );
  return `${lines.join('\n')}\n`;
}

/** `version show`: the record, its lineage, its evidence and its requests. */
export function renderVersion(
  v: VersionView,
  evidence: readonly EvidenceRecord[],
  requests: readonly TransitionRequest[],
): string {
  const lineage = Object.entries(v.lineage).map(([k, value]) => `  ${k}: ${String(value)}`);
  const lines = [
    `${v.model} ${v.version}: ${v.state} since ${v.stateSince}`,
    `  artifact ${v.artifactUri} (${v.artifactDigest})`,
    `  registered by ${v.createdBy} at ${v.createdAt}`,
    '',
    'Lineage:',
    ...(lineage.length > 0 ? lineage : ['  (none recorded)']),
    '',
    'Evidence:',
    ...evidenceLines(evidence),
    '',
    'Requests:',
    ...(requests.length > 0 ? requests.map((r) => `  ${describeRequestLine(r)}`) : ['  (none)']),
  ];
  return `${lines.join('\n')}\n`;
}
