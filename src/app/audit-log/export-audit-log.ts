/**
 * The audit log exported as clearance-audit-export/v1 lines (audit/audit-export.ts): a header
 * with the log's origin, verifier key and every signed checkpoint up to the exported size, then
 * one line per entry. The log is first covered by a fresh checkpoint when it grew, so the export
 * ends at a signed size. The lines go to a sink the edge provides (the CLI writes a file).
 */
import { formatExportEntry, formatExportHeader } from '../../audit/index.js';
import type { Principal } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { guarded } from '../shared/authorise.js';
import type { AuditSigner } from '../shared/ports.js';
import { assertAuditReader } from './audit-proofs.js';
import { signAuditCheckpoint } from './sign-audit-checkpoint.js';

export interface AuditExportSink {
  /** One line, without its newline; awaited, so a slow sink holds the export back. */
  write(line: string): Promise<void>;
  progress?(exported: number, size: number): void;
}

export interface AuditExportSummary {
  /** The log size the export covers. */
  size: number;
  /** Entries written; fewer than `size` when a server's log is missing some. */
  entries: number;
  checkpoints: number;
}

/** Entries read per transaction, so a long export never holds one open. */
const page = 5000;

/** For audit readers (auditor, admin). */
export async function exportAuditLog(
  deps: AppDeps,
  signer: AuditSigner,
  principal: Principal,
  sink: AuditExportSink,
): Promise<AuditExportSummary> {
  const subject = { type: 'audit_log', id: 'export' };
  await guarded(deps, { actor: principal, action: 'audit.read', subject }, async () =>
    assertAuditReader(principal),
  );
  const { checkpoint } = await signAuditCheckpoint(deps, signer);
  const size = checkpoint.size;
  const notes = await deps.store.read(async (tx) =>
    (await tx.checkpoints.list()).filter((c) => c.size <= size).map((c) => c.note),
  );
  await sink.write(
    formatExportHeader({
      origin: signer.origin,
      size,
      exportedAt: deps.clock.now().toISOString(),
      verifierKeys: [signer.verifierKey],
      checkpoints: notes,
    }),
  );
  for (let start = 0; start < size; start += page) {
    const end = Math.min(size, start + page);
    const lines = await deps.store.read(async (tx) => {
      const out: string[] = [];
      for await (const logged of tx.audit.entries(start, end)) out.push(formatExportEntry(logged));
      return out;
    });
    for (const line of lines) await sink.write(line);
    sink.progress?.(end, size);
  }
  return { size, entries: size, checkpoints: notes.length };
}
