import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvaluationSetSpec, PredictionTable } from '../../src/domain/index.js';
import {
  assertSameRows,
  fileDigest,
  loadEvidenceBundle,
  withBaselineScores,
} from '../../src/evidence/index.js';
import { refusal, tempDir } from './helpers.js';
import { modelCardText } from './model-card-fixture.js';

const fixtures = join(import.meta.dirname, 'fixtures');
const evaluationSet: EvaluationSetSpec = {
  id: 'locked',
  task: 'binary-classification',
  label: 'y',
  score: 'p',
  id_column: 'id',
  decisionThreshold: 0.5,
};

async function evidenceDir(): Promise<string> {
  const dir = await tempDir();
  await writeFile(join(dir, 'predictions.csv'), 'id,y,p,sex\na,1,0.9,f\nb,0,0.2,m\n');
  await writeFile(join(dir, 'metrics.json'), '{"auc": 0.9}');
  await writeFile(join(dir, 'lineage.json'), '{"codeCommit": "abc1234", "seed": 7}');
  await copyFile(join(fixtures, 'sbom.cdx.json'), join(dir, 'sbom.cdx.json'));
  await copyFile(join(fixtures, 'sbom.spdx.json'), join(dir, 'deps.spdx.json'));
  await writeFile(join(dir, 'model_card.md'), modelCardText);
  await writeFile(join(dir, 'rollback_plan.md'), '# Rollback\nRevert.\n');
  await writeFile(join(dir, 'fairness_review.md'), '# Findings\nNone.\n');
  await writeFile(join(dir, 'data_fields.json'), '["age", "zip_code"]');
  await writeFile(join(dir, 'load_test.json'), '{"p95_ms": 90}');
  await writeFile(join(dir, '.env'), 'API_KEY=sk-live-123\n');
  await mkdir(join(dir, 'weights'));
  await writeFile(join(dir, 'weights', 'model.bin'), Buffer.alloc(16));
  return dir;
}

describe('loadEvidenceBundle', () => {
  it('discovers conventional files, digests every file and reads each kind', async () => {
    const dir = await evidenceDir();
    const bundle = await loadEvidenceBundle(dir, { evaluationSet, groupColumns: ['sex'] });
    expect(bundle.problems).toEqual([]);
    const kinds = Object.fromEntries(bundle.items.map((i) => [i.path, i.kind]));
    expect(kinds).toMatchObject({
      'predictions.csv': 'predictions',
      'sbom.cdx.json': 'sbom',
      'deps.spdx.json': 'other',
      'model_card.md': 'model_card',
      'fairness_review.md': 'document',
      'weights/model.bin': 'other',
    });
    const metricsItem = bundle.items.find((i) => i.path === 'metrics.json')!;
    expect(metricsItem).toEqual({
      kind: 'metrics',
      path: 'metrics.json',
      ...(await fileDigest(join(dir, 'metrics.json'))),
    });
    expect(bundle.predictions?.ids).toEqual(['a', 'b']);
    expect(bundle.predictions?.groups.sex?.values).toEqual(['f', 'm']);
    expect(bundle.metrics).toEqual({ auc: 0.9 });
    expect(bundle.lineage).toEqual({ codeCommit: 'abc1234', seed: 7 });
    expect(bundle.sbom?.format).toBe('cyclonedx');
    expect(bundle.documents.model_card?.useConstraints?.forbiddenFeatures).toEqual([
      'sex',
      'ethnicity',
    ]);
    expect(Object.keys(bundle.documents).sort()).toEqual([
      'fairness_review',
      'model_card',
      'rollback_plan',
    ]);
    expect(bundle.dataFields).toEqual(['age', 'zip_code']);
    expect(bundle.data?.load_test).toEqual({ p95_ms: 90 });
    expect(bundle.texts.map((t) => t.path)).toContain('.env');
    expect(bundle.texts.map((t) => t.path)).not.toContain('weights/model.bin');
  });

  it('skips predictions without an evaluation set', async () => {
    const bundle = await loadEvidenceBundle(await evidenceDir());
    expect(bundle.predictions).toBeUndefined();
    expect(bundle.problems).toEqual([]);
  });

  it('turns a malformed item into a problem instead of throwing', async () => {
    const dir = await evidenceDir();
    await writeFile(join(dir, 'predictions.csv'), 'id,y,p\na,1,0.9\nb,0,oops\n');
    await writeFile(join(dir, 'metrics.json'), '{"auc": NaN}');
    const bundle = await loadEvidenceBundle(dir, { evaluationSet });
    expect(bundle.predictions).toBeUndefined();
    expect(bundle.metrics).toBeUndefined();
    expect(bundle.lineage).toBeDefined();
    const byKind = Object.fromEntries(bundle.problems.map((p) => [p.kind, p]));
    expect(byKind.predictions?.location).toMatchObject({ row: 2, field: 'p' });
    expect(byKind.metrics?.location).toMatchObject({ field: 'auc' });
  });

  it('follows evidence.yaml and reports a path that does not exist', async () => {
    const dir = await evidenceDir();
    await mkdir(join(dir, 'eval'));
    await writeFile(
      join(dir, 'eval', 'scores.jsonl'),
      '{"id":"a","y":1,"p":0.8}\n{"id":"b","y":0,"p":0.1}\n',
    );
    await writeFile(
      join(dir, 'evidence.yaml'),
      'predictions: eval/scores.jsonl\nlineage: nope.json\ndocuments:\n  Fairness review: fairness_review.md\n',
    );
    const bundle = await loadEvidenceBundle(dir, { evaluationSet });
    expect(bundle.predictions?.source).toBe(join(dir, 'eval', 'scores.jsonl'));
    expect(bundle.problems).toHaveLength(1);
    expect(bundle.problems[0]).toMatchObject({ kind: 'lineage', location: { field: 'lineage' } });
    expect(bundle.lineage).toBeDefined(); // the conventional lineage.json still counts
  });

  it('reports a missing predictions file when an evaluation set needs one', async () => {
    const dir = await tempDir();
    const bundle = await loadEvidenceBundle(dir, { evaluationSet });
    expect(bundle.problems).toMatchObject([{ kind: 'predictions' }]);
  });

  it('throws invalid_input for a missing directory', async () => {
    const error = await refusal(loadEvidenceBundle(join(await tempDir(), 'nope')));
    expect(error.code).toBe('invalid_input');
  });
});

describe('matching candidate and baseline predictions', () => {
  const table = (source: string, labels: number[], ids?: string[]): PredictionTable => ({
    source,
    rowCount: labels.length,
    labels: Uint8Array.from(labels),
    scores: Float64Array.from(labels.map((l) => l / 2)),
    ...(ids ? { ids } : {}),
    groups: {},
  });

  it('attaches baseline scores when rows match', () => {
    const merged = withBaselineScores(table('c.csv', [1, 0]), table('b.csv', [1, 0]));
    expect([...merged.baselineScores!]).toEqual([0.5, 0]);
  });

  it('names both files and the first differing row', () => {
    expect(() => assertSameRows(table('c.csv', [1, 0, 1]), table('b.csv', [1, 1, 1]))).toThrow(
      /c\.csv and b\.csv differ at row 2/,
    );
    expect(() =>
      assertSameRows(table('c.csv', [1, 0], ['x', 'y']), table('b.csv', [1, 0], ['x', 'z'])),
    ).toThrow(/row 2: id "y" vs "z"/);
    expect(() => assertSameRows(table('c.csv', [1]), table('b.csv', [1, 0]))).toThrow(
      /row counts \(1 vs 2\)/,
    );
  });
});
