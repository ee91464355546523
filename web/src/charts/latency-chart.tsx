/** Latency percentiles of the candidate as bars, with the budget drawn across them. */

import type { GateResult } from '../api/types';
import { describeBound, formatNumber } from '../lib/format.js';
import { limitOf, num } from './gate-details';
import { LimitBars } from './limit-bars';

export interface LatencyChartProps {
  /** e.g. [{ label: 'p50', ms: 41 }, { label: 'p95', ms: 118 }, { label: 'p99', ms: 190 }]. */
  percentiles: readonly { label: string; ms: number }[];
  /** The budget and the percentile it binds (e.g. p95 ≤ 120 ms). */
  budget: { label: string; ms: number };
}

export function LatencyBars({ percentiles, budget }: LatencyChartProps) {
  const bound = percentiles.find((p) => p.label === budget.label);
  const verdict = bound
    ? `${budget.label} ${describeBound(bound.ms, '<=', budget.ms)} ms`
    : `no ${budget.label} measured`;
  return (
    <LimitBars
      label={`Latency percentiles in milliseconds against the ${budget.label} budget: ${verdict}`}
      xLabel="Percentile"
      yLabel="Latency (ms)"
      bars={percentiles.map((p) => ({
        label: p.label,
        value: p.ms,
        className: p.label === budget.label && p.ms > budget.ms ? 'bar-fail' : 'bar-neutral',
      }))}
      limit={budget.ms}
      legend={[
        {
          key: 'l',
          className: 'chart-limit',
          text: `Budget: ${budget.label} ≤ ${formatNumber(budget.ms)} ms`,
        },
        { key: 'v', className: 'series-none', text: verdict },
      ]}
      table={{
        caption: 'Latency percentiles',
        head: ['Percentile', 'Latency (ms)'],
        rows: percentiles.map((p) => [p.label, p.ms]),
      }}
    />
  );
}

/**
 * The version page's latency plot for a latency metric gate: the percentiles the gate recorded
 * (`details.percentiles`: p50, p95 and p99 when recomputed from raw samples) or at least the one it
 * judged (`observed`), against the budget (`details.max`).
 */
export function LatencyChart({ gate }: { gate: GateResult }) {
  const metric = String(gate.details?.metric ?? gate.gateId);
  const label = /p(\d+)/.exec(metric)?.[0] ?? 'value';
  const bound = limitOf(gate.details, gate.threshold);
  const recorded = gate.details?.percentiles;
  const percentiles =
    recorded && typeof recorded === 'object'
      ? Object.entries(recorded as Record<string, unknown>).flatMap(([name, v]) => {
          const ms = num(v);
          return ms === undefined ? [] : [{ label: name, ms }];
        })
      : [];
  const observed = num(gate.observed);
  if (observed !== undefined && !percentiles.some((p) => p.label === label)) {
    percentiles.push({ label, ms: observed });
  }
  if (bound?.op !== '<=' || percentiles.length === 0) {
    return <p className="muted">This gate recorded no latency to draw.</p>;
  }
  return <LatencyBars percentiles={percentiles} budget={{ label, ms: bound.value }} />;
}
