/** A fairness metric per group as bars, with the policy's limit drawn across them. */

import type { GateResult } from '../api/types';
import { linearScale } from '../lib/chart-scales.js';
import { describeBound, formatNumber } from '../lib/format.js';
import { ChartFrame, DataTable, Legend, plotArea } from './chart-frame';
import { fairnessGroups } from './gate-details';

export interface FairnessChartProps {
  metric: string;
  groups: readonly { group: string; value: number }[];
  limit: { op: '>=' | '<='; value: number };
}

export function FairnessBars({ metric, groups, limit }: FairnessChartProps) {
  const top = Math.max(limit.value, ...groups.map((g) => g.value)) * 1.15 || 1;
  const y = linearScale([0, top], plotArea.y);
  const x = linearScale([0, Math.max(1, groups.length)], plotArea.x);
  const ok = (v: number) => (limit.op === '>=' ? v >= limit.value : v <= limit.value);
  const band = (plotArea.x[1] - plotArea.x[0]) / Math.max(1, groups.length);
  const failing = groups.filter((g) => !ok(g.value)).map((g) => g.group);
  const label = `${metric} per group against the limit ${limit.op} ${formatNumber(limit.value)}: ${
    failing.length === 0
      ? 'every group within the limit'
      : `outside the limit: ${failing.join(', ')}`
  }`;
  return (
    <figure className="chart-figure">
      <ChartFrame label={label} x={x} y={y} xLabel="Group" yLabel={metric} xTicks={[]}>
        {groups.map((g, i) => (
          <g key={g.group}>
            <rect
              className={ok(g.value) ? 'bar-pass' : 'bar-fail'}
              x={x(i) + band * 0.2}
              width={band * 0.6}
              y={y(g.value)}
              height={Math.max(0, y(0) - y(g.value))}
            />
            <text
              x={x(i) + band / 2}
              y={plotArea.y[0] + 16}
              textAnchor="middle"
              className="chart-tick"
            >
              {g.group}
            </text>
          </g>
        ))}
        <line
          className="chart-limit"
          x1={plotArea.x[0]}
          x2={plotArea.x[1]}
          y1={y(limit.value)}
          y2={y(limit.value)}
        />
      </ChartFrame>
      <Legend
        items={[
          { key: 'p', className: 'bar-pass', text: 'Within the limit' },
          { key: 'f', className: 'bar-fail', text: 'Outside the limit' },
          {
            key: 'l',
            className: 'chart-limit',
            text: `Limit: ${limit.op} ${formatNumber(limit.value)}`,
          },
        ]}
      />
      <DataTable
        caption={`${metric} per group`}
        head={['Group', metric, 'Against the limit']}
        rows={groups.map((g) => [g.group, g.value, describeBound(g.value, limit.op, limit.value)])}
      />
    </figure>
  );
}

/** The version page's fairness plot for a fairness gate (see web/src/pages/version/plot-slot.tsx). */
export function FairnessChart({ gate }: { gate: GateResult }) {
  const props = fairnessGroups(gate.details, gate.threshold);
  if (!props) return <p className="muted">This gate recorded no per-group values to draw.</p>;
  return <FairnessBars {...props} />;
}
