import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runEval } from '../../src/cli/commands/run-eval.js';
import {
  confusionAt,
  delongAucCi,
  delongPaired,
  fairnessReport,
  ksStatistic,
} from '../../src/stats/index.js';
import { writeTemp } from '../evidence/helpers.js';

/** Quoted when asked, as spreadsheet tools sometimes write every cell. */
const cell = (text: string, quote: boolean): string => (quote ? `"${text}"` : text);

// Few distinct scores (many ties across and within classes), signed zeros, wide magnitudes.
const score = fc.oneof(
  fc.integer({ min: -8, max: 8 }).map((k) => k / 8),
  fc.constantFrom(0, -0, 1e-300, -1e300, 123456.789),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const row = fc.record({
  label: fc.constantFrom(0, 1),
  score,
  baseline: score,
  group: fc.constantFrom('a', 'b', 'c d'),
  quote: fc.boolean(),
});

/**
 * What `clearance eval` computed before it sorted each column once and counted the threshold
 * metrics in one pass: the separate statistics on the columns as written.
 */
function separately(labels: Uint8Array, scores: Float64Array, baseline: Float64Array) {
  return {
    auc: delongAucCi(labels, scores, 0.95),
    ks: ksStatistic(labels, scores),
    confusion: confusionAt(labels, scores, 0.5),
    paired: delongPaired(labels, scores, baseline, 0.95),
  };
}

describe('clearance eval (one sort per column, one pass at the threshold)', () => {
  it('reports what the separate statistics give, on random CSV with CRLF and quoted cells', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 2, maxLength: 60 }),
        fc.boolean(),
        async (drawn, crlf) => {
          const rows = drawn.map((r, i) => ({ ...r, label: i < 2 ? i : r.label }));
          const eol = crlf ? '\r\n' : '\n';
          const text =
            `label,score,"baseline",group${eol}` +
            rows
              .map((r) =>
                [
                  cell(String(r.label), r.quote),
                  cell(String(r.score), r.quote),
                  cell(String(r.baseline), !r.quote),
                  cell(r.group, r.quote),
                ].join(','),
              )
              .join(eol) +
            (crlf ? eol : '');
          const file = await writeTemp('eval.csv', text);
          const report = await runEval({
            predictions: file,
            label: 'label',
            score: 'score',
            baselineScore: 'baseline',
            groups: ['group'],
            threshold: 0.5,
            confidence: 0.95,
          });
          const labels = Uint8Array.from(rows, (r) => r.label);
          // CSV text cannot carry the sign of −0; String() round-trips every other double.
          const scores = Float64Array.from(rows, (r) => Number(String(r.score)));
          const baseline = Float64Array.from(rows, (r) => Number(String(r.baseline)));
          const old = separately(labels, scores, baseline);
          expect(report.metrics).toStrictEqual({
            auc: old.auc.auc,
            aucCi: old.auc.ci,
            aucConfidence: 0.95,
            ks: old.ks.statistic,
            ksThreshold: old.ks.threshold,
            accuracy: old.confusion.accuracy,
            precision: old.confusion.precision,
            recall: old.confusion.recall,
            specificity: old.confusion.specificity,
            fpr: old.confusion.fpr,
            f1: old.confusion.f1,
          });
          expect(report.comparison).toStrictEqual({
            baselineAuc: old.paired.aucB,
            aucDifference: old.paired.difference,
            delong: { z: old.paired.z, pValue: old.paired.pValue, se: old.paired.se },
            ci95: old.paired.ci,
          });
          const values = [...new Set(rows.map((r) => r.group))];
          const fairness = fairnessReport({
            labels,
            predicted: Uint8Array.from(scores, (s) => (s >= 0.5 ? 1 : 0)),
            groups: { values, codes: Uint32Array.from(rows, (r) => values.indexOf(r.group)) },
          });
          const group = report.fairness?.group;
          expect(group?.equalizedOddsDifference).toBe(fairness.equalizedOddsDifference);
          expect(group?.demographicParityRatio).toBe(fairness.demographicParityRatio);
          expect(group?.undefinedReasons).toStrictEqual(fairness.undefinedReasons);
          for (const g of fairness.groups) {
            expect(group?.groups[g.value]).toStrictEqual({
              n: g.n,
              selectionRate: g.selectionRate,
              tpr: g.tpr,
              fpr: g.fpr,
            });
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
