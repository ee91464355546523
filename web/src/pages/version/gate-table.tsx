import type { GateResult } from '../../api/types';
import { formatObserved } from '../../app/format';

const outcomeText: Record<string, string> = { pass: 'Pass', fail: 'Fail', error: 'Error' };

/** A baseline gate's interval and the bound it must clear, in words; other gates have none. */
function boundOf(gate: GateResult): string {
  const details = gate.details ?? {};
  const ci = details.ci;
  const required = details.requiredLowerBound;
  if (
    Array.isArray(ci) &&
    ci.length === 2 &&
    typeof ci[0] === 'number' &&
    typeof ci[1] === 'number'
  ) {
    const level = typeof details.confidence === 'number' ? `${details.confidence * 100}% ` : '';
    const interval = `${level}CI ${formatObserved(ci[0])} to ${formatObserved(ci[1])}`;
    return typeof required === 'number'
      ? `${interval}; lower bound must be ≥ ${required}`
      : interval;
  }
  return '—';
}

/** Every gate of a decision: observed, threshold, bound, outcome and its explanation in words. */
export function GateTable({ gates, caption }: { gates: readonly GateResult[]; caption: string }) {
  if (gates.length === 0) return <p className="muted">This transition has no gates.</p>;
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Gate</th>
          <th scope="col">Outcome</th>
          <th scope="col">Observed</th>
          <th scope="col">Threshold</th>
          <th scope="col">Interval and bound</th>
          <th scope="col">Explanation</th>
        </tr>
      </thead>
      <tbody>
        {gates.map((gate) => (
          <tr key={gate.gateId}>
            <th scope="row">
              {gate.gateId}
              <div className="muted">{gate.type}</div>
            </th>
            <td>
              <span className={`badge ${gate.outcome === 'pass' ? 'badge-pass' : 'badge-fail'}`}>
                {outcomeText[gate.outcome] ?? gate.outcome}
              </span>
            </td>
            <td>{formatObserved(gate.observed)}</td>
            <td>{gate.threshold ?? '—'}</td>
            <td>{boundOf(gate)}</td>
            <td>{gate.explanation}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
