import { parseDuration } from '../domain/duration.js';
import type { KpiSeriesSource, PrometheusArmQuery, RollbackTrigger } from '../domain/policy.js';
import { checkPromqlTemplate } from '../domain/promql-template.js';
import { describePath } from './describe-path.js';
import type { RawKpiSource } from './policy-schema.js';
import type { ProblemCollector } from './problem-collector.js';
import type { DataPath } from './source-map.js';

type RawArm = RawKpiSource['prometheus']['candidate'];
type SeriesKind = 'counts' | 'values';

/** Which kind of series a trigger reads: rates and burn rates read counts, the rest values. */
function kindRead(trigger: RollbackTrigger): SeriesKind {
  if (trigger.compare === 'burnRate') return 'counts';
  return trigger.statistic === 'rate' ? 'counts' : 'values';
}

function buildArm(
  c: ProblemCollector,
  raw: RawArm,
  path: DataPath,
): PrometheusArmQuery | undefined {
  const { successes, trials, value } = raw;
  const counts = successes !== undefined || trials !== undefined;
  if (
    counts === (value !== undefined) ||
    (counts && (successes === undefined || trials === undefined))
  ) {
    c.error(
      path,
      `${describePath(path)} needs either successes: and trials: (a rate) or value: (values), not ${counts && value !== undefined ? 'both' : 'a part'}.`,
      'Write successes: and trials: queries for a rate such as clicks of impressions, or one value: query for latencies or scores.',
    );
    return undefined;
  }
  const queries: [string, string][] = counts
    ? [
        ['successes', successes!],
        ['trials', trials!],
      ]
    : [['value', value!]];
  let ok = true;
  for (const [key, query] of queries) {
    const check = checkPromqlTemplate(query);
    if (check.ok) continue;
    c.error([...path, key], `${describePath([...path, key])} ${check.reason}.`, check.fix);
    ok = false;
  }
  if (!ok) return undefined;
  return counts ? { successes: successes!, trials: trials! } : { value: value! };
}

function armKind(arm: PrometheusArmQuery): SeriesKind {
  return 'value' in arm ? 'values' : 'counts';
}

function buildSource(
  c: ProblemCollector,
  raw: RawKpiSource,
  path: DataPath,
): KpiSeriesSource | undefined {
  const at = [...path, 'prometheus'];
  const candidate = buildArm(c, raw.prometheus.candidate, [...at, 'candidate']);
  const control = raw.prometheus.control && buildArm(c, raw.prometheus.control, [...at, 'control']);
  if (!candidate || (raw.prometheus.control && !control)) return undefined;
  if (control && armKind(control) !== armKind(candidate)) {
    c.error(
      [...at, 'control'],
      `${describePath([...at, 'control'])} queries ${armKind(control)} but candidate: queries ${armKind(candidate)}.`,
      'Query the same kind for both arms: successes and trials, or value.',
    );
    return undefined;
  }
  return {
    prometheus: { step: raw.prometheus.step, candidate, ...(control && { control }) },
  };
}

/** Checks a source against the triggers that read its series. */
function fitsTriggers(
  c: ProblemCollector,
  where: { series: string; source: KpiSeriesSource; triggers: readonly RollbackTrigger[] },
  path: DataPath,
): boolean {
  const { series, source, triggers } = where;
  const readers = triggers.filter((trigger) => trigger.series === series);
  if (readers.length === 0) {
    c.warn(
      path,
      `${describePath(path)} pulls series ${series}, which no trigger reads.`,
      'Name the series a trigger reads (its series:, or its metric without the percentile part), or remove the source.',
    );
  }
  const stepMs = parseDuration(source.prometheus.step) ?? 0;
  const kind = armKind(source.prometheus.candidate);
  for (const trigger of readers) {
    const problem =
      kindRead(trigger) !== kind
        ? [
            `trigger ${trigger.metric} reads ${kindRead(trigger)} but the source queries ${kind}`,
            kind === 'counts'
              ? 'Query value: for a percentile, mean or drift trigger.'
              : 'Query successes: and trials: for a rate or burn-rate trigger.',
          ]
        : trigger.compare === 'relativeToControl' && !source.prometheus.control
          ? [
              `trigger ${trigger.metric} compares with control but the source has no control: queries`,
              'Add control: queries (usually the same with {version} naming the control version).',
            ]
          : (parseDuration(trigger.period) ?? 0) % stepMs !== 0
            ? [
                `its step (${source.prometheus.step}) does not divide trigger ${trigger.metric}'s period (${trigger.period})`,
                'Choose a step that divides every period of the triggers reading the series, for example 1m.',
              ]
            : undefined;
    if (!problem) continue;
    c.error(path, `${describePath(path)}: ${problem[0]}.`, problem[1]!);
    return false;
  }
  return true;
}

/** The rollout's KPI sources by series, checked against its triggers. */
export function buildKpiSources(
  c: ProblemCollector,
  raw: Record<string, RawKpiSource>,
  where: { triggers: readonly RollbackTrigger[]; path: DataPath },
): Record<string, KpiSeriesSource> | undefined {
  const built: Record<string, KpiSeriesSource> = {};
  let ok = true;
  for (const [series, rawSource] of Object.entries(raw)) {
    const path = [...where.path, series];
    const source = buildSource(c, rawSource, path);
    if (source && fitsTriggers(c, { series, source, triggers: where.triggers }, path))
      built[series] = source;
    else ok = false;
  }
  return ok ? built : undefined;
}
