import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { compileLinearRegex, simpleLinearPattern, validateLinearRegex } from './linear-regex.js';

const loaded = () => {
  const require = createRequire(import.meta.url);
  return require.resolve('re2js') in require.cache;
};

describe('validateLinearRegex', () => {
  // First in the file: this file runs in a module graph of its own (the isolated project,
  // vitest.config.ts).
  it('validates a plain policy pattern without loading re2js, and loads it on the first compile', () => {
    expect(loaded()).toBe(false);
    expect(validateLinearRegex('^RISK-[0-9]+$')).toEqual({ ok: true });
    expect(loaded()).toBe(false);
    expect(compileLinearRegex('^RISK-[0-9]+$').ok).toBe(true);
    expect(loaded()).toBe(true);
  });

  it('accepts as simple only patterns that re2js compiles (random patterns, re2js the judge)', () => {
    const pieces = ['^', '$', 'a', 'Z', '0', '9', '_', '-', ':', '/', '.', '\\d', '\\w', '\\'];
    pieces.push('[', ']', '+', '*', '?', '(', ')', '{', '}', '|', '2', ',', '=', '<', '!', 'k');
    let state = 12345;
    const next = (n: number) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return (state >>> 8) % n;
    };
    let simple = 0;
    let refused = 0;
    for (let i = 0; i < 20_000; i++) {
      let pattern = '';
      const length = next(10);
      for (let j = 0; j < length; j++) pattern += pieces[next(pieces.length)];
      const compiled = compileLinearRegex(pattern);
      if (!compiled.ok) refused++;
      if (!simpleLinearPattern(pattern)) continue;
      simple++;
      expect({ pattern, ok: compiled.ok }).toEqual({ pattern, ok: true });
    }
    // Neither side vacuous: many patterns took the shortcut, many others were refused.
    expect(simple).toBeGreaterThan(500);
    expect(refused).toBeGreaterThan(5_000);
  });

  it('refuses exactly as compileLinearRegex does, and takes the shortcut for the usual shapes', () => {
    for (const pattern of ['(?=a)b', '(a)\\1', '[z-a]', 'a**', '+a', '^[9-0]+$', 'a{2,1}']) {
      const compiled = compileLinearRegex(pattern, { example: 'x' });
      expect(compiled.ok).toBe(false);
      expect(simpleLinearPattern(pattern)).toBe(false);
      expect(validateLinearRegex(pattern, { example: 'x' })).toEqual(compiled);
    }
    for (const pattern of ['^RISK-[0-9]+$', '^[A-Z]+-\\d+$', '^JIRA:[A-Z_]+/[0-9]*?$', '']) {
      expect(simpleLinearPattern(pattern)).toBe(true);
    }
  });
});
