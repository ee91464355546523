import { describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.js';
import { parseExpression } from './parser.js';
import { isError, type Result } from './values.js';

const env = {
  metrics: { auc: 0.81, ctr: 0.05, missing_metric: 0 },
  lineage: { seed: 42, tags: ['prod', 'eu'] },
  documents: { model_card: true },
};

function run(source: string): Result {
  const parsed = parseExpression(source);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return evaluate(parsed.expr, env, {});
}

describe('expression parser and evaluator', () => {
  it('respects precedence and associativity', () => {
    expect(run('1 + 2 * 3 == 7')).toBe(true);
    expect(run('(1 + 2) * 3')).toBe(9);
    expect(run('10 - 4 - 3')).toBe(3);
    expect(run('!false && false || true')).toBe(true);
    expect(run('true || false && false')).toBe(true);
    expect(run('-2 * 3 + 7 % 4')).toBe(-3);
    expect(run('1 < 2 == true')).toBe(true);
  });

  it('reads fields, indexes, lists and functions', () => {
    expect(run('metrics.auc >= 0.8 && lineage["seed"] == 42')).toBe(true);
    expect(run("'eu' in lineage.tags && size(lineage.tags) == 2")).toBe(true);
    expect(isError(run('model_card in documents'))).toBe(true);
    expect(run('"model_card" in documents')).toBe(true);
    expect(run('has(lineage.seed) && !has(lineage.commit)')).toBe(true);
    expect(run('abs(-2) + min(3, 1) + max(1, 4, 2)')).toBe(7);
    expect(run('[1, 2] + [3] == [1, 2, 3]')).toBe(true);
    expect(run("'a' + \"b\" == 'ab'")).toBe(true);
  });

  it('absorbs errors in && and || as CEL does', () => {
    expect(run('metrics.nope > 1 || true')).toBe(true);
    expect(run('true || metrics.nope > 1')).toBe(true);
    expect(run('false && metrics.nope > 1')).toBe(false);
    expect(run('metrics.nope > 1 && false')).toBe(false);
    expect(isError(run('metrics.nope > 1 && true'))).toBe(true);
    expect(isError(run('true || 1'))).toBe(false);
    expect(isError(run('false || 1'))).toBe(true);
  });

  it('reports runtime errors as values', () => {
    const unknown = run('metrics.nope > 1');
    expect(isError(unknown) && unknown.message).toBe(
      'unknown field in metrics "nope" (known: auc, ctr, missing_metric)',
    );
    expect(isError(run('metrics.auc > "x"'))).toBe(true);
    expect(isError(run('1 / metrics.missing_metric'))).toBe(true);
    expect(isError(run('lineage.tags[5]'))).toBe(true);
  });

  it('reports parse errors with the column and what was expected', () => {
    expect(parseExpression('metrics.auc >= ')).toEqual({
      ok: false,
      error: {
        column: 16,
        expected: 'an expression',
        message: 'Expected an expression at column 16 but found end of input.',
      },
    });
    const doubled = parseExpression('metrics.auc >> 1');
    expect(!doubled.ok && doubled.error.column).toBe(14);
    const unclosed = parseExpression('size(lineage.tags');
    expect(!unclosed.ok && unclosed.error.expected).toBe('"," or ")"');
    const unknownFn = parseExpression('exists(x)');
    expect(!unknownFn.ok && unknownFn.error.message).toBe(
      'Expected one of the functions has, size, abs, min, max at column 1 but found "exists".',
    );
    const string = parseExpression("'abc");
    expect(!string.ok && string.error.column).toBe(1);
    expect(parseExpression('('.repeat(100)).ok).toBe(false);
  });
});
