import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseHeading, parseMarkdownDocument } from '../../src/evidence/index.js';
import { parseHtmlDocument } from '../../src/evidence/parse-html-document.js';
import { parseAtxHeading } from '../../src/evidence/read-document.js';

/** The regex the ATX scan replaced: the reference for what counts as a heading and its text. */
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;

/** The nesting rule in its plainest (quadratic) form: each section runs to the next heading of
 * the same or a higher level; a repeated heading adds its non-empty text. */
function referenceSections(text: string): Record<string, string> {
  const lines = text.split(/\r?\n/);
  const headings = lines.flatMap((line, index) => {
    const m = ATX.exec(line);
    const key = m ? normaliseHeading(m[2] ?? '') : '';
    return key === '' ? [] : [{ level: m![1]!.length, key, index }];
  });
  const sections = new Map<string, string[]>();
  headings.forEach((h, i) => {
    const next = headings.slice(i + 1).find((n) => n.level <= h.level);
    const text = lines
      .slice(h.index + 1, next?.index ?? lines.length)
      .join('\n')
      .trim();
    const parts = sections.get(h.key) ?? [];
    sections.set(h.key, text === '' ? parts : [...parts, text]);
  });
  return Object.fromEntries([...sections].map(([k, parts]) => [k, parts.join('\n\n')]));
}

const lineChars = fc.constantFrom(' ', '\t', '#', 'a', 'b', '1', '.', '\r');
const line = fc.array(lineChars, { maxLength: 12 }).map((cs) => cs.join(''));
const markdownLine = fc.oneof(
  line,
  fc
    .tuple(fc.integer({ min: 1, max: 7 }), fc.constantFrom('a', 'b', 'c d', 'a #'))
    .map(([level, text]) => `${'#'.repeat(level)} ${text}`),
);

describe('Markdown sections property', () => {
  it('finds the same heading and text as the ATX regex on random lines', () => {
    fc.assert(
      fc.property(line, (text) => {
        const m = ATX.exec(text);
        const expected = m ? { level: m[1]!.length, text: m[2] ?? '' } : undefined;
        expect(parseAtxHeading(text)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('nests sections as the reference rule does on random documents', () => {
    fc.assert(
      fc.property(fc.array(markdownLine, { maxLength: 30 }), (lines) => {
        // No fences in the alphabet, so every heading line counts for both.
        const text = lines.join('\n');
        const doc = parseMarkdownDocument(text, 'card.md', 'model_card');
        expect(doc.sections).toEqual(referenceSections(text));
      }),
      { numRuns: 500 },
    );
  });
});

/** The regex reader the tokenizer replaced, as the reference on well-formed documents. */
function referenceHtmlSections(html: string): Record<string, string> {
  const toText = (text: string) =>
    text
      .replace(/<[^>]+>/g, ' ')
      .replace(/&lt;/g, '<')
      .replace(/&amp;/g, '&')
      .replace(/[ \t]+/g, ' ')
      .replace(/\s*\n\s*/g, '\n')
      .trim();
  const found = [...html.matchAll(/<h([1-6])\b[^>]*>([\s\S]*?)<\/h\1\s*>/gi)].map((m) => ({
    level: Number(m[1]),
    key: normaliseHeading(toText(m[2] ?? '')),
    start: m.index,
    end: m.index + m[0].length,
  }));
  const sections = new Map<string, string[]>();
  found.forEach((h, i) => {
    if (h.key === '') return;
    const next = found.slice(i + 1).find((n) => n.level <= h.level);
    const text = toText(html.slice(h.end, next ? next.start : html.length));
    const parts = sections.get(h.key) ?? [];
    sections.set(h.key, text === '' ? parts : [...parts, text]);
  });
  return Object.fromEntries([...sections].map(([k, parts]) => [k, parts.join('\n\n')]));
}

const htmlText = fc
  .array(fc.constantFrom('a', 'b', ' ', '\n', '1', '&amp;', '&lt;', '<i>x</i>'), { maxLength: 6 })
  .map((parts) => parts.join(''));
const htmlBlock = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 6 }), htmlText).map(([n, t]) => `<h${n}>${t}</h${n}>`),
  htmlText.map((t) => `<p>${t}</p>`),
  htmlText,
);

describe('HTML sections property', () => {
  it('agrees with the regex reader on random well-formed reports', () => {
    fc.assert(
      fc.property(fc.array(htmlBlock, { maxLength: 20 }), (blocks) => {
        const html = blocks.join('');
        const doc = parseHtmlDocument(html, 'report.html', 'evaluation_report');
        expect(doc.sections).toEqual(referenceHtmlSections(html));
      }),
      { numRuns: 500 },
    );
  });
});
