import { describe, expect, it } from 'vitest';
import { caseVariantOfKnownName, classifyEvidenceFile } from './evidence-file-names.js';

describe('classifyEvidenceFile', () => {
  it.each([
    ['predictions.csv', 'predictions'],
    ['PREDICTIONS.CSV', 'other'],
    ['Predictions.csv', 'other'],
    ['model_card.md', 'model_card'],
    ['MODEL_CARD.md', 'document'],
    ['python.cdx.json', 'sbom'],
    ['python.CDX.JSON', 'other'],
    ['notes.md', 'document'],
    ['notes.MD', 'other'],
    ['eval/predictions.csv', 'other'],
    ['reports/drift.md', 'document'],
    ['robustness/noise.csv', 'robustness_predictions'],
    ['Robustness/noise.csv', 'other'],
  ])('matches documented names exactly: %s is %s', (path, kind) => {
    expect(classifyEvidenceFile(path).kind).toBe(kind);
  });
});

describe('caseVariantOfKnownName', () => {
  it.each([
    ['PREDICTIONS.CSV', 'predictions.csv'],
    ['Lineage.JSON', 'lineage.json'],
    ['EVIDENCE.YML', 'evidence.yml'],
    ['Data_Fields.json', 'data_fields.json'],
    ['deps.SPDX.json', 'deps.spdx.json'],
    ['notes/Intro.MD', 'notes/Intro.md'],
    ['README.Md', 'README.md'],
    ['MODEL_CARD.md', 'model_card.md'],
    ['Robustness/noise.csv', 'robustness/noise.csv'],
    ['robustness/Blur.CSV', 'robustness/Blur.csv'],
    ['LOAD_TEST.csv', 'load_test.csv'],
  ])('%s → %s', (path, known) => {
    expect(caseVariantOfKnownName(path)).toBe(known);
  });

  it.each(['predictions.csv', 'eval/PREDICTIONS.CSV', 'x.txt', 'a.CSV'])(
    'leaves %s alone',
    (path) => {
      expect(caseVariantOfKnownName(path)).toBeUndefined();
    },
  );
});
