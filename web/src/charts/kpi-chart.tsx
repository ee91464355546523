/**
 * A canary KPI over time: the candidate and the control per decided window, the trigger's
 * threshold, and the windows that breached shaded.
 */
import { bandRect, extent, linearScale, linePath, niceDomain } from '../lib/chart-scales.js';
import { formatNumber } from '../lib/format.js';
import { ChartFrame, DataTable, Legend, plotArea } from './chart-frame';

export interface KpiPoint {
  /** Window start and end, ms since the epoch. */
  start: number;
  end: number;
  candidate?: number;
  control?: number;
  /** The value at which this window breaches (absolute threshold, or control × (1 + relative)). */
  threshold?: number;
  breached: boolean;
}

export interface KpiChartProps {
  metric: string;
  /** What the threshold means, in words (e.g. "candidate ≤ control − 1%"). */
  thresholdText: string;
  points: readonly KpiPoint[];
  /** Where the time axis starts (the rollout's start), ms. */
  origin: number;
}

/** The time unit that suits the span: seconds for a test's one-second windows, hours for a day. */
export function timeUnit(spanMs: number): { name: string; ms: number } {
  if (spanMs <= 3 * 60_000) return { name: 'seconds', ms: 1000 };
  if (spanMs <= 3 * 3_600_000) return { name: 'minutes', ms: 60_000 };
  return { name: 'hours', ms: 3_600_000 };
}

export function KpiChart({ metric, thresholdText, points, origin }: KpiChartProps) {
  const last = points.at(-1);
  const unit = timeUnit(last ? last.end - origin : 3_600_000);
  const h = (t: number) => (t - origin) / unit.ms;
  const mid = (p: KpiPoint) => h((p.start + p.end) / 2);
  const values = points.flatMap((p) => [p.candidate, p.control, p.threshold]);
  const [lo, hi] = extent(values.filter((v): v is number => v !== undefined));
  const y = linearScale(niceDomain(lo, hi, 5), plotArea.y);
  const x = linearScale([0, last ? h(last.end) : 1], plotArea.x);
  const line = (pick: (p: KpiPoint) => number | undefined) =>
    linePath(
      points.map((p) => ({ x: mid(p), y: pick(p) ?? Number.NaN })),
      x,
      y,
    );
  const breached = points.filter((p) => p.breached);
  const label = `${metric} per window for candidate and control over ${formatNumber(
    last ? h(last.end) : 0,
  )} ${unit.name}; threshold ${thresholdText}; ${
    breached.length === 0
      ? 'no window breached'
      : `${breached.length} window${breached.length === 1 ? '' : 's'} breached, from ${unit.name.slice(0, -1)} ${formatNumber(h(breached[0]?.start ?? origin))}`
  }`;
  return (
    <figure className="chart-figure">
      <ChartFrame
        label={label}
        x={x}
        y={y}
        xLabel={`${unit.name[0]?.toUpperCase()}${unit.name.slice(1)} since the canary started`}
        yLabel={metric}
      >
        {breached.map((p) => (
          <rect
            key={p.start}
            className="band-breached"
            {...bandRect({ from: h(p.start), to: h(p.end) }, x, y)}
          />
        ))}
        <path className="series-threshold" d={line((p) => p.threshold)} />
        <path className="series-baseline" d={line((p) => p.control)} />
        <path className="series-candidate" d={line((p) => p.candidate)} />
      </ChartFrame>
      <Legend
        items={[
          { key: 'c', className: 'series-candidate', text: 'Candidate' },
          ...(points.some((p) => p.control !== undefined)
            ? [{ key: 'k', className: 'series-baseline', text: 'Control' }]
            : []),
          { key: 't', className: 'series-threshold', text: `Threshold: ${thresholdText}` },
          { key: 'b', className: 'band-breached', text: 'Window breached' },
        ]}
      />
      <DataTable
        caption={`${metric} per window`}
        head={[`Window (${unit.name})`, 'Candidate', 'Control', 'Threshold', 'Breached']}
        rows={points.map((p) => [
          `${formatNumber(h(p.start))}–${formatNumber(h(p.end))}`,
          p.candidate ?? '—',
          p.control ?? '—',
          p.threshold ?? '—',
          p.breached ? 'yes' : 'no',
        ])}
      />
    </figure>
  );
}
