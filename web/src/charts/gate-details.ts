/**
 * Reading a gate result's `details` (open JSON from the decision record, as src/gates writes it)
 * into the numbers a chart draws. Pure; anything missing or malformed reads as undefined, and
 * the chart then says what it cannot show rather than drawing a guess.
 */
import type { FairnessChartProps } from './fairness-chart';
import type { RocCurve } from './roc-chart';

export type Details = Record<string, unknown> | undefined;

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The first bound in a gate's threshold text: ">= 0.8" → { op: '>=', value: 0.8 }. */
export function boundOf(
  threshold: string | undefined,
): { op: '>=' | '<='; value: number } | undefined {
  const match = /(>=|<=)\s*(-?[0-9.]+(?:e[-+]?[0-9]+)?)/i.exec(threshold ?? '');
  if (!match?.[1] || !match[2]) return undefined;
  const value = Number(match[2]);
  return Number.isFinite(value) ? { op: match[1] as '>=' | '<=', value } : undefined;
}

/**
 * The limit a gate recorded as numbers (`details.min` / `details.max`, as metric and fairness
 * gates write them): a lower bound if set, else an upper one. Decisions recorded before the gates
 * wrote them fall back to the threshold text.
 */
export function limitOf(
  details: Details,
  threshold: string | undefined,
): { op: '>=' | '<='; value: number } | undefined {
  if (details && ('min' in details || 'max' in details)) {
    const min = num(details.min);
    const max = num(details.max);
    if (min !== undefined) return { op: '>=', value: min };
    if (max !== undefined) return { op: '<=', value: max };
    return undefined;
  }
  return boundOf(threshold);
}

/** AUC comparison of a baseline gate: values, the DeLong interval and the bound it must clear. */
export function aucComparison(details: Details) {
  const ci = Array.isArray(details?.ci) ? details.ci.map(num) : [];
  const [low, high] = ci;
  const candidate = num(details?.candidateValue);
  const baseline = num(details?.baselineValue);
  const required = num(details?.requiredLowerBound);
  const confidence = num(details?.confidence) ?? 0.95;
  if (
    candidate === undefined ||
    baseline === undefined ||
    low === undefined ||
    high === undefined
  ) {
    return undefined;
  }
  return { candidate, baseline, low, high, required, confidence };
}

/**
 * ROC curves when the gate recorded them: a DeLong baseline gate keeps them, thinned, in
 * `details.statistics.roc.candidate|baseline = { fpr, tpr }`.
 */
export function rocCurves(details: Details): { candidate?: RocCurve; baseline?: RocCurve } {
  const statistics = details?.statistics as Record<string, unknown> | undefined;
  const roc = (statistics?.roc ?? details?.roc) as
    | Record<string, { fpr?: unknown; tpr?: unknown; auc?: unknown }>
    | undefined;
  const curve = (
    c: { fpr?: unknown; tpr?: unknown; auc?: unknown } | undefined,
  ): RocCurve | undefined =>
    c && Array.isArray(c.fpr) && Array.isArray(c.tpr)
      ? { fpr: c.fpr.map(Number), tpr: c.tpr.map(Number), auc: num(c.auc) ?? Number.NaN }
      : undefined;
  const withAuc = (c: RocCurve | undefined, auc: unknown) =>
    c && Number.isNaN(c.auc) ? { ...c, auc: num(auc) ?? Number.NaN } : c;
  const candidate = withAuc(curve(roc?.candidate), details?.candidateValue);
  const baseline = withAuc(curve(roc?.baseline), details?.baselineValue);
  return { ...(candidate ? { candidate } : {}), ...(baseline ? { baseline } : {}) };
}

interface GroupRow {
  group: string;
  selectionRate: number | undefined;
  tpr: number | undefined;
  fpr: number | undefined;
}

/**
 * Each group's value of a fairness gate's metric, against the reference group (the privileged
 * one, else the group with the highest rate), so the policy's limit applies to every bar:
 * ratios divide by the reference, differences subtract it; parity and impact use selection
 * rates, equal opportunity TPR, equalized odds the worse of TPR and FPR.
 */
export function fairnessGroups(
  details: Details,
  threshold: string | undefined,
): FairnessChartProps | undefined {
  const metric = typeof details?.metric === 'string' ? details.metric : undefined;
  const limit = limitOf(details, threshold);
  const rows: GroupRow[] = (Array.isArray(details?.groups) ? details.groups : []).map(
    (g: Record<string, unknown>) => ({
      group: String(g.group),
      selectionRate: num(g.selectionRate),
      tpr: num(g.tpr),
      fpr: num(g.fpr),
    }),
  );
  if (!metric || !limit || rows.length === 0) return undefined;
  const rates: (keyof GroupRow)[] = metric.startsWith('equal_opportunity')
    ? ['tpr']
    : metric.startsWith('equalized_odds')
      ? ['tpr', 'fpr']
      : ['selectionRate'];
  const ratio = metric.endsWith('ratio');
  const privileged = typeof details?.privileged === 'string' ? details.privileged : undefined;
  const reference = (field: keyof GroupRow) =>
    rows.find((r) => r.group === privileged)?.[field] ??
    Math.max(...rows.map((r) => (r[field] as number | undefined) ?? Number.NEGATIVE_INFINITY));
  const groups = rows.map((row) => {
    const values = rates.map((field) => {
      const v = row[field] as number | undefined;
      const ref = reference(field) as number;
      if (v === undefined) return Number.NaN;
      return ratio ? (ref === 0 ? Number.NaN : v / ref) : Math.abs(v - ref);
    });
    const value = ratio ? Math.min(...values) : Math.max(...values);
    return { group: row.group, value };
  });
  return { metric, groups: groups.filter((g) => Number.isFinite(g.value)), limit };
}
