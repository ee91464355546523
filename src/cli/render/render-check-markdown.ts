import type { CheckReport } from '../check-report.js';
import { observedForPeople } from './describe-observed.js';

const icon = { pass: '✅', fail: '❌', error: '⚠️' } as const;

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** A pull-request comment: verdict first, then the gate table, then what people must still do. */
export function renderCheckMarkdown(report: CheckReport): string {
  const { from, to, changeType } = report.transition;
  const verdict = report.decision === 'allowed' ? '✅ **Allowed**' : '❌ **Denied**';
  const out: string[] = [
    `### Clearance: ${from} → ${to} (${changeType})`,
    '',
    `${verdict} — ${report.summary}`,
    '',
    '| Gate | Type | Result | Observed | Required | Why |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const g of report.gates) {
    const observed = observedForPeople(g);
    const result = `${icon[g.outcome]} ${g.outcome}${g.bypassed ? ' (bypassed)' : ''}`;
    out.push(
      `| \`${g.gateId}\` | ${g.type} | ${result} | ${cell(observed)} | ${cell(g.threshold)} | ${cell(g.explanation)} |`,
    );
  }
  for (const refusal of report.refusals) out.push('', `❌ ${refusal}`);
  if (report.approvalsRequired.length > 0) {
    out.push('', '**Sign-offs required:**');
    for (const a of report.approvalsRequired) out.push(`- ${a.count} × \`${a.role}\``);
  }
  out.push('', `<sub>Policy \`${report.policy.name}\` ${report.policy.digest}</sub>`, '');
  return out.join('\n');
}
