/** Latency percentiles of the candidate as bars, with the budget drawn across them. */

import type { GateResult } from '../api/types';
import { linearScale } from '../lib/chart-scales.js';
import { describeBound, formatNumber } from '../lib/format.js';
import { ChartFrame, DataTable, Legend, plotArea } from './chart-frame';
import { limitOf, num } from './gate-details';

export interface LatencyChartProps {
  /** e.g. [{ label: 'p50', ms: 41 }, { label: 'p95', ms: 118 }, { label: 'p99', ms: 190 }]. */
  percentiles: readonly { label: string; ms: number }[];
  /** The budget and the percentile it binds (e.g. p95 ≤ 120 ms). */
  budget: { label: string; ms: number };
}

export function LatencyBars({ percentiles, budget }: LatencyChartProps) {
  const top = Math.max(budget.ms, ...percentiles.map((p) => p.ms)) * 1.15 || 1;
  const y = linearScale([0, top], plotArea.y);
  const x = linearScale([0, Math.max(1, percentiles.length)], plotArea.x);
  const band = (plotArea.x[1] - plotArea.x[0]) / Math.max(1, percentiles.length);
  const bound = percentiles.find((p) => p.label === budget.label);
  const verdict = bound
    ? `${budget.label} ${describeBound(bound.ms, '<=', budget.ms)} ms`
    : `no ${budget.label} measured`;
  return (
    <figure className="chart-figure">
      <ChartFrame
        label={`Latency percentiles in milliseconds against the ${budget.label} budget: ${verdict}`}
        x={x}
        y={y}
        xLabel="Percentile"
        yLabel="Latency (ms)"
        xTicks={[]}
      >
        {percentiles.map((p, i) => {
          const over = p.label === budget.label && p.ms > budget.ms;
          return (
            <g key={p.label}>
              <rect
                className={over ? 'bar-fail' : 'bar-neutral'}
                x={x(i) + band * 0.2}
                width={band * 0.6}
                y={y(p.ms)}
                height={Math.max(0, y(0) - y(p.ms))}
              />
              <text
                x={x(i) + band / 2}
                y={plotArea.y[0] + 16}
                textAnchor="middle"
                className="chart-tick"
              >
                {p.label}
              </text>
            </g>
          );
        })}
        <line
          className="chart-limit"
          x1={plotArea.x[0]}
          x2={plotArea.x[1]}
          y1={y(budget.ms)}
          y2={y(budget.ms)}
        />
      </ChartFrame>
      <Legend
        items={[
          {
            key: 'l',
            className: 'chart-limit',
            text: `Budget: ${budget.label} ≤ ${formatNumber(budget.ms)} ms`,
          },
          { key: 'v', className: 'series-none', text: verdict },
        ]}
      />
      <DataTable
        caption="Latency percentiles"
        head={['Percentile', 'Latency (ms)']}
        rows={percentiles.map((p) => [p.label, p.ms])}
      />
    </figure>
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
