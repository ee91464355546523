/**
 * Offline verification of an evidence pack, trusting nothing in it but what the auditor pins: every
 * file against the manifest (SHA-256 and size, nothing unlisted), the pack digest, the checkpoint's
 * Ed25519 signature against the pinned verifier key (or a key in the pack whose fingerprint was
 * pinned), and every audit entry's RFC 9162 inclusion proof against the signed root. Every failure
 * is collected, so the auditor sees all that is wrong at once.
 */
import { createHash } from 'node:crypto';
import {
  type AuditEntry,
  checkAuditEntry,
  entryLeafHash,
  parseVerifierKey,
  type VerifierKey,
  verifyCheckpoint,
  verifyInclusion,
} from '../../audit/index.js';
import { ClearanceError, canonicalJson } from '../../domain/index.js';
import type { EvidencePackManifest } from './evidence-pack.js';
import { checkRecords } from './pack-record-bindings.js';

/** The key the auditor trusts: C2SP verifier key text(s), or the fingerprint of one. */
export type PinnedKey = { keys: string[] } | { fingerprint: string };

export type PackCheckName = 'files' | 'pack_digest' | 'checkpoint' | 'inclusion_proofs' | 'records';

export interface PackCheck {
  check: PackCheckName;
  ok: boolean;
  /** What was checked, or the first thing that failed, in one sentence. */
  summary: string;
  failures: string[];
}

export interface EvidencePackVerification {
  valid: boolean;
  model: string;
  version: string;
  packDigest: string;
  files: number;
  /** The name of the key that verified the checkpoint, when it did. */
  verifiedBy?: string;
  checkpointSize?: number;
  proofsVerified: number;
  notCovered: number[];
  checks: PackCheck[];
}

const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** `sha256:<hex>` over the verifier key text (no trailing newline): what `--key-fingerprint` pins. */
function verifierKeyFingerprint(key: string): string {
  return sha256(new TextEncoder().encode(key.trim()));
}

function unreadable(message: string, fix: string): ClearanceError {
  return new ClearanceError('invalid_input', message, { problems: [{ message, fix }] });
}

function parseManifest(bytes: Uint8Array | undefined): EvidencePackManifest {
  const fix = 'Point at the directory or .tar.gz that `clearance evidence-pack export` wrote.';
  if (!bytes) throw unreadable('The pack has no manifest.json.', fix);
  let value: unknown;
  try {
    value = JSON.parse(text(bytes));
  } catch {
    throw unreadable('The pack’s manifest.json is not JSON.', fix);
  }
  const m = value as Partial<EvidencePackManifest> | null;
  if (
    m === null ||
    typeof m !== 'object' ||
    m.format !== 'clearance-evidence-pack/v1' ||
    !Array.isArray(m.files) ||
    typeof m.audit !== 'object' ||
    m.audit === null
  )
    throw unreadable('The pack’s manifest.json is not a clearance-evidence-pack/v1 manifest.', fix);
  return m as EvidencePackManifest;
}

function checkFiles(files: ReadonlyMap<string, Uint8Array>, m: EvidencePackManifest): PackCheck {
  const failures: string[] = [];
  for (const row of m.files) {
    const bytes = files.get(row.path);
    if (!bytes) {
      failures.push(`${row.path} is missing (the manifest lists it).`);
      continue;
    }
    const digest = sha256(bytes);
    if (digest !== row.sha256 || bytes.length !== row.size)
      failures.push(
        `${row.path} hashes to ${digest} (${bytes.length} bytes); the manifest says ${row.sha256} (${row.size} bytes).`,
      );
  }
  const listed = new Set(m.files.map((r) => r.path));
  for (const path of files.keys())
    if (path !== 'manifest.json' && !listed.has(path))
      failures.push(`${path} is in the pack but not in its manifest.`);
  const summary =
    failures.length === 0
      ? `${m.files.length} files match their SHA-256 digests and sizes; none is unlisted.`
      : `${failures.length} file problem(s).`;
  return { check: 'files', ok: failures.length === 0, summary, failures };
}

function checkPackDigest(m: EvidencePackManifest): PackCheck {
  const listed = m.files.map(({ path, sha256, size }) => ({ path, sha256, size }));
  const digest = sha256(new TextEncoder().encode(canonicalJson(listed)));
  const ok = digest === m.packDigest;
  const summary = ok
    ? `The pack digest ${m.packDigest} matches the manifest's files.`
    : `The manifest's packDigest ${m.packDigest} does not match its files (${digest}).`;
  return { check: 'pack_digest', ok, summary, failures: ok ? [] : [summary] };
}

/** The keys to trust: the pinned texts, or the pack's own key when its fingerprint was pinned. */
function trustedKeys(files: ReadonlyMap<string, Uint8Array>, pinned: PinnedKey): VerifierKey[] {
  const parse = (key: string) => {
    try {
      return parseVerifierKey(key);
    } catch (error) {
      throw unreadable(
        `--key ${key} is not a C2SP verifier key: ${(error as Error).message}.`,
        'Pass the key `clearance serve` prints at start (name+keyid+base64).',
      );
    }
  };
  if ('keys' in pinned) return pinned.keys.map(parse);
  const inPack = files.get('audit/verifier-key.txt');
  if (!inPack) return [];
  const key = text(inPack).trim();
  return verifierKeyFingerprint(key) === pinned.fingerprint.trim().toLowerCase()
    ? [parse(key)]
    : [];
}

interface CheckpointOutcome {
  check: PackCheck;
  root?: Uint8Array;
  size?: number;
  verifiedBy?: string;
}

function checkCheckpoint(
  files: ReadonlyMap<string, Uint8Array>,
  m: EvidencePackManifest,
  pinned: PinnedKey,
): CheckpointOutcome {
  const fail = (summary: string): CheckpointOutcome => ({
    check: { check: 'checkpoint', ok: false, summary, failures: [summary] },
  });
  const note = files.get('audit/checkpoint.note');
  if (!note)
    return m.audit.entries === 0
      ? {
          check: {
            check: 'checkpoint',
            ok: true,
            summary: 'No audit entries to prove.',
            failures: [],
          },
        }
      : fail('The pack has no signed checkpoint (audit/checkpoint.note), so nothing is proven.');
  const keys = trustedKeys(files, pinned);
  if (keys.length === 0)
    return fail(
      'The pack’s verifier key (audit/verifier-key.txt) does not have the pinned fingerprint: the checkpoint was signed by a key you did not pin.',
    );
  const opened = verifyCheckpoint(text(note), keys);
  if (!opened.ok)
    return fail(`The checkpoint does not verify with the pinned key: ${opened.reason}.`);
  const { checkpoint } = opened;
  const root = Buffer.from(checkpoint.rootHash).toString('base64');
  const claimed = m.audit.checkpoint;
  if (claimed && (claimed.size !== checkpoint.size || claimed.rootHash !== root))
    return fail(
      `The manifest names a checkpoint of size ${claimed.size}, root ${claimed.rootHash}; the signed one has size ${checkpoint.size}, root ${root}.`,
    );
  const by = opened.verifiedBy.join(', ');
  return {
    check: {
      check: 'checkpoint',
      ok: true,
      summary: `The checkpoint (log ${checkpoint.origin}, size ${checkpoint.size}) is signed by the pinned key ${by}.`,
      failures: [],
    },
    root: checkpoint.rootHash,
    size: checkpoint.size,
    verifiedBy: by,
  };
}

interface ProofRow {
  seq: number;
  leafHash: string;
  treeSize: number;
  proof: string[];
}

function parseLines(bytes: Uint8Array | undefined, failures: string[]): AuditEntry[] {
  const entries: AuditEntry[] = [];
  const lines = text(bytes ?? new Uint8Array()).split('\n');
  lines.forEach((line, i) => {
    if (line === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      failures.push(`audit/entries.jsonl line ${i + 1} is not JSON.`);
      return;
    }
    const checked = checkAuditEntry(value);
    if (checked.ok) entries.push(checked.entry);
    else failures.push(`audit/entries.jsonl line ${i + 1} is not an audit entry.`);
  });
  return entries;
}

function parseProofs(bytes: Uint8Array | undefined, failures: string[]): ProofRow[] {
  try {
    const value = JSON.parse(text(bytes ?? new TextEncoder().encode('[]'))) as unknown;
    if (Array.isArray(value)) return value as ProofRow[];
  } catch {
    // reported below
  }
  failures.push('audit/proofs.json is not a JSON array of proofs.');
  return [];
}

function checkProofs(
  files: ReadonlyMap<string, Uint8Array>,
  m: EvidencePackManifest,
  signed: CheckpointOutcome,
): { check: PackCheck; verified: number; proven: AuditEntry[]; unproven: AuditEntry[] } {
  const failures: string[] = [];
  const proven: AuditEntry[] = [];
  const unproven: AuditEntry[] = [];
  const entries = parseLines(files.get('audit/entries.jsonl'), failures);
  const proofs = new Map(
    parseProofs(files.get('audit/proofs.json'), failures).map((p) => [p.seq, p]),
  );
  // The manifest is not signed: an entry counts as newer than the checkpoint only when its
  // sequence number says so, or an edited entry could be waved through by listing it here.
  const listedNotCovered = new Set(m.audit.notCovered);
  const isNotCovered = (seq: number) =>
    listedNotCovered.has(seq) && (signed.size === undefined || seq >= signed.size);
  const notCovered = new Set(entries.map((e) => e.seq).filter(isNotCovered));
  let verified = 0;
  for (const entry of entries) {
    if (notCovered.has(entry.seq)) {
      unproven.push(entry);
      continue;
    }
    const row = proofs.get(entry.seq);
    if (!row) {
      failures.push(`Audit entry ${entry.seq} has no inclusion proof.`);
      continue;
    }
    const leafHash = entryLeafHash(entry);
    if (Buffer.from(leafHash).toString('base64') !== row.leafHash) {
      failures.push(
        `Audit entry ${entry.seq} does not hash to its proof's leaf hash: it was edited.`,
      );
      continue;
    }
    if (signed.root === undefined || signed.size === undefined) continue;
    const ok =
      row.treeSize === signed.size &&
      Array.isArray(row.proof) &&
      verifyInclusion({
        leafIndex: entry.seq,
        treeSize: signed.size,
        leafHash,
        proof: row.proof.map((p) => new Uint8Array(Buffer.from(String(p), 'base64'))),
        root: signed.root,
      });
    if (ok) {
      verified++;
      proven.push(entry);
    } else
      failures.push(
        `Audit entry ${entry.seq}'s inclusion proof does not lead to the signed root of size ${signed.size}.`,
      );
  }
  if (entries.length !== m.audit.entries)
    failures.push(
      `audit/entries.jsonl holds ${entries.length} entries; the manifest says ${m.audit.entries}.`,
    );
  const covered = entries.filter((e) => !notCovered.has(e.seq)).length;
  const unchecked = covered > 0 && signed.root === undefined;
  const ok = failures.length === 0 && !unchecked;
  const tail =
    notCovered.size > 0 ? `; ${notCovered.size} newer than the checkpoint, not covered` : '';
  const summary = ok
    ? `${verified} audit entries proven included in the signed log${tail}.`
    : failures.length === 0
      ? 'The inclusion proofs were not checked: the checkpoint did not verify.'
      : `${failures.length} audit proof problem(s).`;
  const inOrder = (list: AuditEntry[]) => list.sort((a, b) => a.seq - b.seq);
  return {
    check: { check: 'inclusion_proofs', ok, summary, failures },
    verified,
    proven: inOrder(proven),
    unproven: inOrder(unproven),
  };
}

/**
 * The manifest is not signed, so a file swapped together with its manifest row passes the digest
 * check: each evidence file must also be the one the (proven) `evidence.attached` entries of this
 * version last recorded for its path.
 */
function evidenceBindingFailures(
  files: ReadonlyMap<string, Uint8Array>,
  m: EvidencePackManifest,
  proven: readonly AuditEntry[],
): string[] {
  const attached = new Map<string, string>();
  const subject = `${String(m.model)}@${String(m.version)}`;
  for (const entry of proven) {
    if (entry.action !== 'evidence.attached' || entry.subject.id !== subject) continue;
    const listed = (entry.data as { files?: unknown } | undefined)?.files;
    if (!Array.isArray(listed)) continue;
    for (const f of listed as { path?: unknown; digest?: unknown }[])
      if (typeof f.path === 'string' && typeof f.digest === 'string')
        attached.set(f.path, f.digest);
  }
  const failures: string[] = [];
  for (const [path, bytes] of files) {
    if (!path.startsWith('evidence/')) continue;
    const recorded = attached.get(path.slice('evidence/'.length));
    if (recorded !== sha256(bytes))
      failures.push(
        recorded === undefined
          ? `${path} is not the file the audit log records attached: no proven evidence.attached entry of ${subject} names it.`
          : `${path} is not the file the audit log records attached (${recorded}).`,
      );
  }
  for (const path of attached.keys())
    if (!files.has(`evidence/${path}`))
      failures.push(
        `evidence/${path} is missing: the audit log records it attached to ${subject}, the pack leaves it out.`,
      );
  return failures;
}

/**
 * Verifies the pack's files (by path relative to the pack directory, manifest.json included).
 * Throws `invalid_input` when it is not a pack at all or a pinned key is malformed; otherwise
 * returns every check with what failed.
 */
export function verifyEvidencePack(
  files: ReadonlyMap<string, Uint8Array>,
  pinned: PinnedKey,
): EvidencePackVerification {
  const m = parseManifest(files.get('manifest.json'));
  const signed = checkCheckpoint(files, m, pinned);
  const proofs = checkProofs(files, m, signed);
  const fileCheck = checkFiles(files, m);
  // Without a verified checkpoint nothing is proven to bind to; that failure is reported already.
  // Only proven entries bind: an entry listed as newer than the checkpoint proves nothing.
  const unbound = signed.check.ok ? evidenceBindingFailures(files, m, proofs.proven) : [];
  if (unbound.length > 0) {
    fileCheck.ok = false;
    fileCheck.failures.push(...unbound);
    fileCheck.summary = `${fileCheck.failures.length} file problem(s).`;
  }
  const checks = [
    fileCheck,
    checkPackDigest(m),
    signed.check,
    proofs.check,
    checkRecords(files, signed.check.ok ? proofs : undefined),
  ];
  return {
    valid: checks.every((c) => c.ok),
    model: String(m.model),
    version: String(m.version),
    packDigest: String(m.packDigest),
    files: m.files.length,
    ...(signed.verifiedBy === undefined ? {} : { verifiedBy: signed.verifiedBy }),
    ...(signed.size === undefined ? {} : { checkpointSize: signed.size }),
    proofsVerified: proofs.verified,
    notCovered: m.audit.notCovered,
    checks,
  };
}
