/**
 * The evidence pack's `report.html`: a self-contained evaluation report (inline CSS, no scripts,
 * no external resources) with the version's lineage, each decision's gate table, the fairness
 * tables from the fairness gates' details, and the approvals. Every text is escaped.
 */
import {
  type Approval,
  type DecisionRecord,
  type EvidenceItem,
  type GateResult,
  provenanceNote,
  type TransitionRequest,
  type VersionView,
} from '../../domain/index.js';

export interface PackReportInput {
  version: VersionView;
  evidence: readonly EvidenceItem[];
  decisions: readonly DecisionRecord[];
  requests: readonly TransitionRequest[];
  approvals: readonly Approval[];
  createdAt: string;
}

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return text.replace(/[&<>"']/g, (c) => entities[c] ?? c);
}

const style = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1a1a1a}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f2f2}.pass{color:#17663a}.fail,.error{color:#a11}code{font-size:12px}
h2{border-bottom:1px solid #ddd;padding-bottom:.2rem}`;

function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const head = `<tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows
    .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table>\n${head}\n${body}\n</table>`;
}

function number(value: unknown): string {
  if (typeof value !== 'number') return value === null || value === undefined ? '—' : String(value);
  return Number.isInteger(value) ? String(value) : value.toFixed(4);
}

function gateTable(gates: readonly GateResult[]): string {
  const head = ['Gate', 'Type', 'Outcome', 'Observed', 'Threshold', 'Explanation'];
  const rows = gates.map((g) => {
    const outcome = `${g.outcome}${g.bypassed ? ' (bypassed)' : ''}`;
    return `<tr><td>${escapeHtml(g.gateId)}</td><td>${escapeHtml(g.type)}</td><td class="${escapeHtml(g.outcome)}">${escapeHtml(outcome)}</td><td>${escapeHtml(number(g.observed) + provenanceNote(g))}</td><td>${escapeHtml(g.threshold)}</td><td>${escapeHtml(g.explanation)}</td></tr>`;
  });
  const header = `<tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr>`;
  return `<table>\n${header}\n${rows.join('\n')}\n</table>`;
}

interface GroupRow {
  group?: unknown;
  n?: unknown;
  selectionRate?: unknown;
  tpr?: unknown;
  fpr?: unknown;
}

function fairnessTables(gates: readonly GateResult[]): string {
  return gates
    .filter((g) => g.type === 'fairness' && Array.isArray(g.details.groups))
    .map((g) => {
      const groups = g.details.groups as GroupRow[];
      const title = `Fairness — ${g.gateId} (${String(g.details.attribute ?? '')}, ${String(g.details.metric ?? '')})`;
      const rows = groups.map((r) => [
        r.group,
        number(r.n),
        number(r.selectionRate),
        number(r.tpr),
        number(r.fpr),
      ]);
      return `<h4>${escapeHtml(title)}</h4>\n${table(['Group', 'n', 'Selection rate', 'TPR', 'FPR'], rows)}`;
    })
    .join('\n');
}

function decisionSection(d: DecisionRecord): string {
  const baseline = d.baseline
    ? `, baseline ${d.baseline.version} (${d.baseline.evidenceDigest})`
    : '';
  const facts = table(
    ['Decision', 'Kind', 'Transition', 'Change type', 'Outcome', 'At', 'Policy', 'Evidence'],
    [
      [
        d.id,
        d.kind,
        `${d.from} → ${d.to}`,
        d.changeType,
        d.outcome,
        d.at,
        d.policyDigest,
        `${d.evidenceDigest}${baseline}`,
      ],
    ],
  );
  const reasons =
    d.reasons.length > 0
      ? `<ul>${d.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>`
      : '';
  return `<h3>Decision ${escapeHtml(d.id)}</h3>\n${facts}\n${reasons}\n${gateTable(d.gates)}\n${fairnessTables(d.gates)}`;
}

/** The whole report as one HTML document. */
export function renderPackReport(input: PackReportInput): string {
  const v = input.version;
  const title = `Evaluation report — ${v.model} ${v.version}`;
  const lineage = Object.entries(v.lineage).map(([k, value]) => [
    k,
    typeof value === 'object' ? JSON.stringify(value) : value,
  ]);
  const approvals = input.approvals.map((a) => [
    a.requestId,
    a.role,
    a.approver,
    a.decision,
    a.comment,
    a.ticket ?? '',
    a.riskClass,
    a.at,
    a.evidenceDigest,
    a.policyDigest,
  ]);
  const requests = input.requests.map((r) => [
    r.id,
    `${r.from} → ${r.to}`,
    r.changeType,
    r.status,
    r.requestedBy,
    r.reason,
    r.ticket ?? '',
  ]);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>${style}</style></head><body>
<h1>${escapeHtml(title)}</h1>
${table(['Model', 'Version', 'State', 'Artifact', 'Artifact digest', 'Registered', 'By', 'Report created'], [[v.model, v.version, v.state, v.artifactUri, v.artifactDigest, v.createdAt, v.createdBy, input.createdAt]])}
<h2>Lineage</h2>
${table(['Field', 'Value'], lineage)}
<h2>Evidence</h2>
${table(
  ['Path', 'Kind', 'Digest', 'Bytes'],
  input.evidence.map((e) => [e.path, e.kind, e.digest, e.size]),
)}
<h2>Transition requests</h2>
${table(['Request', 'Transition', 'Change type', 'Status', 'Requested by', 'Reason', 'Ticket'], requests)}
<h2>Decisions</h2>
${input.decisions.map(decisionSection).join('\n')}
<h2>Approvals</h2>
${table(['Request', 'Role', 'Person', 'Decision', 'Comment', 'Ticket', 'Risk class', 'At', 'Evidence digest', 'Policy digest'], approvals)}
</body></html>
`;
}
