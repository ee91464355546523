/** The MLflow search filter parser and matcher: examples of MLflow's grammar, and properties. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  likeMatches,
  matchesFilter,
  parseSearchFilter,
} from '../../src/app/mlflow/search-filter.js';

const version = {
  name: 'fraud-score',
  runId: 'run-1',
  version: '12',
  source: 's3://m/12',
  tags: { team: 'risk', 'my key': 'v' },
};

function matches(filter: string): boolean {
  const parsed = parseSearchFilter(filter, 'model_versions');
  if (!parsed.ok) throw new Error(parsed.message);
  return matchesFilter(version, parsed.clauses);
}

describe('MLflow search filter', () => {
  it('matches the clauses MLflow documents', () => {
    expect(matches("name = 'fraud-score'")).toBe(true);
    expect(matches('name = "fraud-score"')).toBe(true);
    expect(matches("name LIKE 'fraud%'")).toBe(true);
    expect(matches("name LIKE 'FRAUD%'")).toBe(false);
    expect(matches("name ILIKE 'FRAUD%'")).toBe(true);
    expect(matches("name != 'other'")).toBe(true);
    expect(matches("tags.team = 'risk'")).toBe(true);
    expect(matches("tags.`my key` = 'v'")).toBe(true);
    expect(matches("tags.missing != 'x'")).toBe(false);
    expect(matches("run_id = 'run-1'")).toBe(true);
    expect(matches("run_id IN ('run-0', 'run-1')")).toBe(true);
    expect(matches("run_id IN ('run-0')")).toBe(false);
    expect(matches('version_number = 12')).toBe(true);
    expect(matches("version_number > '11' AND version_number <= 12")).toBe(true);
    expect(matches("name = 'fraud-score' and version_number < 12")).toBe(false);
    expect(matches("source_path LIKE 's3://%'")).toBe(true);
    expect(matches('')).toBe(true);
  });

  it('refuses what MLflow refuses, saying what is wrong', () => {
    const refusals: [string, RegExp][] = [
      ["name = 'a' OR name = 'b'", /Expected AND/],
      ["stage = 'x'", /Invalid attribute key 'stage'/],
      ["name > 'a'", /Invalid comparator '>' for name/],
      ['version_number = twelve', /integer/],
      ["name = 'unterminated", /Unterminated/],
      ["run_id IN 'a'", /parenthesised/],
      ['name =', /Expected a quoted value/],
      ["tags. = 'x'", /Invalid attribute key|needs a key/],
    ];
    for (const [filter, message] of refusals) {
      const parsed = parseSearchFilter(filter, 'model_versions');
      expect(parsed.ok, filter).toBe(false);
      if (!parsed.ok) expect(parsed.message).toMatch(message);
    }
    const models = parseSearchFilter("run_id = 'x'", 'registered_models');
    expect(models.ok).toBe(false);
  });

  it('never throws on any text, and what it parses it can match', () => {
    const alphabet = fc.constantFrom(
      ...'name run_id version_number tags.k AND and LIKE ILIKE IN ( ) , = != < > <= >= \' " ` % _ 1 2 x'.split(
        ' ',
      ),
      ' ',
    );
    const texts = fc.oneof(
      fc.string(),
      fc.array(alphabet, { maxLength: 30 }).map((a) => a.join(' ')),
    );
    fc.assert(
      fc.property(texts, (text) => {
        for (const target of ['model_versions', 'registered_models'] as const) {
          const parsed = parseSearchFilter(text, target);
          if (parsed.ok) expect(typeof matchesFilter(version, parsed.clauses)).toBe('boolean');
          else expect(parsed.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('matches LIKE as SQL does, without backtracking on many wildcards', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 12 }).filter((s) => !/[%_]/.test(s)),
        (value) => {
          expect(likeMatches(value, '%', false)).toBe(true);
          expect(likeMatches(value, value.replaceAll('%', '_'), false)).toBe(true);
          expect(likeMatches(value, `${value}_`, false)).toBe(false);
          expect(likeMatches(value.toUpperCase(), value.toLowerCase(), true)).toBe(true);
        },
      ),
    );
    // A correctness test, not a timed one: a backtracking matcher does not finish this within the
    // test's timeout (2,000 wildcards), a linear one answers at once.
    expect(likeMatches('a'.repeat(4000), `${'%a'.repeat(2000)}b`, false)).toBe(false);
  });
});
