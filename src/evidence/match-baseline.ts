/**
 * Paired tests (DeLong, paired bootstrap) are only valid when candidate and baseline scored the
 * same rows in the same order; these checks refuse anything else.
 */
import { ClearanceError, type PredictionTable, type Problem } from '../domain/index.js';

function mismatch(
  candidate: PredictionTable,
  baseline: PredictionTable,
  what: string,
  row?: number,
): ClearanceError {
  const problem: Problem = {
    location: { file: candidate.source, ...(row !== undefined ? { row } : {}) },
    message: `${candidate.source} and ${baseline.source} ${what}.`,
    fix: 'Score the candidate and the baseline on the same locked evaluation set, rows in the same order.',
  };
  return new ClearanceError('invalid_evidence', `${problem.message} ${problem.fix}`, {
    problems: [problem],
  });
}

export function assertSameRows(candidate: PredictionTable, baseline: PredictionTable): void {
  if (candidate.rowCount !== baseline.rowCount) {
    throw mismatch(
      candidate,
      baseline,
      `have different row counts (${candidate.rowCount} vs ${baseline.rowCount})`,
    );
  }
  const truth = (t: PredictionTable) => t.labels ?? t.targets;
  const a = truth(candidate);
  const b = truth(baseline);
  if ((a === candidate.labels) !== (b === baseline.labels)) {
    throw mismatch(
      candidate,
      baseline,
      'were read for different tasks (labels vs regression targets)',
    );
  }
  if (a && b) {
    for (let i = 0; i < candidate.rowCount; i++) {
      if (a[i] !== b[i]) {
        throw mismatch(
          candidate,
          baseline,
          `differ at row ${i + 1}: truth ${a[i]} vs ${b[i]}`,
          i + 1,
        );
      }
    }
  }
  if (candidate.ids && baseline.ids) {
    for (let i = 0; i < candidate.rowCount; i++) {
      if (candidate.ids[i] !== baseline.ids[i]) {
        const ids = `${JSON.stringify(candidate.ids[i])} vs ${JSON.stringify(baseline.ids[i])}`;
        throw mismatch(candidate, baseline, `differ at row ${i + 1}: id ${ids}`, i + 1);
      }
    }
  }
}

/** The candidate table with the baseline's scores attached, after checking the rows match. */
export function withBaselineScores(
  candidate: PredictionTable,
  baseline: PredictionTable,
): PredictionTable {
  assertSameRows(candidate, baseline);
  return { ...candidate, baselineScores: baseline.scores };
}
