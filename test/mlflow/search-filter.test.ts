/** The MLflow search filter parser and matcher: examples of MLflow's grammar, and properties. */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { likeLimits } from '../../src/app/mlflow/like-pattern.js';
import { tagRecord } from '../../src/app/mlflow/mlflow-input.js';
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
  tags: new Map([
    ['team', 'risk'],
    ['my key', 'v'],
  ]),
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

  it('matches LIKE and ILIKE exactly as SQLite does, over random patterns and values', () => {
    // The independent reference: SQLite's own LIKE, case-sensitive when asked. SQLite folds ASCII
    // only, as toLowerCase does on this alphabet; no ESCAPE clause, as MLflow sends none.
    const db = new Database(':memory:');
    const like = db.prepare<[string, string], { m: number }>('SELECT ? LIKE ? AS m');
    const sqliteLike = (value: string, pattern: string, ignoreCase: boolean) => {
      db.pragma(`case_sensitive_like = ${ignoreCase ? 'OFF' : 'ON'}`);
      return like.get(value, pattern)?.m === 1;
    };
    const text = (chars: string[], maxLength: number) =>
      fc.array(fc.constantFrom(...chars), { maxLength }).map((a) => a.join(''));
    fc.assert(
      fc.property(
        // Short texts over few letters, so that matches, near-misses and overlaps are frequent.
        text(['a', 'b', 'A', '_', '%', '\\'], 8),
        text(['a', 'b', 'A', '_', '%', '%', '\\'], 8),
        fc.boolean(),
        (value, pattern, ignoreCase) => {
          expect(likeMatches(value, pattern, ignoreCase), `${value} LIKE ${pattern}`).toBe(
            sqliteLike(value, pattern, ignoreCase),
          );
        },
      ),
      { numRuns: 20_000 },
    );
    // Segments longer than 32 units, so the `_` automaton spans several words.
    const long = fc.array(fc.constantFrom('a', 'b'), { minLength: 30, maxLength: 90 });
    fc.assert(
      fc.property(long, long, fc.nat(89), (value, pattern, hole) => {
        const p: string[] = pattern.map((c, i) => (i % 7 === hole % 7 ? '_' : c));
        if (hole % 3 === 0) p.splice(hole % p.length, 0, '%');
        const [v, text] = [value.join(''), `%${p.join('')}%`];
        expect(likeMatches(v, text, false), `${v} LIKE ${text}`).toBe(sqliteLike(v, text, false));
        // And one that must match: the value's own middle, its a's as `_`.
        expect(likeMatches(v, `%${v.slice(1, -1).replaceAll('a', '_')}%`, false)).toBe(true);
      }),
      { numRuns: 2000 },
    );
    db.close();
  });

  it('refuses LIKE patterns past the limits, naming them, and takes patterns at the limits', () => {
    // The attack pass's probe: 2,015 wildcards cost seconds per search on the event loop.
    const probe = `name='m2secret' AND source_path LIKE '${'%a'.repeat(2015)}!'`;
    const refused = parseSearchFilter(probe, 'model_versions');
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.message).toContain(`at most ${likeLimits.patternLength} characters`);
      expect(refused.message).toContain(`${likeLimits.wildcards} '%' wildcards`);
      expect(refused.message).toContain('source_path LIKE');
    }
    const { patternLength, wildcards } = likeLimits;
    const atLimit = `${'%'.repeat(wildcards)}${'x'.repeat(patternLength - wildcards)}`;
    const tooLong = `${atLimit}y`;
    const tooWild = `%${atLimit.slice(0, -1)}`;
    expect([tooLong.length, tooWild.length]).toEqual([patternLength + 1, patternLength]);
    for (const op of ['LIKE', 'ILIKE']) {
      for (const target of ['registered_models', 'model_versions'] as const) {
        expect(parseSearchFilter(`tags.k ${op} '${atLimit}'`, target).ok).toBe(true);
        expect(parseSearchFilter(`tags.k ${op} '${tooLong}'`, target).ok).toBe(false);
        expect(parseSearchFilter(`name ${op} '${tooWild}'`, target).ok).toBe(false);
      }
    }
    // `=` compares, it does not match: a long value there costs nothing and stays allowed.
    expect(parseSearchFilter(`name = '${'%'.repeat(1000)}'`, 'model_versions').ok).toBe(true);
  });

  it('reads tags by key only: constructor, toString and __proto__ are tags like any other', () => {
    const tags = tagRecord([
      { key: '__proto__', value: 'p' },
      { key: 'team', value: 'risk' },
    ]);
    expect(Object.entries(tags)).toEqual([
      ['__proto__', 'p'],
      ['team', 'risk'],
    ]);
    const subject = { name: 'm', tags: new Map(Object.entries(tags)) };
    const match = (filter: string) => {
      const parsed = parseSearchFilter(filter, 'registered_models');
      if (!parsed.ok) throw new Error(parsed.message);
      return matchesFilter(subject, parsed.clauses);
    };
    expect(match("tags.__proto__ = 'p'")).toBe(true);
    expect(match("tags.constructor ILIKE 'x'")).toBe(false);
    expect(match("tags.constructor LIKE '%'")).toBe(false);
    expect(match("tags.toString != 'x'")).toBe(false);
  });
});
