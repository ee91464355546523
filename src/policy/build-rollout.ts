import { formatDuration, parseDuration } from '../domain/duration.js';
import type {
  BurnRateTrigger,
  CanaryStep,
  RollbackTrigger,
  RolloutSpec,
  ValueStatistic,
} from '../domain/policy.js';
import { buildKpiSources } from './build-kpi-sources.js';
import { describePath } from './describe-path.js';
import type { RawRollout, RawTrigger } from './policy-schema.js';
import type { ProblemCollector } from './problem-collector.js';
import type { DataPath } from './source-map.js';

/** A name part such as `p95` or `p99.9`. */
const percentilePart = /^p(100|[0-9]{1,2}(?:\.[0-9]+)?)$/;

/** The rollout of a transition: steps, triggers and window rules, with cross-key checks. */
export function buildRollout(
  c: ProblemCollector,
  raw: RawRollout,
  path: DataPath,
): RolloutSpec | undefined {
  const steps = buildSteps(c, raw, path);
  const triggers = raw.triggers.flatMap((trigger, t) => {
    const built = buildTrigger(c, trigger, [...path, 'triggers', t]);
    return built ? [built] : [];
  });
  if (!steps || triggers.length !== raw.triggers.length) return undefined;
  const sources =
    raw.sources && buildKpiSources(c, raw.sources, { triggers, path: [...path, 'sources'] });
  if (raw.sources && !sources) return undefined;
  return {
    ...(raw.canary && { canary: raw.canary }),
    steps,
    triggers,
    consecutiveErrorLimit: raw.consecutiveErrorLimit,
    lateness: raw.lateness,
    ...(sources && { sources }),
  };
}

function buildSteps(
  c: ProblemCollector,
  raw: RawRollout,
  path: DataPath,
): CanaryStep[] | undefined {
  if (raw.canary && raw.steps) {
    c.error(
      [...path, 'steps'],
      `${describePath(path)} sets both canary: and steps:.`,
      'Use canary: for one step, or steps: for several (for example 5% → 25% → 50%).',
    );
    return undefined;
  }
  const steps = raw.steps ?? (raw.canary ? [raw.canary] : []);
  for (let s = 1; s < steps.length; s++) {
    if (steps[s]!.traffic <= steps[s - 1]!.traffic) {
      c.error(
        [...path, 'steps', s, 'traffic'],
        `${describePath([...path, 'steps', s])} has traffic ${steps[s]!.traffic}%, not more than the step before (${steps[s - 1]!.traffic}%).`,
        'List the canary steps with rising traffic, for example 5, 25, 50.',
      );
      return undefined;
    }
  }
  return steps;
}

function valueStatistic(raw: RawTrigger): { statistic: ValueStatistic; series: string } {
  if (raw.statistic !== undefined) {
    return { statistic: raw.statistic as ValueStatistic, series: raw.series ?? raw.metric };
  }
  // `latency_p95_ms` → p95 of `latency_ms`; `p99_latency` → p99 of `latency`.
  const parts = raw.metric.split('_');
  const at = parts.findIndex((part) => percentilePart.test(part));
  if (at < 0 || parts.length === 1) {
    return { statistic: 'rate', series: raw.series ?? raw.metric };
  }
  const statistic = parts[at] as ValueStatistic;
  return { statistic, series: raw.series ?? parts.filter((_, i) => i !== at).join('_') };
}

/** Keys that belong to one kind of comparison only, so a stray one is reported, not ignored. */
const onlyFor: Record<string, RawTrigger['compare'][]> = {
  baseline: ['drift'],
  slo: ['burnRate'],
  longWindow: ['burnRate'],
};

function misplacedKey(c: ProblemCollector, raw: RawTrigger, path: DataPath): boolean {
  for (const [key, kinds] of Object.entries(onlyFor)) {
    if (raw[key as keyof RawTrigger] === undefined || kinds.includes(raw.compare)) continue;
    c.error(
      [...path, key],
      `${describePath([...path, key])} applies only to compare: ${kinds.join(' or ')}, not ${raw.compare}.`,
      `Remove ${key}:, or set compare: ${kinds[0]}.`,
    );
    return true;
  }
  const statistic = raw.statistic;
  if (statistic === undefined) return false;
  const drift = statistic === 'psi' || statistic === 'ks';
  if (raw.compare === 'burnRate' || drift !== (raw.compare === 'drift')) {
    c.error(
      [...path, 'statistic'],
      `${describePath([...path, 'statistic'])} (${statistic}) does not fit compare: ${raw.compare}.`,
      raw.compare === 'drift'
        ? 'Use statistic: psi or ks for a drift trigger.'
        : raw.compare === 'burnRate'
          ? 'Remove statistic:; a burn-rate trigger always reads a count series.'
          : 'Use rate, mean or a percentile such as p95; psi and ks need compare: drift.',
    );
    return true;
  }
  return false;
}

/**
 * "Sustained for T" is CloudWatch's M-of-N with M = N = T / period (DESIGN §6); without it a
 * single breaching window trips the trigger.
 */
function windowCounts(
  c: ProblemCollector,
  raw: RawTrigger,
  path: DataPath,
): { evaluationPeriods: number; datapointsToAlarm: number } | undefined {
  const { sustainedFor, evaluationPeriods, datapointsToAlarm } = raw;
  let periods = evaluationPeriods ?? 1;
  let alarms = datapointsToAlarm ?? periods;
  if (sustainedFor !== undefined) {
    const windows = (parseDuration(sustainedFor) ?? 0) / (parseDuration(raw.period) ?? 1);
    if (evaluationPeriods !== undefined || datapointsToAlarm !== undefined) {
      c.error(
        [...path, 'sustainedFor'],
        `${describePath(path)} sets sustainedFor together with evaluationPeriods or datapointsToAlarm.`,
        'Use sustainedFor: alone, or evaluationPeriods: and datapointsToAlarm: without it.',
      );
      return undefined;
    }
    if (!Number.isInteger(windows) || windows < 1) {
      c.error(
        [...path, 'sustainedFor'],
        `${describePath([...path, 'sustainedFor'])} (${sustainedFor}) is not a whole number of periods of ${raw.period}.`,
        `Make sustainedFor a multiple of period, for example ${raw.period === '5m' ? '15m' : `3 × ${raw.period}`}.`,
      );
      return undefined;
    }
    periods = windows;
    alarms = windows;
  }
  if (alarms > periods) {
    c.error(
      [...path, 'datapointsToAlarm'],
      `${describePath([...path, 'datapointsToAlarm'])} (${alarms}) is more than evaluationPeriods (${periods}).`,
      'Set datapointsToAlarm to at most evaluationPeriods (M of N windows).',
    );
    return undefined;
  }
  return { evaluationPeriods: periods, datapointsToAlarm: alarms };
}

function buildTrigger(
  c: ProblemCollector,
  raw: RawTrigger,
  path: DataPath,
): RollbackTrigger | undefined {
  const counts = windowCounts(c, raw, path);
  if (!counts || misplacedKey(c, raw, path)) return undefined;
  const common = {
    metric: raw.metric,
    op: raw.op,
    threshold: raw.threshold,
    period: raw.period,
    ...counts,
    treatMissing: raw.treatMissing,
    minSamples: raw.minSamples,
  };
  switch (raw.compare) {
    case 'absolute':
    case 'relativeToControl':
      return {
        ...common,
        compare: raw.compare,
        ...valueStatistic(raw),
        confidence: raw.confidence,
      };
    case 'drift':
      return {
        ...common,
        compare: 'drift',
        series: raw.series ?? raw.metric,
        statistic: raw.statistic === 'ks' ? 'ks' : 'psi',
        baseline: raw.baseline ?? 'drift_baseline',
      };
    case 'burnRate':
      return burnRateTrigger(c, raw, path, common);
  }
}

function burnRateTrigger(
  c: ProblemCollector,
  raw: RawTrigger,
  path: DataPath,
  common: Omit<BurnRateTrigger, 'compare' | 'series' | 'slo' | 'longWindow'>,
): RollbackTrigger | undefined {
  if (raw.slo === undefined) {
    c.error(
      path,
      `${describePath(path)} compares a burn rate but has no slo:.`,
      'Add slo:, the objective as a fraction, for example slo: 0.995 for 99.5% good requests.',
    );
    return undefined;
  }
  const periodMs = parseDuration(raw.period) ?? 0;
  const longWindow = raw.longWindow ?? formatDuration(12 * periodMs);
  if ((parseDuration(longWindow) ?? 0) < periodMs) {
    c.error(
      [...path, 'longWindow'],
      `${describePath([...path, 'longWindow'])} (${longWindow}) is shorter than period (${raw.period}).`,
      'Make longWindow longer than period: the SRE workbook pairs 1h with 5m and 6h with 30m.',
    );
    return undefined;
  }
  return {
    ...common,
    compare: 'burnRate',
    series: raw.series ?? raw.metric,
    slo: raw.slo,
    longWindow,
  };
}
