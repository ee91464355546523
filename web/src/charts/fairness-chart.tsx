/** A fairness metric per group as bars, with the policy's limit drawn across them. */

import type { GateResult } from '../api/types';
import { describeBound, formatNumber } from '../lib/format.js';
import { fairnessGroups } from './gate-details';
import { LimitBars } from './limit-bars';

export interface FairnessChartProps {
  metric: string;
  groups: readonly { group: string; value: number }[];
  limit: { op: '>=' | '<='; value: number };
}

export function FairnessBars({ metric, groups, limit }: FairnessChartProps) {
  const ok = (v: number) => (limit.op === '>=' ? v >= limit.value : v <= limit.value);
  const failing = groups.filter((g) => !ok(g.value)).map((g) => g.group);
  const label = `${metric} per group against the limit ${limit.op} ${formatNumber(limit.value)}: ${
    failing.length === 0
      ? 'every group within the limit'
      : `outside the limit: ${failing.join(', ')}`
  }`;
  return (
    <LimitBars
      label={label}
      xLabel="Group"
      yLabel={metric}
      bars={groups.map((g) => ({
        label: g.group,
        value: g.value,
        className: ok(g.value) ? 'bar-pass' : 'bar-fail',
      }))}
      limit={limit.value}
      legend={[
        { key: 'p', className: 'bar-pass', text: 'Within the limit' },
        { key: 'f', className: 'bar-fail', text: 'Outside the limit' },
        {
          key: 'l',
          className: 'chart-limit',
          text: `Limit: ${limit.op} ${formatNumber(limit.value)}`,
        },
      ]}
      table={{
        caption: `${metric} per group`,
        head: ['Group', metric, 'Against the limit'],
        rows: groups.map((g) => [g.group, g.value, describeBound(g.value, limit.op, limit.value)]),
      }}
    />
  );
}

/** The version page's fairness plot for a fairness gate (see web/src/pages/version/plot-slot.tsx). */
export function FairnessChart({ gate }: { gate: GateResult }) {
  const props = fairnessGroups(gate.details, gate.threshold);
  if (!props) return <p className="muted">This gate recorded no per-group values to draw.</p>;
  return <FairnessBars {...props} />;
}
