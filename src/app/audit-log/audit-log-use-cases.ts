/**
 * The audit log as the edges call it: checkpoints, entries, proofs and the state check, bound to the server's checkpoint signer. Without a signer (a server built for tests) the
 * log has no identity, so these refuse with `audit_unavailable`.
 */
import { ClearanceError, type Principal } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import type { AuditSigner } from '../shared/ports.js';
import {
  type AuditEntriesPage,
  type AuditEntryFilters,
  type CheckpointView,
  type ConsistencyProofView,
  checkpointView,
  consistencyProofBetween,
  type InclusionProofView,
  latestCheckpoint,
  listAuditEntries,
  listCheckpoints,
  proveInclusion,
} from './audit-proofs.js';
import { checkStateAsAuditor, type StateCheck } from './check-stored-state.js';
import {
  type AuditExportSink,
  type AuditExportSummary,
  exportAuditLog,
} from './export-audit-log.js';
import { signAuditCheckpoint } from './sign-audit-checkpoint.js';

export interface SignedCheckpointView {
  checkpoint: CheckpointView;
  /** False when the log had not grown since the latest checkpoint. */
  signed: boolean;
}

export interface AuditLogUseCases {
  latestCheckpoint(principal: Principal): Promise<CheckpointView>;
  checkpoints(principal: Principal): Promise<{ checkpoints: CheckpointView[] }>;
  signCheckpoint(principal: Principal): Promise<SignedCheckpointView>;
  /** A page of entries, oldest first from `from` or newest first below `before`, filtered. */
  auditEntries(
    principal: Principal,
    input: { from?: number; before?: number; limit?: number } & AuditEntryFilters,
  ): Promise<AuditEntriesPage>;
  /** For audit readers: the proof carries the entry itself (reasons, tickets, actors). */
  inclusionProof(
    principal: Principal,
    input: { seq: number; size?: number },
  ): Promise<InclusionProofView>;
  consistencyProof(
    principal: Principal,
    input: { from: number; to?: number },
  ): Promise<ConsistencyProofView>;
  /** The database rows against the audit log (auditor, admin). */
  auditState(principal: Principal): Promise<StateCheck>;
  /** The log as clearance-audit-export/v1 lines, up to a fresh checkpoint (auditor, admin). */
  exportAuditLog(principal: Principal, sink: AuditExportSink): Promise<AuditExportSummary>;
}

export function bindAuditLogUseCases(
  deps: AppDeps,
  signer: AuditSigner | undefined,
): AuditLogUseCases {
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
    inclusionProof: (principal, input) => proveInclusion(deps, principal, { ...input, log: log() }),
    consistencyProof: (_principal, input) =>
      consistencyProofBetween(deps, {
        size1: input.from,
        ...(input.to === undefined ? {} : { size2: input.to }),
        log: log(),
      }),
    auditState: (principal) => checkStateAsAuditor(deps, principal),
    exportAuditLog: (principal, sink) => exportAuditLog(deps, log(), principal, sink),
  };
}
