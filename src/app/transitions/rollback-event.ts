/**
 * The `rollback.executed` notification of a rollback outside a canary (a canary's is
 * `rollout.rolled_back`), appended in the rollback's transaction beside its audit entry.
 */
import type { Actor, TransitionRequest } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { emit, requestSubject, requestSummary } from '../shared/emit-event.js';
import type { Repositories } from '../shared/ports.js';

export async function emitRollbackExecuted(
  tx: Repositories,
  deps: Pick<AppDeps, 'ids' | 'clock'>,
  input: {
    at: string;
    model: string;
    /** The version taken out. */
    version: string;
    restoredVersion?: string | undefined;
    trigger: 'manual' | 'emergency.expired';
    reason: string;
    by: Actor;
    /** The emergency whose expiry rolled it back. */
    request?: TransitionRequest;
  },
): Promise<void> {
  const taken = await tx.versions.get(input.model, input.version);
  if (!taken) throw new Error(`rolled-back version ${input.model}@${input.version} is missing`);
  await emit(tx, deps, {
    type: 'rollback.executed',
    at: input.at,
    subject: input.request
      ? requestSubject(input.request)
      : { model: input.model, version: input.version },
    data: {
      model: input.model,
      version: input.version,
      ...(input.restoredVersion !== undefined ? { restoredVersion: input.restoredVersion } : {}),
      toState: taken.state,
      trigger: input.trigger,
      reason: input.reason,
      rolledBackBy: input.by.id,
      ...(input.request ? { request: requestSummary(input.request) } : {}),
    },
  });
}
