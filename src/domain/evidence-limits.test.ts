import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkEvidenceContent } from './check-evidence-content.js';
import {
  evidenceFormatLimits,
  jsonNestingBeyond,
  parseEvidenceYaml,
  splitFrontMatter,
  valueNestingBeyond,
} from './evidence-limits.js';

/** Nesting of a parsed JSON value, the slow obvious way (fine for generated values). */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}

const text = (s: string) => new TextEncoder().encode(s);

describe('jsonNestingBeyond and valueNestingBeyond', () => {
  it('agree with the nesting of the parsed value for any JSON (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 8 }), (value, max) => {
        const json = JSON.stringify(value, null, 1);
        const beyond = depthOf(value) > max;
        expect(jsonNestingBeyond(json, max) !== undefined).toBe(beyond);
        expect(valueNestingBeyond(value, max) !== undefined).toBe(beyond);
      }),
    );
  });

  it('judges 100,000 levels without a stack overflow and names where', () => {
    expect(jsonNestingBeyond(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)).toEqual({
      line: 1,
      column: 65,
    });
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(valueNestingBeyond(deep, 2)).toBe('$.a.a');
  });

  it('ends on a cycle and counts a shared object at its deepest place', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(valueNestingBeyond(cycle)).toBeDefined();
    const shared = { x: [1] };
    expect(valueNestingBeyond({ a: shared, b: { c: shared } }, 3)).toBe('$.b.c.x');
    expect(valueNestingBeyond({ a: shared, b: { c: shared } }, 4)).toBeUndefined();
  });
});

describe('parseEvidenceYaml', () => {
  it('never throws, whatever the text (property)', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom('a', ':', ' ', '\n', '-', '&', '*', '[', '{', '"', '#'),
        }),
        (yaml) => {
          const result = parseEvidenceYaml(yaml, 'the manifest');
          if (!result.ok) expect(result.problem.message).toMatch(/^the manifest /);
        },
      ),
    );
  });

  it('names each limit', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x, x]']
      .concat(
        ['b', 'c', 'd'].map((k, i) => `${k}: &${k} [${Array(11).fill(`*${'abc'[i]}`).join(', ')}]`),
      )
      .join('\n');
    const aliases = parseEvidenceYaml(bomb, 'x');
    expect(aliases).toMatchObject({ ok: false, problem: { limit: 'aliases' } });
    const size = parseEvidenceYaml(`k: ${'v'.repeat(evidenceFormatLimits.maxYamlBytes)}`, 'x');
    expect(size).toMatchObject({ ok: false, problem: { limit: 'size' } });
    for (const levels of [65, 2000]) {
      const deep = parseEvidenceYaml(`k: ${'['.repeat(levels)}${']'.repeat(levels)}`, 'x');
      expect(deep).toMatchObject({ ok: false, problem: { limit: 'nesting' } });
    }
    const syntax = parseEvidenceYaml('a: [1', 'x');
    expect(syntax).toMatchObject({ ok: false, problem: { line: 1 } });
    expect(syntax.ok ? undefined : syntax.problem.limit).toBeUndefined();
    expect(parseEvidenceYaml('a: &a 1\nb: *a\n', 'x')).toEqual({ ok: true, value: { a: 1, b: 1 } });
  });
});

describe('splitFrontMatter', () => {
  it('finds the YAML between --- lines, with a BOM and CRLF', () => {
    expect(splitFrontMatter('\ufeff---\r\na: 1\r\n---\r\n# T\r\n')).toEqual({
      kind: 'found',
      yaml: 'a: 1',
      body: '# T\n',
      bodyLine: 4,
    });
    expect(splitFrontMatter('# T\n')).toEqual({ kind: 'none', body: '# T\n' });
    expect(splitFrontMatter('---\na: 1\n')).toEqual({ kind: 'unclosed' });
  });
});

describe('checkEvidenceContent', () => {
  it('refuses only limits, not malformed content', () => {
    expect(checkEvidenceContent('metrics.json', text('{"auc": '))).toBeUndefined();
    expect(checkEvidenceContent('evidence.yaml', text('a: [1'))).toBeUndefined();
    expect(checkEvidenceContent('card.md', text('---\na: [1\n---\n'))).toBeUndefined();
    expect(checkEvidenceContent('data.bin', text('['.repeat(1000)))).toBeUndefined();
    expect(checkEvidenceContent('eval/raw.json', text('['.repeat(65)))?.limit).toBe('nesting');
    expect(
      checkEvidenceContent(
        'notes/a.md',
        text(
          '---\nk: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n---\n',
        ),
      )?.limit,
    ).toBe('nesting');
  });

  it('bounds the size of JSON read whole by name', () => {
    const big = new Uint8Array(evidenceFormatLimits.maxJsonBytes + 1).fill(0x20);
    expect(checkEvidenceContent('sbom.cdx.json', big)?.message).toBe(
      'Evidence file "sbom.cdx.json" is 33554433 bytes; at most 33554432 (32 MiB) are read.',
    );
    expect(checkEvidenceContent('data_fields.json', big)?.limit).toBe('size');
    expect(checkEvidenceContent('raw/big.json', big)).toBeUndefined();
    // k6 --out json lines may be named load_test.json and are streamed at any size.
    expect(checkEvidenceContent('load_test.json', big)).toBeUndefined();
  });
});
