/**
 * The version page's plots, drawn by web-parts' chart components when they exist:
 * web/src/charts/roc-chart.tsx (RocChart), fairness-chart.tsx (FairnessChart) and
 * latency-chart.tsx (LatencyChart). Each receives `{ gate: GateResult }` — the gate's result from
 * the decision record, its `details` holding what the gate computed — and is loaded lazily, so
 * charts cost nothing until a version page with such a gate opens. A chart that is not built yet
 * leaves its gate in the table only.
 */
import { type ComponentType, lazy, Suspense } from 'react';
import type { GateResult } from '../../api/types';

export interface ChartProps {
  gate: GateResult;
}

type ChartModule = Record<string, ComponentType<ChartProps> | undefined>;

// Only the files that exist are in the map, so the page builds before the charts do.
const chartModules = import.meta.glob<ChartModule>('../../charts/*-chart.tsx');

const charts = [
  {
    file: 'roc-chart',
    name: 'RocChart',
    title: 'ROC: candidate vs production',
    fits: (g: GateResult) => g.type === 'baseline' && g.details?.metric === 'auc',
  },
  {
    file: 'fairness-chart',
    name: 'FairnessChart',
    title: 'Fairness by group',
    fits: (g: GateResult) => g.type === 'fairness',
  },
  {
    file: 'latency-chart',
    name: 'LatencyChart',
    title: 'Latency percentiles',
    fits: (g: GateResult) => /latency/i.test(String(g.details?.metric ?? g.gateId)),
  },
] as const;

const lazyCharts = new Map(
  charts.flatMap((chart) => {
    const load = chartModules[`../../charts/${chart.file}.tsx`];
    if (!load) return [];
    const component = lazy<ComponentType<ChartProps>>(async () => {
      const module = await load();
      return { default: module[chart.name] ?? missingExport };
    });
    return [[chart.file, component] as const];
  }),
);

function missingExport() {
  return <p className="muted">This chart is not available.</p>;
}

export function PlotSlot({ gates }: { gates: readonly GateResult[] }) {
  const plots = charts.flatMap((chart) => {
    const Chart = lazyCharts.get(chart.file);
    if (!Chart) return [];
    return gates
      .filter((gate) => chart.fits(gate))
      .map((gate) => ({ key: `${chart.file}-${gate.gateId}`, title: chart.title, gate, Chart }));
  });
  if (plots.length === 0) return null;
  return (
    <section aria-labelledby="plots-heading">
      <h2 id="plots-heading">Plots</h2>
      <div className="plots">
        {plots.map(({ key, title, gate, Chart }) => (
          <figure key={key} className="card">
            <figcaption>
              {title} — gate {gate.gateId}
            </figcaption>
            <Suspense fallback={<p className="muted">Loading chart…</p>}>
              <Chart gate={gate} />
            </Suspense>
          </figure>
        ))}
      </div>
    </section>
  );
}
