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

const transactions = 60_000;

interface Txn {
  id: string;
  fraud: number;
  score: number;
  region: string;
}

function baselineScores(): Txn[] {
  const next = rng(4242);
  return Array.from({ length: transactions }, (_, i) => {
    const fraud = next() < 0.02 ? 1 : 0;
    const region = next() < 0.7 ? 'domestic' : 'international';
    const score = sigmoid((fraud ? 0.9 : -2.05) + normal(next));
    return { id: `TXN-${String(10_000_000 + i)}`, fraud, score, region };
  });
}

/**
 * The candidate flags what production flags, plus chosen extra rows: `extraRecall` of the
 * positives production missed and `extraFpr` of all negatives. Scores of the rest move a little
 * but never across the threshold, so the recall and FPR changes are exactly as designed.
 */
function candidateScores(base: Txn[], seed: number, extraRecall: number, extraFpr: number): Txn[] {
  const next = rng(seed);
  const positives = base.filter((t) => t.fraud === 1).length;
  const negatives = base.length - positives;
  let recallToAdd = Math.round(extraRecall * positives);
  let fprToAdd = Math.round(extraFpr * negatives);
  return base.map((t) => {
    const flagged = t.score >= 0.5;
    let score = Math.min(0.999, Math.max(0.0005, t.score * (1 + 0.1 * (next() - 0.5))));
    if (flagged) score = Math.max(0.5, score);
    else score = Math.min(0.4999, score);
    if (!flagged && t.fraud === 1 && recallToAdd > 0) {
      recallToAdd--;
      score = 0.5 + next() * 0.2;
    } else if (!flagged && t.fraud === 0 && fprToAdd > 0 && next() < 0.2) {
      fprToAdd--;
      score = 0.5 + next() * 0.1;
    }
    return { ...t, score };
  });
}

function writePredictions(dir: string, rows: Txn[]): void {
  writeCsv(
    join(dir, 'predictions.csv'),
    ['txn_id', 'is_fraud', 'score', 'home_region'],
    rows.map((t) => [t.id, t.fraud, t.score.toFixed(6), t.region]),
  );
}

function candidate(dir: string, rows: Txn[], version: string, supportCost: number): void {
  writePredictions(dir, rows);
  writeJson(join(dir, 'metrics.json'), {
    latency_p95_ms: 22,
    support_cost_per_1k_txn_usd: supportCost,
  });
  writeJson(join(dir, 'lineage.json'), lineage('card-fraud', version, 'kim.fraudml'));
  writeJson(join(dir, 'sbom.cdx.json'), cycloneDx('card-fraud', pythonStack));
  writeJson(join(dir, 'data_fields.json'), [
    'amount',
    'merchant_category',
    'country',
    'device_age_days',
    'velocity_1h',
  ]);
  standardDocs(dir, {
    modelCard: markdown(
      `Card fraud ${version}`,
      'modelParameters:\n  task: binary-classification',
      {
        'Intended use': 'Hold card transactions for review when fraud is likely.',
        Limitations: 'Not trained on corporate cards.',
      },
    ),
    evaluationReport: markdown('Evaluation report', '', {
      Summary:
        'Recall and FPR at threshold 0.5 on the locked September 2026 set, paired bootstrap vs production.',
    }),
    monitoringPlan: markdown('Monitoring plan', '', {
      KPIs: 'Hold rate, confirmed-fraud rate, support tickets per 1k transactions, canary vs control.',
    }),
    rollbackPlan: markdown('Rollback plan', '', {
      Triggers: 'FPR +10% vs control for 6 h, support tickets +15% for 12 h, or error rate ≥ 0.5%.',
    }),
  });
}

export function generateFraud(root: string): void {
  const base = baselineScores();
  writePredictions(join(root, 'baseline'), base);
  writeJson(join(root, 'baseline', 'metrics.json'), {
    latency_p95_ms: 21,
    support_cost_per_1k_txn_usd: 4.1,
  });
  candidate(
    join(root, 'candidates', 'passing'),
    candidateScores(base, 7, 0.005, 0.001),
    '5.1.0',
    4.2,
  );
  candidate(
    join(root, 'candidates', 'failing'),
    candidateScores(base, 8, 0.005, 0.003),
    '5.2.0-rc1',
    4.6,
  );
}
