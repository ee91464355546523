/**
 * Reads of the audit log for auditors and witnesses: the latest signed checkpoint, pages of
 * entries, and RFC 9162 inclusion and consistency proofs against signed checkpoints. Every proof
 * is verified with the pure verifier before it is returned, so a tampered store yields a refusal,
 * never a proof that does not verify. Hashes are base64, as in C2SP checkpoints.
 */
import {
  type AuditEntry,
  followKeyHandovers,
  keySigning,
  openStoredRow,
  verifyConsistency,
  verifyInclusion,
} from '../../audit/index.js';
import { ClearanceError, invalidInput, notFound, type Principal } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { forbidden, guarded } from '../shared/authorise.js';
import type { AuditSigner, Repositories, StoredCheckpoint } from '../shared/ports.js';
import {
  storedConsistencyProof,
  storedConsistencyProofAndRoot,
  storedInclusionProof,
} from './audit-tree.js';

/** The public face of the log: its origin and the C2SP verifier key of its checkpoints. */
export type AuditLogIdentity = Pick<AuditSigner, 'origin' | 'verifierKey'>;

export interface CheckpointView {
  origin: string;
  size: number;
  rootHash: string;
  /** The C2SP signed note: checkpoint body, blank line, signature lines. */
  note: string;
  createdAt: string;
  verifierKey: string;
}

export interface InclusionProofView {
  seq: number;
  treeSize: number;
  entry: AuditEntry;
  /** SHA-256(0x00 ‖ RFC 8785 bytes of `entry`). */
  leafHash: string;
  proof: string[];
  checkpoint: CheckpointView;
}

export interface ConsistencyProofView {
  size1: number;
  size2: number;
  /** Null when no checkpoint was signed at size1 (the caller holds that root). */
  root1: string | null;
  root2: string;
  proof: string[];
  checkpoint: CheckpointView;
}

export interface AuditEntriesPage {
  size: number;
  entries: { entry: AuditEntry; leafHash: string }[];
  /** `from` of the next page, or null at the end of the log. */
  next: number | null;
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const maxPage = 1000;

/** Entries (reasons, tickets, actors) are for auditors and admins. */
export function assertAuditReader(principal: Principal): void {
  if (principal.kind === 'system') return;
  if (principal.roles.some((b) => b.model === undefined && ['auditor', 'admin'].includes(b.role)))
    return;
  throw forbidden(
    `${principal.id} may not read the audit log: it needs the auditor or admin role.`,
    'Ask an admin to grant the auditor role.',
  );
}

/**
 * The checkpoint as served, with the verifier key that signed it: the log's current key, or —
 * for a checkpoint signed before a key rotation — the earlier key `keys` reach through handovers.
 */
export function checkpointView(
  stored: StoredCheckpoint,
  log: AuditLogIdentity,
  keys: readonly string[] = [log.verifierKey],
): CheckpointView {
  return {
    origin: log.origin,
    size: stored.size,
    rootHash: b64(stored.rootHash),
    note: stored.note,
    createdAt: stored.createdAt,
    // With one key there is nothing to find out; signatures are checked only after a rotation.
    verifierKey: (keys.length > 1 ? signedBy(stored.note, keys) : undefined) ?? log.verifierKey,
  };
}

/** Answers of {@link signedBy}, newest last; a few, as proofs are asked of the latest checkpoints. */
const signers = new Map<string, string | undefined>();
const signersKept = 64;

/**
 * `keySigning(note, keys)`, remembered: a stored checkpoint note never changes, so neither does
 * which key signed it, and every proof served against the same checkpoint would otherwise verify
 * the same Ed25519 signature again (a tenth of a millisecond here).
 */
function signedBy(note: string, keys: readonly string[]): string | undefined {
  const key = `${keys.join(' ')}\n${note}`;
  if (signers.has(key)) return signers.get(key);
  const found = keySigning(note, keys);
  signers.set(key, found);
  if (signers.size > signersKept) signers.delete(signers.keys().next().value as string);
  return found;
}

/** The keys that may have signed `checkpoint`: the current one, else those handovers reach. */
async function keysFor(
  deps: AppDeps,
  checkpoint: StoredCheckpoint,
  log: AuditLogIdentity,
): Promise<readonly string[]> {
  if (signedBy(checkpoint.note, [log.verifierKey]) !== undefined) return [log.verifierKey];
  const notes = (await deps.store.readOne((tx) => tx.checkpoints.list())).map((c) => c.note);
  return followKeyHandovers([log.verifierKey], notes).keys;
}

function noCheckpoint(): ClearanceError {
  const message = 'No audit checkpoint has been signed yet.';
  return new ClearanceError('not_found', message, {
    problems: [
      {
        message,
        fix: 'Sign one with `clearance audit checkpoint` or POST /api/v1/audit/checkpoints.',
      },
    ],
  });
}

async function checkpointAt(tx: Repositories, size: number | undefined): Promise<StoredCheckpoint> {
  if (size === undefined) {
    const latest = await tx.checkpoints.latest();
    if (!latest) throw noCheckpoint();
    return latest;
  }
  // A query such as `to=1e400` arrives as Infinity: not a size to look for, but a wrong input.
  if (!Number.isSafeInteger(size) || size < 0)
    throw invalidInput(
      `The checkpoint size ${size} is not a tree size.`,
      'Give the size of a signed checkpoint (a whole number, 0 or more), or omit it for the latest.',
    );
  const found = await tx.checkpoints.atSize(size);
  if (!found)
    throw notFound(
      `A checkpoint of size ${size}`,
      'Proofs are given against signed checkpoints; omit the size for the latest.',
    );
  return found;
}

export async function latestCheckpoint(
  deps: AppDeps,
  log: AuditLogIdentity,
): Promise<CheckpointView> {
  const latest = await deps.store.read((tx) => tx.checkpoints.latest());
  if (!latest) throw noCheckpoint();
  return checkpointView(latest, log);
}

/** Every signed checkpoint, smallest size first: what an auditor checks a fetched log against. */
export async function listCheckpoints(
  deps: AppDeps,
  log: AuditLogIdentity,
): Promise<CheckpointView[]> {
  const stored = await deps.store.read((tx) => tx.checkpoints.list());
  const { keys } = followKeyHandovers(
    [log.verifierKey],
    stored.map((c) => c.note),
  );
  return stored.map((checkpoint) => checkpointView(checkpoint, log, keys));
}

/** The audit explorer's filters (exact model, actor, action; `since` ≤ time < `until`). */
export interface AuditEntryFilters {
  model?: string | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
}

/**
 * A page of the log: oldest first from seq `from`, or newest first below seq `before`; with
 * filters, only the entries matching all of them (each an index range, see migration 0015).
 * `next` is the `from` (or `before`) of the following page, null after the last.
 */
export async function listAuditEntries(
  deps: AppDeps,
  principal: Principal,
  input: { from?: number; before?: number; limit?: number } & AuditEntryFilters,
): Promise<AuditEntriesPage> {
  const subject = { type: 'audit_log', id: 'entries' };
  await guarded(deps, { actor: principal, action: 'audit.read', subject }, async () =>
    assertAuditReader(principal),
  );
  const from = input.from ?? 0;
  const limit = Math.min(input.limit ?? 100, maxPage);
  const { before } = input;
  if (
    !Number.isSafeInteger(from) ||
    from < 0 ||
    !Number.isSafeInteger(limit) ||
    limit < 1 ||
    (before !== undefined && !(Number.isSafeInteger(before) && before >= 0))
  )
    throw invalidInput(
      'from, before and limit must be whole numbers, from and before ≥ 0 and limit ≥ 1.',
      `Use from=0&limit=${maxPage}.`,
    );
  if (before !== undefined && input.from !== undefined)
    throw invalidInput(
      'from and before cannot be combined: from pages oldest first, before newest first.',
      'Give one of them.',
    );
  const filters = {
    ...(input.model ? { model: input.model } : {}),
    ...(input.actor ? { actor: input.actor } : {}),
    ...(input.action ? { action: input.action } : {}),
    ...(input.since ? { since: instant('since', input.since) } : {}),
    ...(input.until ? { until: instant('until', input.until) } : {}),
  };
  if (filters.since !== undefined && filters.until !== undefined && filters.since > filters.until)
    throw invalidInput(
      `since (${input.since}) is after until (${input.until}): no entry can match.`,
      'Swap them: since is the start of the period, until its end.',
    );
  const filtered = before !== undefined || Object.keys(filters).length > 0;
  return deps.store.read(async (tx) => {
    const size = await tx.audit.size();
    if (filtered) {
      // One more than asked tells whether a next page exists without a count.
      const found = await tx.audit.page({
        ...filters,
        ...(before !== undefined ? { before } : { from }),
        limit: limit + 1,
      });
      const page = found.slice(0, limit);
      const last = page.at(-1)?.entry.seq;
      const next =
        found.length > limit && last !== undefined
          ? before !== undefined
            ? last
            : last + 1
          : null;
      const entries = page.map((l) => ({ entry: l.entry, leafHash: b64(l.leafHash) }));
      return { size, entries, next };
    }
    const entries: AuditEntriesPage['entries'] = [];
    for await (const logged of tx.audit.entries(from, Math.min(size, from + limit)))
      entries.push({ entry: logged.entry, leafHash: b64(logged.leafHash) });
    return { size, entries, next: from + limit < size ? from + limit : null };
  });
}

/**
 * An RFC 3339 instant as the log stores it (UTC, milliseconds), or `invalid_input`. Each field is
 * checked against the calendar: `Date` alone would read 30 February as 2 March.
 */
function instant(name: string, value: string): string {
  const rfc3339 =
    /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:Z|[+-](\d{2}):(\d{2}))$/i;
  const match = rfc3339.exec(value);
  const [year, month, day, hour, minute, second] = (match?.slice(1, 7) ?? []).map(Number);
  const [zoneHour, zoneMinute] = [match?.[8], match?.[9]].map((v) => Number(v ?? 0));
  const calendar =
    year === undefined || month === undefined || day === undefined
      ? undefined
      : new Date(Date.UTC(year, month - 1, day));
  const time = new Date(value);
  if (
    !match ||
    calendar === undefined ||
    calendar.getUTCFullYear() !== year ||
    calendar.getUTCMonth() + 1 !== month ||
    calendar.getUTCDate() !== day ||
    (hour ?? 99) > 23 ||
    (minute ?? 99) > 59 ||
    (second ?? 99) > 59 ||
    (zoneHour ?? 99) > 23 ||
    (zoneMinute ?? 99) > 59 ||
    Number.isNaN(time.getTime())
  ) {
    throw invalidInput(
      `${name} "${value}" is not an RFC 3339 instant.`,
      'Write it like 2026-03-01T09:00:00Z (a date, T, a time and a zone).',
    );
  }
  return time.toISOString();
}

/**
 * The RFC 9162 audit path of entry `seq` in the tree of a signed checkpoint (the latest unless
 * `size` names another), with the entry and the signed checkpoint, so it verifies offline.
 */
export async function inclusionProofFor(
  deps: AppDeps,
  input: { seq: number; size?: number; log: AuditLogIdentity },
): Promise<InclusionProofView> {
  const { seq } = input;
  if (!Number.isSafeInteger(seq) || seq < 0)
    throw invalidInput(
      `Entry ${seq} is not a sequence number.`,
      'Give the seq of an audit entry (0, 1, 2, …).',
    );
  const checkpoint = await deps.store.readOne((tx) => checkpointAt(tx, input.size));
  if (seq >= checkpoint.size) {
    const message = `Entry ${seq} is not covered by the checkpoint of size ${checkpoint.size}.`;
    throw new ClearanceError('precondition_failed', message, {
      problems: [
        {
          message,
          fix: 'Sign a newer checkpoint (`clearance audit checkpoint`) or wait for the scheduled one.',
        },
      ],
    });
  }
  // One statement each, no read transaction: every row read below lies under the checkpoint's
  // size, and there entries and tree nodes are final once written (the tables refuse UPDATE and
  // DELETE; a node is stored with the entry that completes it), so separate statements read what
  // one snapshot would. A row edited behind the service's back fails the checks below either way.
  const [rows, proof] = await Promise.all([
    deps.store.readOne((tx) => tx.audit.storedRows(seq, seq + 1)),
    deps.store.readOne((tx) => storedInclusionProof(tx, seq, checkpoint.size)),
  ]);
  const row = rows[0];
  const opened = row?.seq === seq ? openStoredRow(row) : undefined;
  if (opened === undefined || 'problem' in opened) throw unprovable(seq, checkpoint.size);
  const { entry, leafHash } = opened;
  const ok = verifyInclusion({
    leafIndex: seq,
    treeSize: checkpoint.size,
    leafHash,
    proof,
    root: checkpoint.rootHash,
  });
  if (!ok || entry.seq !== seq) throw unprovable(seq, checkpoint.size);
  return {
    seq,
    treeSize: checkpoint.size,
    entry,
    leafHash: b64(leafHash),
    proof: proof.map(b64),
    checkpoint: checkpointView(checkpoint, input.log, await keysFor(deps, checkpoint, input.log)),
  };
}

/** `inclusionProofFor`, for audit readers only: the proof carries the entry (reasons, tickets, actors). */
export async function proveInclusion(
  deps: AppDeps,
  principal: Principal,
  input: { seq: number; size?: number; log: AuditLogIdentity },
): Promise<InclusionProofView> {
  const subject = { type: 'audit_log', id: 'proofs' };
  return guarded(deps, { actor: principal, action: 'audit.read', subject }, async () => {
    assertAuditReader(principal);
    return inclusionProofFor(deps, input);
  });
}

/**
 * `PROOF(size1, D[size2])` (RFC 9162 §2.1.4) between a tree the caller holds and a signed
 * checkpoint (the latest unless `size2` names another).
 */
export async function consistencyProofBetween(
  deps: AppDeps,
  input: { size1: number; size2?: number; log: AuditLogIdentity },
): Promise<ConsistencyProofView> {
  const checkpoint = await deps.store.readOne((tx) => checkpointAt(tx, input.size2));
  const { size1 } = input;
  if (!Number.isSafeInteger(size1) || size1 < 0 || size1 > checkpoint.size) {
    throw invalidInput(
      `The first size ${size1} must be between 0 and the checkpoint size ${checkpoint.size}.`,
      'Give the size of a checkpoint you hold as `from`.',
    );
  }
  // As for inclusion proofs: nodes below the checkpoint's size and checkpoints are final once
  // written, so one statement each reads what one snapshot would.
  const [earlier, tree] = await Promise.all([
    deps.store.readOne((tx) => tx.checkpoints.atSize(size1)),
    deps.store.readOne(
      async (tx): Promise<{ proof: Uint8Array[]; root1?: Uint8Array }> =>
        size1 > 0
          ? storedConsistencyProofAndRoot(tx, size1, checkpoint.size)
          : { proof: await storedConsistencyProof(tx, size1, checkpoint.size) },
    ),
  ]);
  const { proof } = tree;
  // Every tree is consistent with the empty one; RFC 9162 has no proof for size1 = 0. For a
  // size no checkpoint signed, the proof is still checked against the stored tree's root there,
  // so a damaged tree yields a refusal, never a proof that cannot verify.
  if (size1 > 0) {
    const ok = verifyConsistency({
      size1,
      size2: checkpoint.size,
      root1: earlier?.rootHash ?? (tree.root1 as Uint8Array),
      root2: checkpoint.rootHash,
      proof,
    });
    if (!ok) throw unprovable(size1, checkpoint.size);
  }
  return {
    size1,
    size2: checkpoint.size,
    root1: earlier ? b64(earlier.rootHash) : null,
    root2: b64(checkpoint.rootHash),
    proof: proof.map(b64),
    checkpoint: checkpointView(checkpoint, input.log, await keysFor(deps, checkpoint, input.log)),
  };
}

function unprovable(seq: number, size: number): ClearanceError {
  const message = `The stored audit log does not match the checkpoint of size ${size}, so no proof for ${seq} is given: it was changed behind the service's back.`;
  return new ClearanceError('audit_unavailable', message, {
    problems: [{ message, fix: 'Run `clearance audit verify` to name the first bad entry.' }],
  });
}
