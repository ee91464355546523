import { ClearanceError, type PredictionTable } from '../../domain/index.js';
import { readPredictions } from '../../evidence/index.js';
import { confusionAt, fairnessReport, rankMetrics } from '../../stats/index.js';
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

function predictedPositive(scores: Float64Array, threshold: number): Uint8Array {
  const out = new Uint8Array(scores.length);
  for (let i = 0; i < scores.length; i++) out[i] = (scores[i] ?? 0) >= threshold ? 1 : 0;
  return out;
}

function fairnessFor(
  table: PredictionTable,
  labels: Uint8Array,
  predicted: Uint8Array,
): Record<string, GroupEval> {
  const out: Record<string, GroupEval> = {};
  for (const [column, groups] of Object.entries(table.groups)) {
    const report = fairnessReport({ labels, predicted, groups });
    const perGroup: GroupEval['groups'] = {};
    for (const g of report.groups) {
      perGroup[g.value] = { n: g.n, selectionRate: g.selectionRate, tpr: g.tpr, fpr: g.fpr };
    }
    out[column] = {
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
  return out;
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
  const ranks = rankMetrics({
    labels,
    scores: table.scores,
    ...(table.baselineScores ? { baselineScores: table.baselineScores } : {}),
    confidence: options.confidence,
    pairedConfidence: 0.95,
  });
  const { auc, ks } = ranks;
  const confusion = confusionAt(labels, table.scores, options.threshold);
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
  if (options.groups.length > 0) {
    report.fairness = fairnessFor(
      table,
      labels,
      predictedPositive(table.scores, options.threshold),
    );
  }
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
