import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { caseVariantOfKnownName, ignoredEvidenceFolders } from './evidence-file-names.js';
import {
  checkEvidencePath,
  checkEvidencePaths,
  displayEvidencePath,
  evidencePathLimits,
  foldEvidencePath,
} from './evidence-path.js';

const ruleOf = (path: string) => checkEvidencePath(path)?.rule;
const rulesOf = (existing: string[], added: string[]) =>
  checkEvidencePaths({ existing, added }).map((p) => [p.path, p.rule]);

/** Characters that bias generated paths towards the interesting cases. */
const pathUnit = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom('a', 'B', 'é', 'ß', 'S', '.', '/', ' ', '-', '_', 'm', 'd'),
  },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom('\u202e', '\u2066', '\u200b', '\u0301', '\u0000', '\\') },
);
const anyPath = fc.string({ unit: pathUnit, maxLength: 40 });
const longPath = fc.string({ unit: pathUnit, minLength: 200, maxLength: 700 });

/** An independent statement of the rules, written as a plain loop over code points. */
function obeysRules(path: string): boolean {
  const { maxSegmentBytes, maxPathBytes, maxSegments } = evidencePathLimits;
  if (path === '' || path.startsWith('/') || path.includes('\\')) return false;
  if (path.normalize('NFC') !== path) return false;
  for (let i = 0; i < path.length; i++) {
    const unit = path.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = path.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
      continue;
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) return false;
    if (unit < 0x20 || (unit >= 0x7f && unit <= 0x9f) || unit === 0x2028 || unit === 0x2029) {
      return false;
    }
    const bidi = [0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e];
    if (bidi.includes(unit) || (unit >= 0x2066 && unit <= 0x2069)) return false;
  }
  const segments = path.split('/');
  if (segments.length > maxSegments) return false;
  if (Buffer.byteLength(path, 'utf8') > maxPathBytes) return false;
  return segments.every(
    (s) => s !== '' && s !== '.' && s !== '..' && Buffer.byteLength(s, 'utf8') <= maxSegmentBytes,
  );
}

describe('checkEvidencePath', () => {
  it.each([
    ['a\u0000b.md', 'control_character'],
    ['notes\u0007.md', 'control_character'],
    ['line\u2028break.md', 'control_character'],
    ['c1\u0085.md', 'control_character'],
    ['\u202egnp.md', 'bidi_control'],
    ['a\u2067b.md', 'bidi_control'],
    ['a\u200fb.md', 'bidi_control'],
    ['a\u061cb.md', 'bidi_control'],
    ['zero\u200bwidth.md', 'format_character'],
    ['bom\ufeff.md', 'format_character'],
    ['\ud800.md', 'lone_surrogate'],
    ['x\udc00', 'lone_surrogate'],
    ['e\u0301.md', 'not_nfc'],
    ['', 'empty'],
    ['/etc/passwd', 'absolute'],
    ['a\\b.md', 'backslash'],
    ['a//b.md', 'empty_segment'],
    ['notes/', 'empty_segment'],
    ['./a.md', 'dot_segment'],
    ['a/../b.md', 'dot_segment'],
    [`${'a'.repeat(257)}.md`, 'segment_too_long'],
    ['é'.repeat(150), 'segment_too_long'],
    [Array.from({ length: 17 }, () => 'd').join('/'), 'too_many_segments'],
    [Array.from({ length: 3 }, () => 'x'.repeat(200)).join('/'), 'path_too_long'],
    ['.git/config', 'ignored_folder'],
    ['deps/node_modules/x/package.json', 'ignored_folder'],
    ['PREDICTIONS.CSV', 'case_variant_name'],
    ['Model_Card.md', 'case_variant_name'],
    ['Evidence.yaml', 'case_variant_name'],
    ['python.CDX.json', 'case_variant_name'],
    ['notes/Intro.MD', 'case_variant_name'],
  ])('refuses %j (%s)', (path, rule) => {
    expect(ruleOf(path)).toBe(rule);
  });

  it.each([
    'predictions.csv',
    'é.md',
    'my notes/model report (final).md',
    'reports/2026-q3/drift.md',
    'Ω-summary.txt',
    'deps/python.spdx.json',
    'eval/PREDICTIONS.CSV',
    'README.txt',
    `${'a'.repeat(252)}.md`,
    Array.from({ length: 16 }, () => 'd').join('/'),
    '👩‍🔬.txt'.replace('\u200d', ''),
  ])('accepts %j', (path) => {
    expect(checkEvidencePath(path)).toBeUndefined();
  });

  it('names the rule and shows the path with its invisible characters escaped', () => {
    const problem = checkEvidencePath('\u202egnp.md');
    expect(problem?.message).toBe(
      'Evidence path "\\u{202E}gnp.md" holds the bidirectional control U+202E, which makes the name display differently from what it is.',
    );
    expect(problem?.message).not.toContain('\u202e');
    expect(checkEvidencePath('PREDICTIONS.CSV')?.fix).toContain('Did you mean predictions.csv?');
    expect(checkEvidencePath('é'.repeat(150))?.message).toContain(
      'has a name of 300 bytes (UTF-8); at most 255 are allowed.',
    );
  });

  it('accepts exactly the paths that obey the rules (property)', () => {
    fc.assert(
      fc.property(fc.oneof(anyPath, longPath), (path) => {
        const problem = checkEvidencePath(path);
        const plain =
          obeysRules(path) &&
          !/\p{Cf}/u.test(path) &&
          caseVariantOfKnownName(path) === undefined &&
          !path.split('/').some((s) => ignoredEvidenceFolders.includes(s));
        expect(problem === undefined).toBe(plain);
        if (problem) expect(problem.path).toBe(path);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses any accepted path once a bidi control is inserted anywhere (property)', () => {
    const accepted = anyPath.filter((p) => checkEvidencePath(p) === undefined);
    const bidi = fc.constantFrom(
      '\u061c',
      '\u200e',
      '\u200f',
      '\u202a',
      '\u202b',
      '\u202c',
      '\u202d',
      '\u202e',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
    );
    fc.assert(
      fc.property(accepted, bidi, fc.nat(), (path, char, at) => {
        const chars = Array.from(path); // insert between code points, not inside a pair
        chars.splice(at % (chars.length + 1), 0, char);
        const spoofed = chars.join('');
        expect(ruleOf(spoofed)).toBe('bidi_control');
      }),
    );
  });

  it('never shows an invisible or control character in a message (property)', () => {
    fc.assert(
      fc.property(anyPath, (path) => {
        const shown = `${checkEvidencePath(path)?.message ?? ''} ${displayEvidencePath(path)}`;
        expect(shown).not.toMatch(/[\p{Cc}\p{Cf}\u2028\u2029]/u);
        expect(shown.isWellFormed()).toBe(true);
      }),
    );
  });
});

describe('checkEvidencePaths', () => {
  it('refuses a file where another path needs a folder, in either order', () => {
    expect(rulesOf([], ['notes', 'notes/b.md'])).toEqual([['notes/b.md', 'file_directory_clash']]);
    expect(rulesOf([], ['notes/b.md', 'notes'])).toEqual([['notes', 'file_directory_clash']]);
    expect(rulesOf(['notes/b.md'], ['notes'])).toEqual([['notes', 'file_directory_clash']]);
    expect(rulesOf(['a/b'], ['a/b/c/d.md'])).toEqual([['a/b/c/d.md', 'file_directory_clash']]);
    expect(rulesOf(['Notes/b.md'], ['notes'])).toEqual([['notes', 'file_directory_clash']]);
  });

  it('refuses two paths equal but for letter case, and a path given twice', () => {
    expect(rulesOf(['report.md'], ['REPORT.md'])).toEqual([['REPORT.md', 'case_duplicate']]);
    expect(rulesOf([], ['Straße.md', 'STRASSE.md'])).toEqual([['STRASSE.md', 'case_duplicate']]);
    expect(rulesOf([], ['a/x.txt', 'A/x.txt'])).toEqual([['A/x.txt', 'case_duplicate']]);
    expect(rulesOf([], ['a.md', 'a.md'])).toEqual([['a.md', 'duplicate']]);
  });

  it('accepts re-attaching a path the version already holds, and unrelated paths', () => {
    expect(rulesOf(['notes/b.md', 'metrics.json'], ['notes/b.md', 'notes/c.md', 'n.md'])).toEqual(
      [],
    );
  });

  it('reports every refused path, not only the first', () => {
    expect(rulesOf(['x'], ['a\u0000', 'x/y', 'ok.md', '\u202e.md'])).toEqual([
      ['a\u0000', 'control_character'],
      ['x/y', 'file_directory_clash'],
      ['\u202e.md', 'bidi_control'],
    ]);
  });

  const pathSet = fc.array(
    fc.array(fc.constantFrom('a', 'A', 'b', 'ß', 'ss', 'SS', 'x.md'), {
      minLength: 1,
      maxLength: 3,
    }),
    { maxLength: 8 },
  );

  it('accepts a set only if no two paths collide on a case-insensitive disk (property)', () => {
    fc.assert(
      fc.property(pathSet, (parts) => {
        const paths = parts.map((p) => p.join('/'));
        if (checkEvidencePaths({ existing: [], added: paths }).length > 0) return;
        const files = paths.map(foldEvidencePath);
        expect(new Set(files).size).toBe(files.length);
        for (const path of files) {
          const segments = path.split('/');
          for (let i = 1; i < segments.length; i++) {
            expect(files).not.toContain(segments.slice(0, i).join('/'));
          }
        }
      }),
    );
  });

  it('judges a set the same in any order and split across uploads (property)', () => {
    fc.assert(
      fc.property(pathSet, fc.nat(), (parts, cut) => {
        // Exact repeats are refused in one upload but are re-attachments across two.
        const paths = [...new Set(parts.map((p) => p.join('/')))];
        const together = checkEvidencePaths({ existing: [], added: paths }).length === 0;
        const reversed = checkEvidencePaths({ existing: [], added: [...paths].reverse() });
        expect(reversed.length === 0).toBe(together);
        const at = cut % (paths.length + 1);
        const first = paths.slice(0, at);
        const split =
          checkEvidencePaths({ existing: [], added: first }).length === 0 &&
          checkEvidencePaths({ existing: first, added: paths.slice(at) }).length === 0;
        expect(split).toBe(together);
      }),
    );
  });
});
