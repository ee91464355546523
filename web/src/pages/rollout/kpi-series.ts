/**
 * A rollout's decided windows turned into one KPI series per trigger metric, as KpiChart draws
 * them. For a trigger relative to the control the threshold is drawn in the KPI's own units,
 * control × (1 + threshold), the value the candidate crosses to breach. Pure.
 */
import type { KpiPoint } from '../../charts/kpi-chart';
import { formatPercent } from '../../lib/format.js';

export interface WindowRecord {
  metric: string;
  window: { index: number; start: number; end: number };
  verdict: string;
  observed: Record<string, unknown>;
  op: string;
  threshold: number;
}

export interface TriggerRecord {
  metric: string;
  compare: string;
  op: string;
  threshold: number;
  period: string;
}

export interface KpiSeries {
  metric: string;
  thresholdText: string;
  points: KpiPoint[];
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function kpiSeries(
  triggers: readonly TriggerRecord[],
  windows: readonly WindowRecord[],
): KpiSeries[] {
  return triggers.map((trigger) => {
    const relative = trigger.compare === 'relativeToControl';
    const points = windows
      .filter((w) => w.metric === trigger.metric)
      .map((w): KpiPoint => {
        const candidate = num(w.observed.candidate);
        const control = num(w.observed.control);
        const threshold = relative
          ? control === undefined
            ? undefined
            : control * (1 + trigger.threshold)
          : trigger.threshold;
        return {
          start: w.window.start,
          end: w.window.end,
          ...(candidate === undefined ? {} : { candidate }),
          ...(control === undefined ? {} : { control }),
          ...(threshold === undefined ? {} : { threshold }),
          breached: w.verdict === 'fail',
        };
      });
    const thresholdText = relative
      ? `candidate ${trigger.op} control ${trigger.threshold < 0 ? '−' : '+'} ${formatPercent(Math.abs(trigger.threshold))} (per ${trigger.period})`
      : `candidate ${trigger.op} ${trigger.threshold} (per ${trigger.period})`;
    return { metric: trigger.metric, thresholdText, points };
  });
}
