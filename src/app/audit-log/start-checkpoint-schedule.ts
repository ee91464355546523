/**
 * Signs an audit checkpoint every `intervalMs` while the log grows (`signAuditCheckpoint` is a
 * no-op when it has not). With several servers on one PostgreSQL each runs the schedule; the
 * checkpoint table's one-per-size key makes the losers of a race return the winner's checkpoint.
 */
import type { AppDeps } from '../shared/app-deps.js';
import type { AuditSigner } from '../shared/ports.js';
import { repeatEvery } from '../shared/repeat-every.js';
import { type SignedCheckpointResult, signAuditCheckpoint } from './sign-audit-checkpoint.js';

export interface CheckpointScheduleOptions {
  /** Called after each tick that signed a checkpoint. */
  onSigned?: (result: SignedCheckpointResult) => void;
  /** Called when a tick fails (e.g. the log was tampered with); the schedule keeps running. */
  onError?: (error: unknown) => void;
}

/** Starts the schedule; the returned function stops it and waits for a running tick. */
export function startCheckpointSchedule(
  deps: AppDeps,
  signer: AuditSigner,
  intervalMs: number,
  options: CheckpointScheduleOptions = {},
): () => Promise<void> {
  return repeatEvery({
    intervalMs,
    job: async () => {
      const result = await signAuditCheckpoint(deps, signer);
      if (result.signed) options.onSigned?.(result);
    },
    ...(options.onError ? { onError: options.onError } : {}),
  });
}
