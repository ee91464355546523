/**
 * The audit routes' use cases: checkpoints, entries, proofs and model history, bound to the app's
 * deps and the server's checkpoint signer. Without a signer (a server built for tests) the log
 * has no identity, so these refuse with `audit_unavailable`.
 */
import {
  type AppDeps,
  type AuditEntriesPage,
  type AuditSigner,
  assertAuditReader,
  type CheckpointView,
  type ConsistencyProofView,
  checkpointView,
  checkStateAsAuditor,
  consistencyProofBetween,
  guarded,
  type InclusionProofView,
  inclusionProofFor,
  latestCheckpoint,
  listAuditEntries,
  listCheckpoints,
  type ModelHistory,
  modelHistory,
  type StateCheck,
  signAuditCheckpoint,
} from '../app/index.js';
import { ClearanceError, type Principal } from '../domain/index.js';

export interface SignedCheckpointView {
  checkpoint: CheckpointView;
  /** False when the log had not grown since the latest checkpoint. */
  signed: boolean;
}

export interface AuditUseCases {
  latestCheckpoint(principal: Principal): Promise<CheckpointView>;
  checkpoints(principal: Principal): Promise<{ checkpoints: CheckpointView[] }>;
  signCheckpoint(principal: Principal): Promise<SignedCheckpointView>;
  auditEntries(
    principal: Principal,
    input: { from?: number; limit?: number },
  ): Promise<AuditEntriesPage>;
  inclusionProof(
    principal: Principal,
    input: { seq: number; size?: number },
  ): Promise<InclusionProofView>;
  consistencyProof(
    principal: Principal,
    input: { from: number; to?: number },
  ): Promise<ConsistencyProofView>;
  modelHistory(principal: Principal, input: { model: string; at?: string }): Promise<ModelHistory>;
  /** The database rows against the audit log (auditor, admin). */
  auditState(principal: Principal): Promise<StateCheck>;
}

export function bindAuditUseCases(deps: AppDeps, signer: AuditSigner | undefined): AuditUseCases {
  const log = (): AuditSigner => {
    if (signer) return signer;
    throw new ClearanceError('audit_unavailable', 'This server has no audit signing key.', {
      problems: [
        {
          message: 'No checkpoint signer was configured.',
          fix: 'Start the server through openRegistry, which loads the key.',
        },
      ],
    });
  };
  return {
    latestCheckpoint: () => latestCheckpoint(deps, log()),
    checkpoints: async () => ({ checkpoints: await listCheckpoints(deps, log()) }),
    async signCheckpoint(principal) {
      const result = await signAuditCheckpoint(deps, log(), { principal });
      return { checkpoint: checkpointView(result.checkpoint, log()), signed: result.signed };
    },
    auditEntries: (principal, input) => listAuditEntries(deps, principal, input),
    // The proof carries the entry itself (reasons, tickets, actors): for audit readers only.
    inclusionProof: (principal, input) =>
      guarded(
        deps,
        { actor: principal, action: 'audit.read', subject: { type: 'audit_log', id: 'proofs' } },
        async () => {
          assertAuditReader(principal);
          return inclusionProofFor(deps, { ...input, log: log() });
        },
      ),
    consistencyProof: (_principal, input) =>
      consistencyProofBetween(deps, {
        size1: input.from,
        ...(input.to === undefined ? {} : { size2: input.to }),
        log: log(),
      }),
    modelHistory: (principal, input) => modelHistory(deps, principal, input),
    auditState: (principal) => checkStateAsAuditor(deps, principal),
  };
}
