import { join } from 'node:path';
import { cycloneDx, lineage, markdown, standardDocs, writeJson } from './lib.js';

const stack = [
  { name: 'torch', version: '2.4.0', license: 'BSD-3-Clause' },
  { name: 'faiss-cpu', version: '1.8.0', license: 'MIT' },
  { name: 'numpy', version: '1.26.4', license: 'BSD-3-Clause' },
];

function docs(version: string) {
  return {
    modelCard: markdown(`Home feed recommender ${version}`, 'modelParameters:\n  task: ranking', {
      'Intended use': 'Rank products on the home feed of the web shop.',
      Limitations: 'Cold-start users fall back to popularity ranking.',
      Metrics: 'Offline CTR on a replay of 400,000 logged impressions; p95 serving latency.',
    }),
    evaluationReport: markdown('Evaluation report', '', {
      Summary: `Offline replay of version ${version} against production, same sessions.`,
    }),
    monitoringPlan: markdown('Monitoring plan', '', {
      KPIs: 'CTR, add-to-cart rate, error rate and p95 latency, canary vs control, every 5 minutes.',
    }),
    rollbackPlan: markdown('Rollback plan', '', {
      Triggers: 'CTR −1% vs control for 2 h, or error rate ≥ 0.5% for 15 min: automatic rollback.',
    }),
  };
}

function candidate(dir: string, version: string, metrics: Record<string, unknown>): void {
  writeJson(join(dir, 'metrics.json'), metrics);
  writeJson(join(dir, 'lineage.json'), lineage('home-feed-recommender', version, 'li.ranker'));
  writeJson(join(dir, 'sbom.cdx.json'), cycloneDx('home-feed-recommender', stack));
  standardDocs(dir, docs(version));
}

export function generateRecommender(root: string): void {
  const impressions = 400_000;
  writeJson(join(root, 'baseline', 'metrics.json'), {
    ctr: { successes: 20_000, trials: impressions },
    latency_p95_ms: 96,
    cost_per_1k_usd: 0.31,
  });
  candidate(join(root, 'candidates', 'passing'), '7.0.0', {
    ctr: { successes: 22_100, trials: impressions },
    latency_p95_ms: 104,
    cost_per_1k_usd: 0.34,
  });
  candidate(join(root, 'candidates', 'failing'), '7.1.0-rc1', {
    ctr: { successes: 22_400, trials: impressions },
    latency_p95_ms: 141,
    cost_per_1k_usd: 0.36,
  });
  candidate(join(root, 'candidates', 'marginal'), '7.0.1', {
    ctr: { successes: 20_500, trials: impressions },
    latency_p95_ms: 99,
    cost_per_1k_usd: 0.32,
  });
}
