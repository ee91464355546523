import { describe, expect, it } from 'vitest';
import { parseMarkdownDocument } from '../../src/evidence/index.js';
import { parseDecimalText } from '../../src/evidence/parse-decimal.js';
import { parseHtmlDocument } from '../../src/evidence/parse-html-document.js';

/**
 * Inputs that took seconds to minutes before the parsers were made linear (issue 7, finding 1).
 * They are correctness tests: at these sizes the old code does not finish within the timeout
 * below, the new code answers in milliseconds. Speed itself is measured in bench/ (`parsing`).
 */
const pathological = { timeout: 15_000 };

describe('Markdown documents parse in linear time', () => {
  it('reads 100,000 repeated headings as one section holding every part', pathological, () => {
    const text = '## a\nx\n'.repeat(100_000);
    const doc = parseMarkdownDocument(text, 'model_card.md', 'model_card');
    expect(Object.keys(doc.sections)).toEqual(['a']);
    expect(doc.sections.a).toBe(Array.from({ length: 100_000 }, () => 'x').join('\n\n'));
  });

  it('reads a heading line padded with 300,000 spaces and tabs', pathological, () => {
    const text = `# Intended ${' \t'.repeat(150_000)}use\nCredit scoring.\n`;
    const doc = parseMarkdownDocument(text, 'model_card.md', 'model_card');
    expect(doc.sections).toEqual({ intended_use: 'Credit scoring.' });
  });
});

describe('HTML reports parse in linear time', () => {
  const html = (tail: string) =>
    parseHtmlDocument(`<h1>Report</h1><p>ok</p>${tail}`, 'report.html', 'evaluation_report');

  it('reads a report followed by 300,000 unclosed heading tags', pathological, () => {
    expect(html('<h2 a'.repeat(300_000)).sections).toEqual({ report: 'ok' });
  });

  it('reads a report followed by a million "<"', pathological, () => {
    expect(html('<'.repeat(1_000_000)).sections).toEqual({ report: `ok ${'<'.repeat(1_000_000)}` });
  });

  it(
    'reads 300,000 nested unclosed headings as text of the section before them',
    pathological,
    () => {
      const doc = html('<h2>a'.repeat(300_000));
      expect(Object.keys(doc.sections)).toEqual(['report']);
      expect(doc.sections.report).toBe(`ok${' a'.repeat(300_000)}`);
    },
  );
});

describe('numbers in prediction files parse in linear time', () => {
  it('refuses 200,000 digits followed by a letter, and reads them without it', pathological, () => {
    expect(parseDecimalText(`${'1'.repeat(200_000)}x`)).toBeNaN();
    expect(parseDecimalText('1'.repeat(200_000))).toBe(Number.POSITIVE_INFINITY);
    expect(parseDecimalText(' -12.5e3 ')).toBe(-12500);
    expect(parseDecimalText('1.')).toBe(1);
  });
});
