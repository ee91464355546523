/** ROC curves of the candidate and the baseline on the locked evaluation set, with the DeLong interval. */
import { linearScale, linePath } from '../lib/chart-scales.js';
import { formatNumber } from '../lib/format.js';
import { ChartFrame, DataTable, Legend, plotArea } from './chart-frame';

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

export function RocChart({ candidate, baseline, delong }: RocChartProps) {
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
