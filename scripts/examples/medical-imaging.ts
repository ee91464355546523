import { join } from 'node:path';
import { cycloneDx, lineage, markdown, normal, rng, write, writeCsv, writeJson } from './lib.js';

const studies = 3000;
const prevalence = 0.2;

/** Scores with a set sensitivity and specificity at threshold 0.3, placed away from it. */
function writeScores(dir: string, seed: number, sensitivity: number, specificity: number): void {
  const next = rng(seed);
  const rows: (string | number)[][] = [];
  for (let i = 0; i < studies; i++) {
    const positive = i < studies * prevalence;
    const hit = positive ? next() < sensitivity : next() < specificity;
    const above = positive === hit;
    const jitter = Math.abs(normal(next)) * 0.08;
    const score = above
      ? Math.min(0.999, 0.55 + jitter + next() * 0.3)
      : Math.max(0.001, 0.12 - jitter + next() * 0.1);
    rows.push([`CXR-${String(500000 + i)}`, positive ? 1 : 0, score.toFixed(5)]);
  }
  writeCsv(join(dir, 'predictions.csv'), ['study_id', 'critical_finding', 'score'], rows);
}

function candidate(dir: string, version: string, seed: number, sens: number, spec: number): void {
  writeScores(dir, seed, sens, spec);
  writeJson(join(dir, 'lineage.json'), lineage('chest-xray-triage', version, 'dr.ml.engineer'));
  writeJson(
    join(dir, 'sbom.cdx.json'),
    cycloneDx('chest-xray-triage', [
      { name: 'torch', version: '2.4.0', license: 'BSD-3-Clause' },
      { name: 'monai', version: '1.3.2', license: 'Apache-2.0' },
      { name: 'pydicom', version: '2.4.4', license: 'MIT' },
    ]),
  );
  writeJson(join(dir, 'data_fields.json'), [
    'pixel_data',
    'view_position',
    'patient_age_band',
    'scanner_model',
  ]);
  write(
    join(dir, 'model_card.md'),
    markdown(
      `Chest X-ray triage ${version}`,
      `useConstraints:
  intendedUse: Prioritise adult PA/AP chest radiographs for reading; never a diagnosis
  prohibitedUses: [paediatric studies, autonomous reporting]
  humanInTheLoop: true
  forbiddenFeatures: [patient_name, mrn, ethnicity]`,
      {
        'Intended use':
          'Re-order the reading worklist so suspected critical findings are read first.',
        'Human oversight':
          'Every study is still read by a radiologist; the model only changes the order.',
        'Use constraints': 'Adults only; PA and AP views; not for lateral views or paediatrics.',
        Limitations: 'Lower sensitivity for small pneumothoraces on portable AP films.',
      },
    ),
  );
  write(
    join(dir, 'evaluation_report.md'),
    markdown('Clinical evaluation report', '', {
      'Locked test set':
        'cxr-locked-clinical-2026: 3,000 studies from two hospitals, labelled by two consultants.',
      'Subgroup performance':
        'Sensitivity reported by sex, age band and scanner; no subgroup below 0.93.',
    }),
  );
  write(
    join(dir, 'rollback_plan.md'),
    markdown('Rollback plan', '', {
      Steps:
        'Disable triage re-ordering (worklist falls back to arrival order) and roll back the version.',
    }),
  );
}

export function generateMedicalImaging(root: string): void {
  candidate(join(root, 'candidates', 'passing'), '3.2.0', 31, 0.975, 0.93);
  candidate(join(root, 'candidates', 'failing'), '3.3.0-rc1', 32, 0.93, 0.95);
}
