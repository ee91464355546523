/** ROC curves of the candidate and the baseline on the locked evaluation set, with the DeLong interval. */

import type { GateResult } from '../api/types';
import { linearScale, linePath } from '../lib/chart-scales.js';
import { formatNumber } from '../lib/format.js';
import { ChartFrame, DataTable, Legend, plotArea } from './chart-frame';
import { aucComparison, rocCurves } from './gate-details';

export interface RocCurve {
  fpr: readonly number[];
  tpr: readonly number[];
  auc: number;
}

export interface RocChartProps {
  candidate: RocCurve;
  baseline?: RocCurve;
  /** DeLong interval of AUC(candidate) − AUC(baseline). */
  delong?: { low: number; high: number; confidence: number };
}

const points = (c: RocCurve) => c.fpr.map((x, i) => ({ x, y: c.tpr[i] ?? Number.NaN }));

export function RocCurves({ candidate, baseline, delong }: RocChartProps) {
  const x = linearScale([0, 1], plotArea.x);
  const y = linearScale([0, 1], plotArea.y);
  const difference =
    baseline && delong
      ? `AUC difference ${formatNumber(candidate.auc - baseline.auc)}, ${formatNumber(delong.confidence * 100)}% DeLong interval ${formatNumber(delong.low)} to ${formatNumber(delong.high)}`
      : undefined;
  const label = [
    `ROC curves: candidate AUC ${formatNumber(candidate.auc)}`,
    baseline ? `baseline AUC ${formatNumber(baseline.auc)}` : undefined,
    difference,
  ]
    .filter(Boolean)
    .join('; ');
  return (
    <figure className="chart-figure">
      <ChartFrame
        label={label}
        x={x}
        y={y}
        xLabel="False positive rate"
        yLabel="True positive rate"
      >
        <line className="chart-chance" x1={x(0)} y1={y(0)} x2={x(1)} y2={y(1)} />
        {baseline && <path className="series-baseline" d={linePath(points(baseline), x, y)} />}
        <path className="series-candidate" d={linePath(points(candidate), x, y)} />
      </ChartFrame>
      <Legend
        items={[
          {
            key: 'c',
            className: 'series-candidate',
            text: `Candidate, AUC ${formatNumber(candidate.auc)}`,
          },
          ...(baseline
            ? [
                {
                  key: 'b',
                  className: 'series-baseline',
                  text: `Baseline (production), AUC ${formatNumber(baseline.auc)}`,
                },
              ]
            : []),
          ...(difference ? [{ key: 'd', className: 'series-none', text: difference }] : []),
        ]}
      />
      <DataTable
        caption="ROC points"
        head={['Curve', 'False positive rate', 'True positive rate']}
        rows={[
          ...points(candidate).map((p) => ['candidate', p.x, p.y]),
          ...(baseline ? points(baseline).map((p) => ['baseline', p.x, p.y]) : []),
        ]}
      />
    </figure>
  );
}

/** The AUC comparison as an interval: the DeLong interval of the difference and its bound. */
function AucInterval(props: NonNullable<ReturnType<typeof aucComparison>>) {
  const { candidate, baseline, low, high, required, confidence } = props;
  const lo = Math.min(low, required ?? low, 0);
  const hi = Math.max(high, 0);
  const pad = (hi - lo) * 0.15 || 0.01;
  const x = linearScale([lo - pad, hi + pad], plotArea.x);
  const y = linearScale([0, 1], plotArea.y);
  const pass = required === undefined || low >= required;
  const text = `AUC candidate ${formatNumber(candidate)} vs production ${formatNumber(baseline)}: difference ${formatNumber(candidate - baseline)}, ${formatNumber(confidence * 100)}% DeLong interval ${formatNumber(low)} to ${formatNumber(high)}${required === undefined ? '' : `; its lower end must be at least ${formatNumber(required)}, and ${pass ? 'is' : 'is not'}`}`;
  return (
    <figure className="chart-figure">
      <ChartFrame
        label={text}
        x={x}
        y={y}
        xLabel="AUC difference (candidate − production)"
        yLabel=""
        yFormat={() => ''}
      >
        <line className="chart-chance" x1={x(0)} x2={x(0)} y1={y(0)} y2={y(1)} />
        {required !== undefined && (
          <line className="chart-limit" x1={x(required)} x2={x(required)} y1={y(0)} y2={y(1)} />
        )}
        <line
          className={pass ? 'interval-pass' : 'interval-fail'}
          x1={x(low)}
          x2={x(high)}
          y1={y(0.5)}
          y2={y(0.5)}
        />
        <circle
          className={pass ? 'interval-pass' : 'interval-fail'}
          cx={x(candidate - baseline)}
          cy={y(0.5)}
          r={5}
        />
      </ChartFrame>
      <Legend
        items={[
          {
            key: 'i',
            className: pass ? 'interval-pass' : 'interval-fail',
            text: `Difference and its ${formatNumber(confidence * 100)}% DeLong interval`,
          },
          ...(required === undefined
            ? []
            : [
                {
                  key: 'r',
                  className: 'chart-limit',
                  text: `Bound for the lower end: ${formatNumber(required)}`,
                },
              ]),
        ]}
      />
      <p className="muted">{text}.</p>
    </figure>
  );
}

/** The version page's ROC plot for a baseline AUC gate (see web/src/pages/version/plot-slot.tsx). */
export function RocChart({ gate }: { gate: GateResult }) {
  const comparison = aucComparison(gate.details);
  const curves = rocCurves(gate.details);
  return (
    <>
      {curves.candidate && (
        <RocCurves
          candidate={curves.candidate}
          {...(curves.baseline ? { baseline: curves.baseline } : {})}
          {...(comparison ? { delong: comparison } : {})}
        />
      )}
      {comparison ? (
        <AucInterval {...comparison} />
      ) : (
        <p className="muted">This gate recorded no AUC comparison to draw.</p>
      )}
    </>
  );
}
