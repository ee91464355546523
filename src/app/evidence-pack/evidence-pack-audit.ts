/**
 * The audit part of an evidence pack: the entries that concern a version, and an RFC 9162
 * inclusion proof for each against the latest signed checkpoint. Every stored leaf hash is checked
 * against the entry it belongs to and every proof is verified before it is handed out.
 */
import { type AuditEntry, bytesEqual, entryLeafHash, verifyInclusion } from '../../audit/index.js';
import { ClearanceError } from '../../domain/index.js';
import { storedInclusionProof } from '../audit-log/audit-tree.js';
import type { Repositories, StoredCheckpoint } from '../shared/ports.js';

/** What ties an audit entry to the version being packed. */
export interface PackSubjects {
  model: string;
  version: string;
  requestIds: ReadonlySet<string>;
  decisionIds: ReadonlySet<string>;
  policyDigests: ReadonlySet<string>;
  /** Artifact, evidence-set and evidence-file digests of the version. */
  digests: ReadonlySet<string>;
}

export interface PackProof {
  seq: number;
  /** Base64 SHA-256(0x00 ‖ RFC 8785 entry). */
  leafHash: string;
  treeSize: number;
  /** Base64 audit path, leaf to root. */
  proof: string[];
}

export interface PackAudit {
  entries: AuditEntry[];
  proofs: PackProof[];
  /** Entries appended after the checkpoint, so without a proof. */
  notCovered: number[];
  checkpoint?: StoredCheckpoint;
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

function stringField(data: Record<string, unknown>, key: string): string | undefined {
  const value = data[key];
  return typeof value === 'string' ? value : undefined;
}

/** True when the entry is about the version, one of its requests or decisions, or its digests. */
function concernsVersion(entry: AuditEntry, s: PackSubjects): boolean {
  const { type, id } = entry.subject;
  if (type === 'version' && id === `${s.model}@${s.version}`) return true;
  if (type === 'request' && s.requestIds.has(id)) return true;
  if (type === 'decision' && s.decisionIds.has(id)) return true;
  if (type === 'policy' && entry.action === 'policy.registered' && s.policyDigests.has(id))
    return true;
  if (type === 'model' && id === s.model) {
    if (entry.action === 'model.registered') return true;
    const { data } = entry;
    if (
      [stringField(data, 'from'), stringField(data, 'to'), stringField(data, 'version')].includes(
        s.version,
      )
    )
      return true;
  }
  const requestId = stringField(entry.data, 'requestId');
  if (requestId !== undefined && s.requestIds.has(requestId)) return true;
  return Object.values(entry.digests).some((d) => s.digests.has(d));
}

function unprovable(seq: number, why: string): ClearanceError {
  const message = `Audit entry ${seq} cannot be proven: ${why}. The stored log was changed behind the service's back.`;
  return new ClearanceError('audit_unavailable', message, {
    problems: [{ message, fix: 'Run `clearance audit verify` to name the first bad entry.' }],
  });
}

/** Reads the related entries (one pass over the log) and proves each against the checkpoint. */
export async function packAudit(tx: Repositories, subjects: PackSubjects): Promise<PackAudit> {
  const size = await tx.audit.size();
  const checkpoint = await tx.checkpoints.latest();
  const entries: AuditEntry[] = [];
  const stored = new Map<number, Uint8Array>();
  for await (const logged of tx.audit.entries(0, size)) {
    if (!concernsVersion(logged.entry, subjects)) continue;
    if (!bytesEqual(entryLeafHash(logged.entry), logged.leafHash))
      throw unprovable(logged.entry.seq, 'its stored leaf hash does not match its contents');
    entries.push(logged.entry);
    stored.set(logged.entry.seq, logged.leafHash);
  }
  const covered = checkpoint ? entries.filter((e) => e.seq < checkpoint.size) : [];
  const notCovered = entries
    .filter((e) => !checkpoint || e.seq >= checkpoint.size)
    .map((e) => e.seq);
  if (!checkpoint || covered.length === 0)
    return { entries, proofs: [], notCovered, ...(checkpoint ? { checkpoint } : {}) };
  const proofs: PackProof[] = [];
  for (const entry of covered) {
    const leafHash = stored.get(entry.seq) as Uint8Array;
    const proof = await storedInclusionProof(tx, entry.seq, checkpoint.size);
    const ok = verifyInclusion({
      leafIndex: entry.seq,
      treeSize: checkpoint.size,
      leafHash,
      proof,
      root: checkpoint.rootHash,
    });
    if (!ok)
      throw unprovable(
        entry.seq,
        `it does not verify against the checkpoint of size ${checkpoint.size}`,
      );
    proofs.push({
      seq: entry.seq,
      leafHash: b64(leafHash),
      treeSize: checkpoint.size,
      proof: proof.map(b64),
    });
  }
  return { entries, proofs, notCovered, checkpoint };
}
