import type { CheckReport } from '../check-report.js';
import { observedForPeople } from './describe-observed.js';

const mark = { pass: '✓', fail: '✗', error: '!' } as const;

export function renderCheckText(report: CheckReport): string {
  const lines: string[] = [];
  const { from, to, changeType } = report.transition;
  lines.push(`Clearance check: ${from} → ${to} (${changeType} change)`);
  lines.push(`Policy ${report.policy.name} ${report.policy.digest}`);
  lines.push('');
  for (const gate of report.gates) {
    const bypass = gate.bypassed ? ' [bypassed]' : '';
    lines.push(
      `  ${mark[gate.outcome]} ${gate.gateId} (${gate.type}) ${gate.outcome.toUpperCase()}${bypass}: observed ${observedForPeople(gate)}, required ${gate.threshold}`,
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
