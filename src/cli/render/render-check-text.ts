import { type GateResult, provenanceNote } from '../../domain/index.js';
import type { CheckReport } from '../check-report.js';
import { describeObserved } from './describe-observed.js';

const mark = { pass: '✓', fail: '✗', error: '!' } as const;

function formatObserved(value: number | string | null): string {
  if (value === null) return 'n/a';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(4);
  return value;
}

/**
 * A comparison with production in words ("AUC rose by 0.039 (0.743 → 0.782)"), as `request show`
 * says it; any other number to four decimals, labelled when Clearance did not recompute it.
 */
function observedText(gate: GateResult): string {
  const { candidateValue, baselineValue } = gate.details;
  if (
    gate.type === 'baseline' &&
    typeof candidateValue === 'number' &&
    typeof baselineValue === 'number'
  )
    return describeObserved(gate);
  return `${formatObserved(gate.observed)}${provenanceNote(gate)}`;
}

export function renderCheckText(report: CheckReport): string {
  const lines: string[] = [];
  const { from, to, changeType } = report.transition;
  lines.push(`Clearance check: ${from} → ${to} (${changeType} change)`);
  lines.push(`Policy ${report.policy.name} ${report.policy.digest}`);
  lines.push('');
  for (const gate of report.gates) {
    const bypass = gate.bypassed ? ' [bypassed]' : '';
    lines.push(
      `  ${mark[gate.outcome]} ${gate.gateId} (${gate.type}) ${gate.outcome.toUpperCase()}${bypass}: observed ${observedText(gate)}, required ${gate.threshold}`,
    );
    lines.push(`      ${gate.explanation}`);
  }
  for (const refusal of report.refusals) lines.push(`  ✗ ${refusal}`);
  lines.push('');
  lines.push(`Decision: ${report.decision.toUpperCase()}. ${report.summary}`);
  if (report.approvalsRequired.length > 0) {
    const roles = report.approvalsRequired
      .map((a) => (a.count > 1 ? `${a.count} × ${a.role}` : a.role))
      .join(', ');
    lines.push(`Sign-offs still required in the registry: ${roles}.`);
  }
  return `${lines.join('\n')}\n`;
}
