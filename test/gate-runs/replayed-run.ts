/**
 * A real gate run's input for the pool tests: the recommender example's version staged (with any
 * extra files attached first), and the input its decision's replay hands the gate runner.
 */
import {
  attachEvidence,
  bindUseCases,
  type GateRunInput,
  replayDecision,
} from '../../src/app/index.js';
import type { Principal } from '../../src/domain/index.js';
import type { GateWorkerPool } from '../../src/gate-runs/index.js';
import { buildServer } from '../../src/http/index.js';
import { addVersion, people, type StoreHarness, setupModel, toStaging } from '../app/harness.js';
import { testIdentity } from '../http/fixture.js';

const auditor: Principal = { id: 'rita.reader', kind: 'user', roles: [{ role: 'auditor' }] };

/** home-feed v1 staged, with `files` attached besides the example's; its decision's id. */
export async function stagedDecision(
  h: StoreHarness,
  files: { path: string; bytes: Uint8Array }[] = [],
): Promise<string> {
  await setupModel(h, 'recommender', 'home-feed', 'medium');
  await addVersion(h, { model: 'home-feed', version: 'v1', dir: 'recommender/candidates/passing' });
  if (files.length > 0) {
    await attachEvidence(h.deps, people.ci, { model: 'home-feed', version: 'v1', files });
  }
  const done = await toStaging(h, 'home-feed', 'v1');
  const id = done.request.decisionId;
  if (id === undefined) throw new Error('the staging request recorded no decision');
  return id;
}

/** The input the replay of `decisionId` gives the gate runner (run by the harness's runner). */
export async function replayedRunInput(h: StoreHarness, decisionId: string): Promise<GateRunInput> {
  let captured: GateRunInput | undefined;
  const runner = h.deps.gateRunner;
  h.deps.gateRunner = {
    run: (input) => {
      captured = input;
      return runner.run(input);
    },
  };
  try {
    await replayDecision(h.deps, auditor, { decisionId });
  } finally {
    h.deps.gateRunner = runner;
  }
  if (captured === undefined) throw new Error('the replay ran no gates');
  return captured;
}

/**
 * A server whose gate runs go to `pool` (its stats on /metrics), and a dry run of the staged
 * home-feed v1 to production through it, as its model owner — an advisory run.
 */
export function servedPool(h: StoreHarness, pool: GateWorkerPool) {
  const identity = testIdentity();
  const app = buildServer({
    useCases: bindUseCases({ ...h.deps, gateRunner: pool }),
    directory: identity.directory,
    bodyLimitBytes: 1024 * 1024,
    gateRuns: () => pool.stats(),
  });
  const dryRun = () =>
    app.inject({
      method: 'POST',
      url: '/api/v1/models/home-feed/versions/v1/dry-run',
      headers: { authorization: identity.bearer(people.owner.id, 'model_owner') },
      payload: { to: 'production' },
    });
  return { app, identity, dryRun };
}
