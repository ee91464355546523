/** In-memory evidence for the gate tests: typed arrays, no files. */
import type {
  CategoricalColumn,
  EvidenceBundle,
  EvidenceProblem,
  PredictionTable,
} from '../domain/index.js';

export function bundle(overrides: Partial<EvidenceBundle> = {}): EvidenceBundle {
  return { root: 'evidence', items: [], documents: {}, texts: [], problems: [], ...overrides };
}

function categorical(values: readonly string[]): CategoricalColumn {
  const dictionary = [...new Set(values)];
  return { values: dictionary, codes: Uint32Array.from(values.map((v) => dictionary.indexOf(v))) };
}

export function classification(
  labels: readonly number[],
  scores: readonly number[],
  extra: {
    baselineScores?: readonly number[];
    groups?: Record<string, string[]>;
    ids?: string[];
  } = {},
): PredictionTable {
  const groups: Record<string, CategoricalColumn> = {};
  for (const [name, values] of Object.entries(extra.groups ?? {}))
    groups[name] = categorical(values);
  return {
    source: 'predictions.csv',
    rowCount: labels.length,
    labels: Uint8Array.from(labels),
    scores: Float64Array.from(scores),
    ...(extra.baselineScores ? { baselineScores: Float64Array.from(extra.baselineScores) } : {}),
    ...(extra.ids ? { ids: extra.ids } : {}),
    groups,
  };
}

export function regression(
  targets: readonly number[],
  predictions: readonly number[],
  baselinePredictions?: readonly number[],
): PredictionTable {
  return {
    source: 'predictions.csv',
    rowCount: targets.length,
    targets: Float64Array.from(targets),
    scores: Float64Array.from(predictions),
    ...(baselinePredictions ? { baselineScores: Float64Array.from(baselinePredictions) } : {}),
    groups: {},
  };
}

/** Repeats every row `times` times, to shrink a confidence interval without changing the metric. */
export function repeat<T>(values: readonly T[], times: number): T[] {
  return Array.from({ length: times }, () => values).flat();
}

export function problem(
  kind: EvidenceProblem['kind'],
  message: string,
  file: string,
): EvidenceProblem {
  return { kind, message, location: { file, line: 3 } };
}

/** 3 positives, 3 negatives; one positive (0.4) ranks below one negative (0.7): AUC = 8/9. */
export const sixRows = {
  labels: [1, 1, 1, 0, 0, 0],
  scores: [0.9, 0.8, 0.4, 0.7, 0.3, 0.2],
  perfect: [0.9, 0.8, 0.7, 0.3, 0.2, 0.1],
};
