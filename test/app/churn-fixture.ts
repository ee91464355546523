/**
 * The churn model the gates-ahead suites share (ADR 014): version 1 with a latency metric under a
 * policy the suite gives, and a gate runner that records what it is asked to evaluate.
 */
import {
  type AppDeps,
  attachEvidence,
  registerModel,
  registerPolicy,
  registerVersion,
} from '../../src/app/index.js';
import type { GateRunInput, GateRunner } from '../../src/app/shared/ports.js';
import { people } from './harness.js';

export const churn = 'churn';

/** Registers `policy`, the churn model under it and its version 1, with `metrics.json` attached. */
export async function registerChurn(deps: AppDeps, policy: string): Promise<void> {
  const registered = await registerPolicy(deps, people.admin, { text: policy });
  await registerModel(deps, people.admin, {
    name: churn,
    ownerTeam: 'ml',
    riskTier: 'medium',
    policyDigest: registered.digest,
  });
  await registerVersion(deps, people.ci, {
    model: churn,
    version: '1',
    artifactUri: 's3://m/churn/1',
    artifactDigest: `sha256:${'ab'.repeat(32)}`,
    lineage: {},
  });
  const metrics = new TextEncoder().encode('{"latency_p95_ms": 80}');
  await attachEvidence(deps, people.ci, {
    model: churn,
    version: '1',
    files: [{ path: 'metrics.json', bytes: metrics }],
  });
}

/** The deps' runner, recording every input it is asked to evaluate, and `between` after the first. */
export function recordingRunner(deps: AppDeps, between?: () => Promise<void>) {
  const inputs: GateRunInput[] = [];
  const inner = deps.gateRunner;
  const runner: GateRunner = {
    async run(input) {
      inputs.push(input);
      const results = await inner.run(input);
      if (inputs.length === 1 && between) await between();
      return results;
    },
  };
  return { inputs, deps: { ...deps, gateRunner: runner } };
}
