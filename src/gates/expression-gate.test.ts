import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ExpressionGateSpec } from '../domain/index.js';
import { expressionGate } from './expression-gate.js';
import { bundle, classification, sixRows } from './fixtures.test-support.js';
import type { GateContext } from './gate.js';

const spec = (expr: string): ExpressionGateSpec => ({ id: 'x', type: 'expression', expr });
const context: GateContext = {
  candidate: bundle({
    predictions: classification(sixRows.labels, sixRows.scores, {
      baselineScores: sixRows.perfect,
    }),
    metrics: { auc: 0.99, ctr: { successes: 42, trials: 1000 }, latency_p95_ms: 110 },
    lineage: { seed: 42, codeCommit: 'abc1234' },
    documents: { model_card: { kind: 'model_card', path: 'mc.md', frontMatter: {}, sections: {} } },
  }),
};

describe('expressionGate', () => {
  it('passes a true expression and records every field it read', () => {
    const result = expressionGate(
      spec('metrics.auc >= 0.85 && metrics.latency_p95_ms <= 120'),
      context,
    );
    expect(result.outcome).toBe('pass');
    expect(result.observed).toBe('true');
    // The AUC is recomputed from predictions (8/9), not the self-reported 0.99.
    expect((result.details.inputs as Record<string, number>)['metrics.auc']).toBeCloseTo(8 / 9, 12);
    expect(result.details.inputs).toMatchObject({ 'metrics.latency_p95_ms': 110 });
  });

  it('fails a false expression', () => {
    const result = expressionGate(spec('metrics.auc >= baseline.metrics.auc'), context);
    expect(result.outcome).toBe('fail');
    expect(result.explanation).toBe('The expression metrics.auc >= baseline.metrics.auc is false.');
  });

  it('exposes rates, lineage, documents and row counts', () => {
    const expr =
      'metrics.ctr == 0.042 && lineage.seed == 42 && "model_card" in documents && predictions.rows == 6';
    expect(expressionGate(spec(expr), context).outcome).toBe('pass');
    expect(expressionGate(spec('has(baseline.metrics)'), { candidate: bundle() }).outcome).toBe(
      'fail',
    );
  });

  it('errors on syntax errors, runtime errors, undefined metrics and non-boolean results', () => {
    const syntax = expressionGate(spec('metrics.auc >='), context);
    expect(syntax.outcome).toBe('error');
    expect(syntax.details.syntaxError).toMatchObject({ column: 15, expected: 'an expression' });
    const runtime = expressionGate(spec('metrics.f2 > 0.5'), context);
    expect(runtime.outcome).toBe('error');
    expect(runtime.explanation).toContain('unknown field in metrics "f2"');
    const undefinedMetric = expressionGate(spec('metrics.precision > 0.5'), {
      ...context,
      evaluationSet: {
        id: 'e',
        task: 'binary-classification',
        label: 'y',
        score: 's',
        decisionThreshold: 0.95,
      },
    });
    expect(undefinedMetric.outcome).toBe('error');
    expect(undefinedMetric.explanation).toContain('metrics.precision is undefined');
    expect(expressionGate(spec('metrics.auc + 1'), context).outcome).toBe('error');
  });

  it('never throws on random input: every string yields a result', () => {
    const tokens = fc.constantFrom(
      'metrics',
      '.',
      'auc',
      '(',
      ')',
      '[',
      ']',
      '&&',
      '||',
      '!',
      '-',
      '+',
      '*',
      '/',
      '%',
      '==',
      '<',
      '>=',
      'in',
      'has',
      'size',
      'min',
      ',',
      '1',
      '0.5',
      "'a'",
      'true',
      'null',
      ' ',
    );
    const tokenStrings = fc.array(tokens, { maxLength: 30 }).map((t) => t.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), tokenStrings), (expr) => {
        const result = expressionGate(spec(expr), context);
        expect(['pass', 'fail', 'error']).toContain(result.outcome);
        expect(typeof result.explanation).toBe('string');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('expressionGate provenance', () => {
  it('labels a result that read a metrics-file value as self-reported, naming the value', () => {
    const result = expressionGate(
      spec('metrics.auc >= 0.85 && metrics.latency_p95_ms <= 120'),
      context,
    );
    expect(result.provenance).toBe('self-reported');
    expect(result.details.selfReportedInputs).toEqual(['metrics.latency_p95_ms']);
    expect(result.explanation).toBe(
      'The expression metrics.auc >= 0.85 && metrics.latency_p95_ms <= 120 is true (reading the self-reported metrics-file value metrics.latency_p95_ms).',
    );
  });

  it('reads latency from raw load-test samples over metrics.json, and is then recomputed', () => {
    const withSamples: GateContext = {
      candidate: {
        ...context.candidate,
        loadTest: {
          source: 'load_test.csv',
          format: 'latency-csv',
          latenciesMs: Float64Array.from([10, 20, 30, 40, 500]),
        },
      },
    };
    const result = expressionGate(
      spec('metrics.auc >= 0.85 && metrics.latency_p95_ms <= 120'),
      withSamples,
    );
    // numpy.percentile([10, 20, 30, 40, 500], 95) = 40 + 0.8 · 460 = 408: the self-reported 110 is not used.
    expect((result.details.inputs as Record<string, number>)['metrics.latency_p95_ms']).toBeCloseTo(
      408,
      9,
    );
    expect(result.outcome).toBe('fail');
    expect(result.provenance).toBe('recomputed');
    expect(result.details.selfReportedInputs).toBeUndefined();
  });
});
