import { join } from 'node:path';
import {
  cycloneDx,
  lineage,
  markdown,
  normal,
  pythonStack,
  rng,
  standardDocs,
  writeCsv,
  writeJson,
} from './lib.js';

const trips = 5000;

interface Trip {
  id: string;
  actual: number;
  base: number;
}

function tripsOnLockedSet(): Trip[] {
  const next = rng(777);
  return Array.from({ length: trips }, (_, i) => {
    const actual = Math.round(300 + Math.abs(normal(next)) * 600 + next() * 300);
    return { id: `TRIP-${String(900000 + i)}`, actual, base: normal(next) };
  });
}

/** Predictions whose errors are the baseline's scaled by `scale`, plus independent noise. */
function writePredictions(dir: string, all: Trip[], seed: number, scale: number): void {
  const next = rng(seed);
  const rows = all.map((t) => {
    const error = 95 * scale * (0.85 * t.base + 0.53 * normal(next));
    return [t.id, t.actual, Math.max(30, t.actual + error).toFixed(1)];
  });
  writeCsv(join(dir, 'predictions.csv'), ['trip_id', 'actual_seconds', 'predicted_seconds'], rows);
}

function candidate(dir: string, all: Trip[], version: string, scale: number, seed: number): void {
  writePredictions(dir, all, seed, scale);
  writeJson(join(dir, 'metrics.json'), {
    latency_p95_ms: 31,
    cost_per_1k_usd: 0.021,
    mae_gap_outer_vs_centre_s: 18,
  });
  writeJson(join(dir, 'lineage.json'), lineage('rider-eta', version, 'sam.routing'));
  writeJson(join(dir, 'sbom.cdx.json'), cycloneDx('rider-eta', pythonStack));
  standardDocs(dir, {
    modelCard: markdown(`Rider ETA ${version}`, 'modelParameters:\n  task: regression', {
      'Intended use': 'Predict pick-up-to-drop-off time shown to riders before booking.',
      Limitations: 'Less accurate during city-wide events; falls back to routing-engine ETA.',
    }),
    evaluationReport: markdown('Evaluation report', '', {
      Summary:
        'MAE and p95 absolute error on the locked October 2026 trip set, paired with production.',
    }),
    monitoringPlan: markdown('Monitoring plan', '', {
      KPIs: 'Live MAE against completed trips, p95 latency, per zone, canary vs control.',
    }),
    rollbackPlan: markdown('Rollback plan', '', {
      Triggers: 'p95 latency above 200 ms for 15 minutes, or MAE 5% above control for an hour.',
    }),
  });
}

export function generateRideSharingEta(root: string): void {
  const all = tripsOnLockedSet();
  writePredictions(join(root, 'baseline'), all, 101, 1.0);
  candidate(join(root, 'candidates', 'passing'), all, '12.4.0', 0.94, 102);
  candidate(join(root, 'candidates', 'failing'), all, '12.5.0-rc1', 1.08, 103);
}
