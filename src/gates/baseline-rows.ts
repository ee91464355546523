/**
 * Finds the production baseline's scores on the candidate's evaluation rows. A paired comparison
 * is only valid on the same rows, so anything that suggests different rows is an error.
 */
import type { PredictionTable } from '../domain/index.js';
import type { GateContext } from './gate.js';
import { missingEvidenceClause } from './result.js';

export interface BaselineRows {
  scores: Float64Array;
  /** Where the scores came from, for details and messages. */
  source: string;
  matchedBy: 'same file' | 'row id' | 'row order';
}

export type BaselineLookup = BaselineRows | { error: string; noBaseline?: true };

function firstDifference<T>(a: ArrayLike<T>, b: ArrayLike<T>): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function sameRows(candidate: PredictionTable, baseline: PredictionTable): BaselineLookup {
  const scores = baseline.scores;
  if (baseline.rowCount !== candidate.rowCount || scores.length !== candidate.scores.length) {
    return {
      error: `the baseline predictions (${baseline.source}) have ${baseline.rowCount} rows but the candidate's have ${candidate.rowCount}, so they are not the same evaluation rows`,
    };
  }
  let matchedBy: BaselineRows['matchedBy'] = 'row order';
  if (candidate.ids !== undefined && baseline.ids !== undefined) {
    const row = firstDifference(candidate.ids, baseline.ids);
    if (row >= 0) {
      return {
        error: `row ${row + 1} has id "${candidate.ids[row]}" for the candidate but "${baseline.ids[row]}" for the baseline; both must score the same rows in the same order`,
      };
    }
    matchedBy = 'row id';
  }
  const truthA = candidate.labels ?? candidate.targets;
  const truthB = baseline.labels ?? baseline.targets;
  if (truthA === undefined || truthB === undefined) {
    return { error: 'the baseline predictions have no labels or targets to match rows on' };
  }
  const row = firstDifference<number>(truthA, truthB);
  if (row >= 0 || truthA.length !== truthB.length) {
    return {
      error: `the true ${candidate.labels ? 'label' : 'target'} differs at row ${row + 1} between candidate and baseline, so they are not the same evaluation rows`,
    };
  }
  return { scores, source: baseline.source, matchedBy };
}

/** The baseline scores from the candidate's baseline column, else from the baseline's predictions. */
export function findBaselineRows(context: GateContext, candidate: PredictionTable): BaselineLookup {
  if (candidate.baselineScores !== undefined) {
    return { scores: candidate.baselineScores, source: candidate.source, matchedBy: 'same file' };
  }
  const baseline = context.baseline;
  if (baseline === undefined) {
    return { error: 'there is no production baseline to compare with', noBaseline: true };
  }
  if (baseline.predictions === undefined) {
    const clause = missingEvidenceClause(baseline, 'predictions', 'baseline predictions file');
    return { error: `the production baseline has no predictions to compare with: ${clause}` };
  }
  return sameRows(candidate, baseline.predictions);
}
