import { join } from 'node:path';
import {
  cycloneDx,
  lineage,
  markdown,
  normal,
  pythonStack,
  rng,
  sigmoid,
  standardDocs,
  writeCsv,
  writeJson,
} from './lib.js';

const rows = 6000;

interface Applicant {
  id: string;
  sex: 'male' | 'female';
  latent: number;
  repaid: number;
  noise: number;
}

function applicants(): Applicant[] {
  const next = rng(20261001);
  return Array.from({ length: rows }, (_, i) => {
    const latent = normal(next);
    return {
      id: `APP-${String(100000 + i)}`,
      sex: next() < 0.5 ? 'male' : 'female',
      latent,
      repaid: next() < sigmoid(1.6 * latent + 1.0) ? 1 : 0,
      noise: normal(next),
    };
  });
}

type Scorer = (a: Applicant, own: number) => number;

function writePredictions(dir: string, people: Applicant[], seed: number, scorer: Scorer): void {
  const next = rng(seed);
  writeCsv(
    join(dir, 'predictions.csv'),
    ['application_id', 'repaid', 'score', 'sex'],
    people.map((a) => [a.id, a.repaid, scorer(a, normal(next)).toFixed(6), a.sex]),
  );
}

function docs(version: string) {
  return {
    modelCard: markdown(
      `Credit risk PD scorecard ${version}`,
      `modelParameters:
  task: binary-classification
  architectureFamily: gradient-boosted trees
useConstraints:
  intendedUse: Pre-screening of consumer loan applications up to 50,000 EUR
  prohibitedUses: [employment screening, insurance pricing]
  humanInTheLoop: true
  forbiddenFeatures: [sex, ethnicity, religion]`,
      {
        'Model details': `Gradient-boosted scorecard, version ${version}, owned by credit-risk-modelling.`,
        'Intended use': 'Estimate the probability that a consumer loan is repaid.',
        'Out-of-scope uses': 'Any decision about employment, housing or insurance.',
        'Training data': 'Applications 2019-2025, snapshot credit-risk-pd-snapshot-2026-10-01.',
        'Evaluation data': 'Locked out-of-time set credit-locked-2026q3 (6,000 applications).',
        Metrics: 'AUC and KS against the production scorecard, with 95% confidence intervals.',
        Fairness: 'Approval-rate disparate impact by sex, four-fifths rule.',
        Limitations: 'Not validated for business loans or applicants with thin credit files.',
      },
    ),
    evaluationReport: markdown('Evaluation report', '', {
      Summary: `Version ${version} evaluated on credit-locked-2026q3 against production.`,
      Method: 'Paired DeLong test for AUC; stratified bootstrap for KS.',
    }),
    monitoringPlan: markdown('Monitoring plan', '', {
      Drift: 'Population stability index of the score, monthly; alert above 0.2.',
      'Rejection rate': 'Weekly approval and rejection rate by segment; alert on ±5 points.',
      Outcomes: 'Back-test 90-day delinquency against predicted PD quarterly.',
    }),
    rollbackPlan: markdown('Rollback plan', '', {
      Trigger: 'Approval rate moves more than 5 points in a week, or PSI above 0.25.',
      Steps:
        'Run `clearance rollback credit-risk-pd --reason … --ticket RISK-…`; the previous scorecard serves again.',
      Owner: 'MLOps on call, with the model owner informed.',
    }),
  };
}

function common(dir: string, version: string): void {
  writeJson(join(dir, 'lineage.json'), lineage('credit-risk-pd', version, 'ana.modeller'));
  writeJson(join(dir, 'sbom.cdx.json'), cycloneDx('credit-risk-pd', pythonStack));
  writeJson(join(dir, 'data_fields.json'), [
    'income',
    'loan_amount',
    'term_months',
    'debt_to_income',
    'delinquencies_24m',
    'employment_years',
  ]);
  standardDocs(dir, docs(version));
}

export function generateCreditRisk(root: string): void {
  const people = applicants();
  const base = join(root, 'baseline');
  writePredictions(base, people, 11, (a, e) => sigmoid(1.0 * a.latent + 0.9 * e + 0.9));
  writeJson(join(base, 'lineage.json'), lineage('credit-risk-pd', '2026.1', 'ana.modeller'));

  const passing = join(root, 'candidates', 'passing');
  writePredictions(passing, people, 12, (a, e) => sigmoid(1.0 * a.latent + 0.55 * e + 0.9));
  common(passing, '2026.2');

  // Same skill, but women's scores are pushed down: approvals fall below 4/5 of men's.
  const failing = join(root, 'candidates', 'failing');
  writePredictions(failing, people, 12, (a, e) =>
    sigmoid(1.0 * a.latent + 0.55 * e + 0.9 - (a.sex === 'female' ? 0.9 : 0)),
  );
  common(failing, '2026.2-rc2');

  // A rushed hotfix: noticeably weaker ranking, but fair and well documented.
  const hotfix = join(root, 'candidates', 'hotfix');
  writePredictions(hotfix, people, 13, (a, e) => sigmoid(0.8 * a.latent + 1.4 * e + 0.9));
  common(hotfix, '2026.1-hotfix1');
}
