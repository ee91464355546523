/**
 * A gate's observed value for people: rounded (JSON keeps it exact), and a comparison with
 * production in words — "FPR rose by 0.003 (0.0202 → 0.0232)" — rather than a signed number.
 * `request show` and `clearance check` (text, Markdown and JUnit) all say it so.
 */
import { type GateResult, provenanceNote } from '../../domain/index.js';

/** Three significant digits (integers as they are): enough to read, never to recompute. */
export function roundForPeople(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(digits)));
}

const acronyms = new Set(['auc', 'ks', 'fpr', 'tpr', 'fnr', 'mae', 'mse', 'rmse', 'mape', 'ctr']);

function metricName(metric: string): string {
  return acronyms.has(metric.toLowerCase()) ? metric.toUpperCase() : metric;
}

const numberOf = (value: unknown) => (typeof value === 'number' ? value : undefined);

/**
 * The observed value in words. A comparison with production names the metric and says whether
 * it rose or fell, by how much, from what to what; other numbers are rounded.
 */
export function describeObserved(gate: GateResult): string {
  const { details } = gate;
  const candidate = numberOf(details.candidateValue);
  const baseline = numberOf(details.baselineValue);
  if (gate.type === 'baseline' && candidate !== undefined && baseline !== undefined) {
    const metric = metricName(String(details.metric ?? gate.gateId));
    const change = candidate - baseline;
    const range = `(${roundForPeople(baseline)} → ${roundForPeople(candidate)})`;
    if (roundForPeople(candidate) === roundForPeople(baseline))
      return `${metric} unchanged at ${roundForPeople(candidate)}`;
    const direction = change > 0 ? 'rose' : 'fell';
    return `${metric} ${direction} by ${roundForPeople(Math.abs(change), 2)} ${range}`;
  }
  const { observed } = gate;
  if (observed === null) return 'not measurable';
  const shown = typeof observed === 'number' ? roundForPeople(observed) : observed;
  return `${shown}${provenanceNote(gate)}`;
}

function formatObserved(value: number | string | null): string {
  if (value === null) return 'n/a';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(4);
  return value;
}

/**
 * What `clearance check` shows as a gate's observed value, in every format made for people
 * (text, Markdown, JUnit's messages): a comparison with production in words ("AUC rose by 0.039
 * (0.743 → 0.782)"), any other number to four decimals, labelled when Clearance did not recompute
 * it. `--format json` keeps the exact value.
 */
export function observedForPeople(gate: GateResult): string {
  const { candidateValue, baselineValue } = gate.details;
  if (
    gate.type === 'baseline' &&
    typeof candidateValue === 'number' &&
    typeof baselineValue === 'number'
  )
    return describeObserved(gate);
  return `${formatObserved(gate.observed)}${provenanceNote(gate)}`;
}
