/**
 * Bars against one limit drawn across them — the frame the fairness chart (a metric per group)
 * and the latency chart (percentiles against the budget) share: scales from zero to a little above
 * the highest bar or limit, one band per bar labelled under the axis, the limit line, the legend
 * and the data table.
 */
import { linearScale } from '../lib/chart-scales.js';
import { ChartFrame, DataTable, Legend, plotArea } from './chart-frame';

export interface LimitBar {
  label: string;
  value: number;
  /** `bar-pass`, `bar-fail` or `bar-neutral`. */
  className: string;
}

export function LimitBars(props: {
  label: string;
  xLabel: string;
  yLabel: string;
  bars: readonly LimitBar[];
  limit: number;
  legend: Parameters<typeof Legend>[0]['items'];
  table: Parameters<typeof DataTable>[0];
}) {
  const { bars, limit } = props;
  const top = Math.max(limit, ...bars.map((b) => b.value)) * 1.15 || 1;
  const y = linearScale([0, top], plotArea.y);
  const x = linearScale([0, Math.max(1, bars.length)], plotArea.x);
  const band = (plotArea.x[1] - plotArea.x[0]) / Math.max(1, bars.length);
  return (
    <figure className="chart-figure">
      <ChartFrame
        label={props.label}
        x={x}
        y={y}
        xLabel={props.xLabel}
        yLabel={props.yLabel}
        xTicks={[]}
      >
        {bars.map((bar, i) => (
          <g key={bar.label}>
            <rect
              className={bar.className}
              x={x(i) + band * 0.2}
              width={band * 0.6}
              y={y(bar.value)}
              height={Math.max(0, y(0) - y(bar.value))}
            />
            <text
              x={x(i) + band / 2}
              y={plotArea.y[0] + 16}
              textAnchor="middle"
              className="chart-tick"
            >
              {bar.label}
            </text>
          </g>
        ))}
        <line
          className="chart-limit"
          x1={plotArea.x[0]}
          x2={plotArea.x[1]}
          y1={y(limit)}
          y2={y(limit)}
        />
      </ChartFrame>
      <Legend items={props.legend} />
      <DataTable {...props.table} />
    </figure>
  );
}
