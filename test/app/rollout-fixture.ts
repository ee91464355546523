/**
 * The recommender worked example up to its canary (b1 in production, c1 promoted with the model
 * owner's and product owner's sign-offs), and KPI batches as a reporter would post them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  attachEvidence,
  executeTransition,
  importProduction,
  type ObservationInput,
  recordApproval,
  registerModel,
  registerPolicy,
  requestTransition,
} from '../../src/app/index.js';
import {
  addVersion,
  approveRecommenderPromotion,
  examplesDir,
  people,
  type StoreHarness,
  setupModel,
  toStaging,
} from './harness.js';

const defaultModel = 'home-feed';

export { defaultModel as model };
export const minute = 60_000;
export const hour = 60 * minute;

/** The recommender's policy with a PSI drift monitor on the candidate's scores added. */
function withDrift(text: string): string {
  return text.replace(
    '        - { metric: error_rate,',
    '        - { metric: score_drift, series: score, compare: drift, op: ">=", threshold: 0.2, period: 1h, minSamples: 200 }\n        - { metric: error_rate,',
  );
}

/** Deterministic standard-normal-ish values (sum of uniforms from a fixed LCG). */
function scores(count: number, shift: number, seed = 1): number[] {
  let state = seed;
  const uniform = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return Array.from({ length: count }, () => {
    let sum = 0;
    for (let i = 0; i < 12; i++) sum += uniform();
    return Math.round((sum - 6 + shift) * 1000) / 1000;
  });
}

/** The drift baseline evidence file: 2 000 scores, shifted by `shift` standard deviations. */
export function driftBaselineBytes(shift: number): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({ distributions: { score: scores(2000, shift, 7) } }),
  );
}

export async function startRecommenderCanary(
  h: StoreHarness,
  options: {
    drift?: boolean;
    model?: string;
    policy?: (text: string) => string;
    changeType?: 'standard' | 'experiment';
    /** The promotion request's ticket (for policies whose transition requires one). */
    ticket?: string;
    /** Runs between the approvals and the execution. */
    beforeExecute?: (requestId: string) => Promise<void>;
  } = {},
): Promise<{ rolloutId: string; requestId: string; startedAt: number }> {
  const model = options.model ?? defaultModel;
  if (options.drift || options.policy) {
    const example = readFileSync(join(examplesDir, 'recommender', 'policy.yaml'), 'utf8');
    const text = (options.policy ?? ((t: string) => t))(
      options.drift ? withDrift(example) : example,
    );
    const policy = await registerPolicy(h.deps, people.admin, { text, file: 'drift.yaml' });
    await registerModel(h.deps, people.admin, {
      name: model,
      ownerTeam: 'ml-platform',
      riskTier: 'medium',
      policyDigest: policy.digest,
    });
  } else {
    await setupModel(h, 'recommender', model, 'medium');
  }
  await addVersion(h, { model, version: 'b1', dir: 'recommender/baseline' });
  // Imported through the use case (audited), so the state check can hold the tables to the log.
  await importProduction(h.deps, people.admin, { model, version: 'b1', reason: 'Served before' });
  await addVersion(h, { model, version: 'c1', dir: 'recommender/candidates/passing' });
  if (options.drift) {
    await attachEvidence(h.deps, people.ci, {
      model,
      version: 'c1',
      files: [{ path: 'drift_baseline.json', bytes: driftBaselineBytes(0) }],
    });
  }
  await toStaging(h, model, 'c1');
  const { request } = await requestTransition(h.deps, people.mlops, {
    model,
    version: 'c1',
    to: 'production',
    reason: 'CTR lift',
    ...(options.changeType ? { changeType: options.changeType } : {}),
    ...(options.ticket ? { ticket: options.ticket } : {}),
  });
  if (options.ticket === undefined) await approveRecommenderPromotion(h, request.id);
  else {
    // A transition that requires a ticket asks the approvers for it too.
    for (const [who, role] of [
      [people.owner, 'model_owner'],
      [people.product, 'product_owner'],
    ] as const) {
      await recordApproval(h.deps, who, {
        requestId: request.id,
        role,
        decision: 'approve',
        comment: 'Reviewed',
        riskClass: 'low',
        ticket: options.ticket,
      });
    }
  }
  await options.beforeExecute?.(request.id);
  const startedAt = h.clock.now().getTime();
  const done = await executeTransition(h.deps, people.mlops, { requestId: request.id });
  if (!done.rollout) throw new Error('the recommender promotion started no canary');
  return { rolloutId: done.rollout.id, requestId: request.id, startedAt };
}

export interface Traffic {
  /** Relative CTR drop of the candidate in this slice (0.012 = −1.2%). */
  ctrDrop?: number;
  /** Impressions per arm per hour (default 42 M: enough to tell −1.2% from −1%). */
  impressions?: number;
  /** Candidate error rate (control: 0.1%). */
  errorRate?: number;
  /** Shift of the candidate's score distribution, in standard deviations (drift policy only). */
  scoreShift?: number;
}

/** One slice [from, from + length) of both arms, as a reporter measures it. */
function slice(from: number, length: number, traffic: Traffic = {}): ObservationInput[] {
  const share = length / hour;
  const impressions = Math.round((traffic.impressions ?? 42_000_000) * share);
  const requests = Math.round(1_000_000 * share);
  const at = new Date(from).toISOString();
  const points: ObservationInput[] = [
    {
      series: 'ctr',
      arm: 'candidate',
      at,
      successes: Math.round(impressions * 0.05 * (1 - (traffic.ctrDrop ?? 0))),
      trials: impressions,
    },
    {
      series: 'ctr',
      arm: 'control',
      at,
      successes: Math.round(impressions * 0.05),
      trials: impressions,
    },
    {
      series: 'error_rate',
      arm: 'candidate',
      at,
      successes: Math.round(requests * (traffic.errorRate ?? 0.001)),
      trials: requests,
    },
    {
      series: 'error_rate',
      arm: 'control',
      at,
      successes: Math.round(requests * 0.001),
      trials: requests,
    },
  ];
  if (traffic.scoreShift !== undefined) {
    points.push({
      series: 'score',
      arm: 'candidate',
      at,
      values: scores(Math.max(50, Math.round(600 * share)), traffic.scoreShift, from % 9973),
    });
  }
  return points;
}

/** 5-minute slices over [from, to), each measured with `traffic(sliceStart)`. */
export function slices(from: number, to: number, traffic: (at: number) => Traffic = () => ({})) {
  const points: ObservationInput[] = [];
  for (let at = from; at < to; at += 5 * minute) points.push(...slice(at, 5 * minute, traffic(at)));
  return points;
}
