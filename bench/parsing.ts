/**
 * `BENCH_ONLY=parsing`: evidence parsing on pathological inputs at two sizes, each next to a plain
 * input of the same size — the ceiling. Linear parsing shows as a time ratio that stays flat when
 * the size doubles (issue 7: these inputs took seconds to minutes before, and doubled 4–10×).
 */
import { cachedLinearRegex } from '../src/domain/index.js';
import { parseMarkdownDocument } from '../src/evidence/index.js';
import { parseHtmlDocument } from '../src/evidence/parse-html-document.js';
import { findSecrets } from '../src/gates/index.js';

export interface ParsingRow {
  input: string;
  bytes: number;
  seconds: number;
  /** The same parser on a plain input of the same size. */
  plainSeconds: number;
}

interface Case {
  input: string;
  pathological: (bytes: number) => string;
  plain: (bytes: number) => string;
  run: (text: string) => unknown;
}

const fill = (unit: string, bytes: number): string => unit.repeat(Math.ceil(bytes / unit.length));
const prose = (bytes: number): string =>
  fill('## Results\nThe model reaches an AUC of 0.81 on the locked set, see table 3.\n', bytes);
const markdown = (text: string) => parseMarkdownDocument(text, 'model_card.md', 'model_card');
const html = (text: string) => parseHtmlDocument(text, 'report.html', 'evaluation_report');

const cases: Case[] = [
  {
    input: 'Markdown: `## a` headings',
    pathological: (bytes) => fill('## a\nx\n', bytes),
    plain: prose,
    run: markdown,
  },
  {
    input: 'Markdown: heading padded with spaces/tabs',
    pathological: (bytes) => `# a${fill(' \t', bytes)}b\n`,
    plain: prose,
    run: markdown,
  },
  {
    input: 'HTML: unclosed `<h2` tags',
    pathological: (bytes) => fill('<h2 a', bytes),
    plain: (bytes) => fill('<h2>Results</h2><p>The model reaches an AUC of 0.81.</p>', bytes),
    run: html,
  },
  {
    input: 'secret scan: one `a-a-a…` line',
    pathological: (bytes) => fill('a-', bytes),
    plain: (bytes) => fill('the model reaches an AUC of 0.81 on the locked set\n', bytes),
    run: (text) => findSecrets([{ path: 'notes.txt', content: text }]),
  },
  {
    input: 'ticket `^(a+)+$` vs `^RISK-[0-9]+$`',
    pathological: (bytes) => `${'a'.repeat(bytes)}!`,
    plain: (bytes) => `RISK-${'1'.repeat(bytes)}!`,
    run: (text) => {
      const pattern = text.startsWith('RISK') ? '^RISK-[0-9]+$' : '^(a+)+$';
      const compiled = cachedLinearRegex(pattern);
      return compiled.ok && compiled.regex.test(text);
    },
  },
];

/** Median of three runs, after one warm-up. */
function seconds(run: () => unknown): number {
  run();
  const times = [0, 1, 2].map(() => {
    const started = process.hrtime.bigint();
    run();
    return Number(process.hrtime.bigint() - started) / 1e9;
  });
  return times.sort((a, b) => a - b)[1]!;
}

export function runParsingBench(sizes: readonly number[]): ParsingRow[] {
  const rows: ParsingRow[] = [];
  for (const c of cases) {
    for (const bytes of sizes) {
      process.stderr.write(`parsing: ${c.input}, ${bytes.toLocaleString('en-US')} bytes\n`);
      const text = c.pathological(bytes);
      const plain = c.plain(bytes);
      rows.push({
        input: c.input,
        bytes,
        seconds: seconds(() => c.run(text)),
        plainSeconds: seconds(() => c.run(plain)),
      });
    }
  }
  return rows;
}

export function parsingTable(rows: readonly ParsingRow[]): string {
  const lines = [
    '| input | bytes | seconds | plain input, same size (s) | ratio to plain |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.input} | ${r.bytes.toLocaleString('en-US')} | ${r.seconds.toFixed(3)} | ${r.plainSeconds.toFixed(3)} | ${(r.seconds / r.plainSeconds).toFixed(1)} |`,
    );
  }
  return lines.join('\n');
}
