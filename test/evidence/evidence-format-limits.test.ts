/**
 * The evidence readers parse within limits (issue 7, findings 2 and 9): an alias bomb, deep JSON
 * or YAML, or an oversized file is an `invalid_evidence` problem naming the file and the limit —
 * a gate `error` — never a plain Error, and documented names are matched exactly (finding 3).
 */
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evidenceFormatLimits } from '../../src/domain/index.js';
import {
  loadEvidenceBundle,
  parseMarkdownDocument,
  readLineage,
  readMetrics,
} from '../../src/evidence/index.js';
import { refusal, tempDir, writeTemp } from './helpers.js';

const aliasBomb = [
  'a: &a [x, x, x, x, x, x, x, x, x]',
  'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
  'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
  'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
  'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
  'f: [*e, *e, *e, *e, *e, *e, *e, *e, *e]',
].join('\n');
const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('evidence readers within limits', () => {
  it('refuses an alias bomb in front matter as invalid_evidence naming the limit', () => {
    let thrown: unknown;
    try {
      parseMarkdownDocument(`---\n${aliasBomb}\n---\n# Card\n`, 'card.md', 'model_card');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({
      code: 'invalid_evidence',
      message: expect.stringContaining(
        'card.md:2: front matter expands YAML aliases (*name) more than 100 times.',
      ),
    });
  });

  it('refuses front matter over 64 KiB and front matter nested deeper than 64 levels', () => {
    const big = `---\nnote: ${'x'.repeat(70_000)}\n---\n# Card\n`;
    expect(() => parseMarkdownDocument(big, 'big.md', 'document')).toThrow(
      /big\.md:2: front matter is 70006 bytes; at most 65536 \(64 KiB\) are read/,
    );
    const deep = `---\nk: ${nested(65)}\n---\n`;
    expect(() => parseMarkdownDocument(deep, 'deep.md', 'document')).toThrow(
      /deep\.md:2: front matter nests arrays and objects more than 64 levels deep/,
    );
    expect(
      parseMarkdownDocument(`---\nk: ${nested(63)}\n---\n`, 'ok.md', 'document').frontMatter,
    ).toHaveProperty('k');
  });

  it('refuses JSON nested deeper than 64 levels with the line and column', async () => {
    const file = await writeTemp('lineage.json', `{"seed": 1,\n "x": ${nested(4500)}}`);
    const error = await refusal(readLineage(file));
    expect(error.code).toBe('invalid_evidence');
    expect(error.message).toContain(
      'lineage.json:2:70: nests arrays and objects more than 64 levels deep; at most 64 are read.',
    );
    // Brackets inside strings, escaped quotes included, are not nesting.
    const text = `{"note": "${'['.repeat(100)}\\"${'{'.repeat(100)}", "seed": 1}`;
    const brackets = await writeTemp('lineage.json', text);
    expect(await readLineage(brackets)).toEqual(JSON.parse(text));
  });

  it('refuses a JSON file over 32 MiB without reading it', async () => {
    const file = await writeTemp('metrics.json', '');
    await truncate(file, evidenceFormatLimits.maxJsonBytes + 1);
    const error = await refusal(readMetrics(file));
    expect(error.message).toContain(
      `the file is ${evidenceFormatLimits.maxJsonBytes + 1} bytes; at most 33554432 (32 MiB) are read.`,
    );
  });

  it('turns each breach into a bundle problem of its kind, so only those gates error', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'evidence.yaml'), `${aliasBomb}\n`);
    await writeFile(join(dir, 'model_card.md'), `---\n${aliasBomb}\n---\n# Card\n`);
    await writeFile(join(dir, 'scan_results.json'), nested(4500));
    await writeFile(join(dir, 'lineage.json'), `{"x": ${nested(100)}}`);
    await writeFile(join(dir, 'metrics.json'), '{"auc": 0.8}');
    const bundle = await loadEvidenceBundle(dir);
    const problems = bundle.problems.map((p) => [p.kind, p.message]);
    expect(problems).toEqual(
      expect.arrayContaining([
        [
          'other',
          expect.stringContaining('the manifest expands YAML aliases (*name) more than 100'),
        ],
        ['model_card', expect.stringContaining('front matter expands YAML aliases')],
        ['scan_results', expect.stringContaining('more than 64 levels deep')],
        ['lineage', expect.stringContaining('more than 64 levels deep')],
      ]),
    );
    expect(bundle.metrics).toEqual({ auc: 0.8 });
  });

  it('refuses an evidence.yaml over 64 KiB as a bundle problem', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'evidence.yml'), `# ${'x'.repeat(70_000)}\n`);
    const bundle = await loadEvidenceBundle(dir);
    expect(bundle.problems.map((p) => p.message)).toEqual([
      'the manifest is 70003 bytes; at most 65536 (64 KiB) are read.',
    ]);
  });

  it('matches documented names exactly: PREDICTIONS.CSV is not the predictions', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'PREDICTIONS.CSV'), 'id,y,p\na,1,0.1\nb,0,0.9\n');
    await writeFile(join(dir, 'predictions.csv'), 'id,y,p\na,1,0.9\nb,0,0.2\n');
    await mkdir(join(dir, 'notes'));
    await writeFile(join(dir, 'notes', 'Intro.MD'), '# Intro\n');
    const bundle = await loadEvidenceBundle(dir, {
      evaluationSet: {
        id: 'locked',
        task: 'binary-classification',
        label: 'y',
        score: 'p',
        decisionThreshold: 0.5,
      },
    });
    const kinds = Object.fromEntries(bundle.items.map((i) => [i.path, i.kind]));
    expect(kinds).toEqual({
      'PREDICTIONS.CSV': 'other',
      'notes/Intro.MD': 'other',
      'predictions.csv': 'predictions',
    });
    expect(Array.from(bundle.predictions?.scores ?? [])).toEqual([0.9, 0.2]);
  });
});
