/** Per-group counts and rates; TPR and FPR are null when the group has no positives / negatives. */
export interface GroupRates {
  value: string;
  n: number;
  positives: number;
  negatives: number;
  predictedPositive: number;
  selectionRate: number;
  tpr: number | null;
  fpr: number | null;
}

export interface FairnessReport {
  groups: GroupRates[];
  demographicParityDifference: number | null;
  demographicParityRatio: number | null;
  /** With `privileged`: min over other groups of sel(g)/sel(priv); otherwise min/max over groups. */
  disparateImpactRatio: number | null;
  /** max(TPR difference, FPR difference) */
  equalizedOddsDifference: number | null;
  /** min(TPR ratio, FPR ratio) */
  equalizedOddsRatio: number | null;
  equalOpportunityDifference: number | null;
  equalOpportunityRatio: number | null;
  undefinedReasons: string[];
}

interface Spread {
  difference: number | null;
  ratio: number | null;
}

/**
 * Fairlearn's `between_groups` comparison: max − min and min / max over groups. Null (with a
 * reason) when fewer than two groups have the rate, or, for the ratio, when max is 0.
 */
function spread(groups: GroupRates[], rate: 'selectionRate' | 'tpr' | 'fpr', reasons: string[]) {
  const missing = groups.filter((g) => g[rate] === null).map((g) => g.value);
  if (missing.length > 0) {
    const why = rate === 'tpr' ? 'no positive labels' : 'no negative labels';
    reasons.push(`${rate} is undefined for group(s) ${missing.join(', ')} (${why}).`);
    return { difference: null, ratio: null } satisfies Spread;
  }
  if (groups.length < 2) {
    reasons.push(`${rate} cannot be compared: fewer than two groups have rows.`);
    return { difference: null, ratio: null } satisfies Spread;
  }
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const g of groups) {
    const v = g[rate] as number;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  if (max === 0) reasons.push(`${rate} ratio is undefined: every group's ${rate} is 0.`);
  return { difference: max - min, ratio: max === 0 ? null : min / max } satisfies Spread;
}

/** Per group: rows, positives, predicted positives, true positives, false positives. */
const TALLY_WIDTH = 5;

function groupRates(input: {
  labels: Uint8Array;
  predicted: Uint8Array;
  groups: { values: string[]; codes: Uint8Array | Uint16Array | Uint32Array };
}): GroupRates[] {
  const { labels, predicted, groups } = input;
  const count = groups.values.length;
  const tally = new Float64Array(count * TALLY_WIDTH);
  for (let i = 0; i < labels.length; i++) {
    const g = groups.codes[i]!;
    if (g >= count) throw new RangeError(`Group code ${g} at row ${i} has no value.`);
    const y = labels[i] !== 0;
    const yhat = predicted[i] !== 0;
    tally[g * 5]!++;
    if (y) tally[g * 5 + 1]!++;
    if (yhat) {
      tally[g * 5 + 2]!++;
      tally[g * 5 + (y ? 3 : 4)]!++;
    }
  }
  return ratesFromTally(groups.values, tally);
}

/** Each group's rates from its five counts (see `groupRates`). */
function ratesFromTally(values: string[], tally: Float64Array): GroupRates[] {
  return values.map((value, g) => {
    const n = tally[g * 5]!;
    const positives = tally[g * 5 + 1]!;
    const negatives = n - positives;
    const predictedPositive = tally[g * 5 + 2]!;
    return {
      value,
      n,
      positives,
      negatives,
      predictedPositive,
      selectionRate: predictedPositive / n,
      tpr: positives === 0 ? null : tally[g * 5 + 3]! / positives,
      fpr: negatives === 0 ? null : tally[g * 5 + 4]! / negatives,
    };
  });
}

function disparateImpact(
  groups: GroupRates[],
  dpr: number | null,
  privileged: string | undefined,
  reasons: string[],
): number | null {
  if (privileged === undefined) return dpr;
  const priv = groups.find((g) => g.value === privileged);
  if (priv === undefined) {
    reasons.push(`Privileged group ${privileged} has no rows; disparate impact is undefined.`);
    return null;
  }
  if (priv.selectionRate === 0 || groups.length < 2) {
    reasons.push(
      `Disparate impact is undefined: ${groups.length < 2 ? 'no other group has rows' : `the selection rate of ${privileged} is 0`}.`,
    );
    return null;
  }
  let min = Number.POSITIVE_INFINITY;
  for (const g of groups) if (g !== priv) min = Math.min(min, g.selectionRate / priv.selectionRate);
  return min;
}

/**
 * Group fairness by Fairlearn's definitions (`demographic_parity_*`, `equalized_odds_*` with
 * `agg="worst_case"`, `equal_opportunity_*`) compared `between_groups` (worst pair), plus the
 * disparate-impact ratio of the four-fifths rule (29 CFR 1607.4(D)). Unlike Fairlearn, a group
 * without positives (or negatives) has TPR (FPR) null rather than 0, and every metric built on it
 * is null with a reason. Groups without rows are left out.
 */
export function fairnessReport(input: {
  labels: Uint8Array;
  predicted: Uint8Array;
  groups: { values: string[]; codes: Uint8Array | Uint16Array | Uint32Array };
  privileged?: string;
}): FairnessReport {
  const { labels, predicted, groups } = input;
  if (predicted.length !== labels.length || groups.codes.length !== labels.length) {
    throw new RangeError('Labels, predictions and group codes must have one entry per row.');
  }
  return reportFromRates(groupRates(input), input.privileged);
}

/**
 * `fairnessReport` from per-group tallies already counted (five numbers per group, in
 * the order of `values`), e.g. by `tallyAtThreshold` in the same pass as the confusion counts.
 */
export function fairnessFromTally(input: {
  values: string[];
  tally: Float64Array;
  privileged?: string;
}): FairnessReport {
  if (input.tally.length !== input.values.length * TALLY_WIDTH) {
    throw new RangeError('A tally needs five counts per group value.');
  }
  return reportFromRates(ratesFromTally(input.values, input.tally), input.privileged);
}

function reportFromRates(all: GroupRates[], privileged: string | undefined): FairnessReport {
  const reasons: string[] = [];
  const empty = all.filter((g) => g.n === 0).map((g) => g.value);
  if (empty.length > 0) reasons.push(`Group(s) ${empty.join(', ')} have no rows; left out.`);
  const present = all.filter((g) => g.n > 0);
  const selection = spread(present, 'selectionRate', reasons);
  const tpr = spread(present, 'tpr', reasons);
  const fpr = spread(present, 'fpr', reasons);
  const both = (a: number | null, b: number | null, f: (x: number, y: number) => number) =>
    a === null || b === null ? null : f(a, b);
  return {
    groups: present,
    demographicParityDifference: selection.difference,
    demographicParityRatio: selection.ratio,
    disparateImpactRatio: disparateImpact(present, selection.ratio, privileged, reasons),
    equalizedOddsDifference: both(tpr.difference, fpr.difference, Math.max),
    equalizedOddsRatio: both(tpr.ratio, fpr.ratio, Math.min),
    equalOpportunityDifference: tpr.difference,
    equalOpportunityRatio: tpr.ratio,
    undefinedReasons: reasons,
  };
}
