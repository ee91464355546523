/**
 * Gates evaluated ahead of a write transaction (ADR 014). A request, an execution or an emergency
 * expiry reads its gate run's input (`store.readAhead`: no transaction, ADR 042) and evaluates it
 * with no transaction open; its write transaction then reads the input again under the model's
 * lock and takes that result only if the input is the same (compared by the digest of the whole
 * input, the gate result cache's key). Evidence attached, production moved or the policy changed
 * in between makes another key: the transaction evaluates again, as it always did, and never uses
 * a result computed from other inputs. A request whose Idempotency-Key another request has already
 * acted under evaluates nothing: it ends with `IdempotencyKeyTaken`, and the edge replays the kept
 * reply.
 */
import type { AheadRun } from '../gate-evaluation/gate-result-cache.js';
import { evaluateGateRunInputs, type GateRunInputs } from '../gate-evaluation/run-gates.js';
import type { AppDeps } from '../shared/app-deps.js';
import { assertKeyUnclaimed, IdempotencyKeyTaken } from '../shared/idempotency-claims.js';
import type { Repositories } from '../shared/ports.js';

/**
 * Reads the run with `read`, outside a transaction, and evaluates it (into the cache, when its gates all
 * judged). The transaction passes the answer to `runGates`, which uses it, errors included, only
 * for the same input. A refusal or any other failure here changes nothing and is not reported:
 * the transaction repeats every check and answers with it.
 */
export async function evaluateAhead(
  deps: AppDeps,
  read: (tx: Repositories) => Promise<GateRunInputs>,
): Promise<AheadRun | undefined> {
  if (!deps.gateResults) return undefined;
  let inputs: GateRunInputs;
  try {
    // No snapshot needed: the transaction reads the input again and takes this result only for
    // the same input, so statements that each saw another commit cost a re-evaluation at most.
    inputs = await deps.store.readAhead(async (tx) => {
      await assertKeyUnclaimed(deps.store, tx);
      return read(tx);
    });
  } catch (error) {
    // A key another request has acted under: its kept reply is the answer, no gate runs.
    if (error instanceof IdempotencyKeyTaken) throw error;
    return undefined;
  }
  return (await evaluateGateRunInputs(deps, inputs)).ahead;
}
