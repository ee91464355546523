/**
 * Gates evaluated ahead of a write transaction (ADR 014). A request or an execution reads its
 * gate run's input in a read-only snapshot and evaluates it with no transaction open, so the
 * result lands in the app's gate result cache; its write transaction then reads the input again
 * under the model's lock and takes that result only if the input is the same (the cache's key is
 * the digest of the whole input). Evidence attached, production moved or the policy changed in
 * between makes another key: the transaction evaluates again, as it always did, and never uses a
 * result computed from other inputs.
 */
import { evaluateGateRunInputs, type GateRunInputs } from '../gate-evaluation/run-gates.js';
import type { AppDeps } from '../shared/app-deps.js';
import type { Repositories } from '../shared/ports.js';

/**
 * Reads the run with `read` in a snapshot and evaluates it into the cache. A refusal or any
 * other failure here changes nothing and is not reported: the transaction repeats every check
 * and answers with it.
 */
export async function evaluateAhead(
  deps: AppDeps,
  read: (tx: Repositories) => Promise<GateRunInputs>,
): Promise<void> {
  if (!deps.gateResults) return;
  let inputs: GateRunInputs;
  try {
    inputs = await deps.store.read(read);
  } catch {
    return;
  }
  await evaluateGateRunInputs(deps, inputs);
}
