import type { EvalReport } from '../commands/run-eval.js';

function num(value: number | null, digits = 4): string {
  return value === null || !Number.isFinite(value) ? 'undefined' : value.toFixed(digits);
}

export function renderEvalText(report: EvalReport): string {
  const m = report.metrics;
  const pct = (m.aucConfidence * 100).toFixed(0);
  const lines = [
    `${report.file}: ${report.rows.toLocaleString('en-US')} rows (${report.positives.toLocaleString('en-US')} positive, ${report.negatives.toLocaleString('en-US')} negative)`,
    '',
    `  AUC           ${num(m.auc)}  (${pct}% DeLong CI ${num(m.aucCi[0])} – ${num(m.aucCi[1])})`,
    `  KS            ${num(m.ks)}  (at score ${num(m.ksThreshold)})`,
    `  at threshold ${report.threshold}:`,
    `    accuracy    ${num(m.accuracy)}`,
    `    precision   ${num(m.precision)}`,
    `    recall      ${num(m.recall)}`,
    `    specificity ${num(m.specificity)}`,
    `    FPR         ${num(m.fpr)}`,
    `    F1          ${num(m.f1)}`,
  ];
  const c = report.comparison;
  if (c) {
    lines.push(
      '',
      `  vs baseline: AUC ${num(c.baselineAuc)}, difference ${num(c.aucDifference)}`,
      `    DeLong z ${num(c.delong.z)}, p ${num(c.delong.pValue, 6)}, 95% CI ${num(c.ci95[0])} – ${num(c.ci95[1])}`,
    );
  }
  for (const [column, f] of Object.entries(report.fairness ?? {})) {
    lines.push('', `  fairness by ${column}:`);
    lines.push('    group              n   selection     TPR       FPR');
    for (const [value, g] of Object.entries(f.groups)) {
      lines.push(
        `    ${value.padEnd(12)} ${String(g.n).padStart(9)}  ${num(g.selectionRate)}  ${num(g.tpr).padStart(9)} ${num(g.fpr).padStart(9)}`,
      );
    }
    lines.push(
      `    demographic parity difference ${num(f.demographicParityDifference)}, ratio ${num(f.demographicParityRatio)}`,
      `    disparate impact ratio (worst pair) ${num(f.disparateImpactRatio)}`,
      `    equalized odds difference ${num(f.equalizedOddsDifference)}, ratio ${num(f.equalizedOddsRatio)}`,
      `    equal opportunity difference ${num(f.equalOpportunityDifference)}`,
    );
    for (const reason of f.undefinedReasons) lines.push(`    undefined: ${reason}`);
  }
  return `${lines.join('\n')}\n`;
}
