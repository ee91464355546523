import { ClearanceError, type PredictionTable } from '../../domain/index.js';
import { readPredictions } from '../../evidence/index.js';
import {
  type ConfusionMetrics,
  type FairnessReport,
  fairnessFromTally,
  rankMetrics,
  tallyAtThreshold,
} from '../../stats/index.js';
import type { Progress } from '../progress.js';

export interface EvalOptions {
  predictions: string;
  label: string;
  score: string;
  baselineScore?: string;
  groups: string[];
  threshold: number;
  confidence: number;
  progress?: Progress;
}

export interface GroupEval {
  groups: Record<
    string,
    { n: number; selectionRate: number; tpr: number | null; fpr: number | null }
  >;
  demographicParityDifference: number | null;
  demographicParityRatio: number | null;
  equalizedOddsDifference: number | null;
  equalizedOddsRatio: number | null;
  equalOpportunityDifference: number | null;
  disparateImpactRatio: number | null;
  undefinedReasons: string[];
}

export interface EvalReport {
  file: string;
  rows: number;
  positives: number;
  negatives: number;
  threshold: number;
  metrics: {
    auc: number;
    aucCi: [number, number];
    aucConfidence: number;
    ks: number;
    ksThreshold: number;
    accuracy: number;
    precision: number;
    recall: number;
    specificity: number;
    fpr: number;
    f1: number;
  };
  comparison?: {
    baselineAuc: number;
    aucDifference: number;
    delong: { z: number; pValue: number; se: number };
    ci95: [number, number];
  };
  fairness?: Record<string, GroupEval>;
}

function toGroupEval(report: FairnessReport): GroupEval {
  const perGroup: GroupEval['groups'] = {};
  for (const g of report.groups) {
    perGroup[g.value] = { n: g.n, selectionRate: g.selectionRate, tpr: g.tpr, fpr: g.fpr };
  }
  return {
    groups: perGroup,
    demographicParityDifference: report.demographicParityDifference,
    demographicParityRatio: report.demographicParityRatio,
    equalizedOddsDifference: report.equalizedOddsDifference,
    equalizedOddsRatio: report.equalizedOddsRatio,
    equalOpportunityDifference: report.equalOpportunityDifference,
    disparateImpactRatio: report.disparateImpactRatio,
    undefinedReasons: report.undefinedReasons,
  };
}

/**
 * Confusion metrics and, per group column, fairness at the threshold: the first group column is
 * counted in the same pass as the confusion metrics.
 */
function thresholdMetrics(
  table: PredictionTable,
  labels: Uint8Array,
  threshold: number,
): { confusion: ConfusionMetrics; fairness: Record<string, GroupEval> } {
  const columns = Object.entries(table.groups);
  const scores = table.scores;
  const first = columns[0];
  const { confusion, tally } = tallyAtThreshold({
    labels,
    scores,
    threshold,
    ...(first ? { groups: first[1] } : {}),
  });
  const fairness: Record<string, GroupEval> = {};
  columns.forEach(([column, groups], i) => {
    const counts = i === 0 ? tally : tallyAtThreshold({ labels, scores, threshold, groups }).tally;
    fairness[column] = toGroupEval(fairnessFromTally({ values: groups.values, tally: counts }));
  });
  return { confusion, fairness };
}

/** `clearance eval`: binary-classification metrics recomputed from a predictions file. */
export async function runEval(options: EvalOptions): Promise<EvalReport> {
  const table = await readPredictions(options.predictions, {
    label: options.label,
    score: options.score,
    ...(options.baselineScore ? { baselineScore: options.baselineScore } : {}),
    groupColumns: options.groups,
    task: 'binary-classification',
    ...(options.progress
      ? { onProgress: (done: number, total: number) => options.progress?.update(done, total) }
      : {}),
  });
  options.progress?.finish();
  const labels = table.labels;
  if (!labels) throw new Error('readPredictions returned no labels for a classification task');
  const { confusion, fairness } = thresholdMetrics(table, labels, options.threshold);
  // The table is ours and read no more: its score column is the paired walk's scratch.
  const ranks = rankMetrics({
    labels,
    scores: table.scores,
    ...(table.baselineScores ? { baselineScores: table.baselineScores } : {}),
    confidence: options.confidence,
    pairedConfidence: 0.95,
    consumeScores: true,
  });
  const { auc, ks } = ranks;
  const report: EvalReport = {
    file: table.source,
    rows: table.rowCount,
    positives: auc.positives,
    negatives: auc.negatives,
    threshold: options.threshold,
    metrics: {
      auc: auc.auc,
      aucCi: auc.ci,
      aucConfidence: auc.confidence,
      ks: ks.statistic,
      ksThreshold: ks.threshold,
      accuracy: confusion.accuracy,
      precision: confusion.precision,
      recall: confusion.recall,
      specificity: confusion.specificity,
      fpr: confusion.fpr,
      f1: confusion.f1,
    },
  };
  const cmp = ranks.comparison;
  if (cmp) {
    report.comparison = {
      baselineAuc: cmp.aucB,
      aucDifference: cmp.difference,
      delong: { z: cmp.z, pValue: cmp.pValue, se: cmp.se },
      ci95: cmp.ci,
    };
  }
  if (options.groups.length > 0) report.fairness = fairness;
  return report;
}

export function parseThreshold(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value)) {
    throw new ClearanceError('invalid_input', `Threshold "${text}" is not a number.`, {
      problems: [
        {
          message: 'The decision threshold must be a finite number.',
          fix: 'Pass e.g. --threshold 0.5.',
        },
      ],
    });
  }
  return value;
}

export function parseConfidence(text: string): number {
  const value = Number(text);
  if (!(value > 0 && value < 1)) {
    throw new ClearanceError('invalid_input', `Confidence "${text}" is not between 0 and 1.`, {
      problems: [
        {
          message: 'The confidence level of the AUC interval must be strictly between 0 and 1.',
          fix: 'Pass e.g. --confidence 0.95.',
        },
      ],
    });
  }
  return value;
}
