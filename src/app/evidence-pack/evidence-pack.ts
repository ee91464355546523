/**
 * The evidence pack: a self-contained bundle for auditors about one version — its record and
 * lineage, every evidence file as stored (digests verified), the policy texts in force for its
 * decisions, its requests, decisions and approvals, the audit entries that concern it with RFC 9162
 * inclusion proofs against the latest signed checkpoint, an HTML evaluation report, and a manifest
 * of SHA-256 digests. The server streams it (`streamEvidencePack`: evidence blobs are read as the
 * archive reaches them, never whole); the CLI builds it in memory and writes it to a directory.
 */
import { createHash } from 'node:crypto';
import {
  type Approval,
  ClearanceError,
  canonicalJson,
  type DecisionRecord,
  type EvidenceRecord,
  evidenceSetDigest,
  notFound,
  type Principal,
  type TransitionRequest,
  type VersionView,
} from '../../domain/index.js';
import type { AuditLogIdentity } from '../audit-log/audit-proofs.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord } from '../shared/audit-record.js';
import type { Repositories } from '../shared/ports.js';
import { guardedRead } from '../shared/read-access.js';
import { type PackAudit, packAudit } from './evidence-pack-audit.js';
import { renderPackReport } from './evidence-pack-report.js';

const evidencePackFormat = 'clearance-evidence-pack/v1';

export interface EvidencePackInput {
  model: string;
  version: string;
  /** The log's origin and verifier key, to include with the signed checkpoint. */
  log?: AuditLogIdentity;
  /** Written into the manifest as the generator version. */
  generatorVersion?: string;
}

export interface PackFile {
  /** Relative, forward slashes. */
  path: string;
  bytes: Uint8Array;
  /** `sha256:<hex>` of `bytes`. */
  digest: string;
}

export interface ManifestFile {
  path: string;
  sha256: string;
  size: number;
}

export interface EvidencePackManifest {
  format: typeof evidencePackFormat;
  generator: { name: 'clearance'; version: string };
  createdAt: string;
  createdBy: string;
  model: string;
  version: string;
  /** Every file of the pack except manifest.json, sorted by path. */
  files: ManifestFile[];
  /** `sha256:` over the RFC 8785 canonical JSON of `files`. */
  packDigest: string;
  policies: string[];
  audit: {
    entries: number;
    proven: number;
    /** Entries appended after the latest checkpoint: listed, but without an inclusion proof. */
    notCovered: number[];
    checkpoint: { origin?: string; size: number; rootHash: string; createdAt: string } | null;
    verifierKey?: string;
  };
}

export interface EvidencePack {
  manifest: EvidencePackManifest;
  /** Every file, manifest.json last. */
  files: PackFile[];
}

/**
 * An evidence file of a streamed pack: listed by its recorded digest and size, its blob read only
 * as the archive reaches it and checked as it streams (BlobStore.stream).
 */
export interface StreamedPackFile {
  path: string;
  digest: string;
  size: number;
  chunks(): Promise<AsyncIterable<Uint8Array>>;
}

/** The same pack with its evidence left in the blob store until the archive is written. */
export interface StreamedEvidencePack {
  manifest: EvidencePackManifest;
  /** Every file, manifest.json last. */
  files: (PackFile | StreamedPackFile)[];
}

const encoder = new TextEncoder();
const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

function file(path: string, content: Uint8Array | string): PackFile {
  const bytes = typeof content === 'string' ? encoder.encode(content) : content;
  return { path, bytes, digest: sha256(bytes) };
}

interface Gathered {
  version: VersionView;
  evidence: EvidenceRecord[];
  requests: TransitionRequest[];
  approvals: Approval[];
  decisions: DecisionRecord[];
  policies: { digest: string; text: string }[];
  audit: PackAudit;
}

async function gather(tx: Repositories, input: EvidencePackInput): Promise<Gathered> {
  const version = await tx.versions.get(input.model, input.version);
  if (!version)
    throw notFound(`Version ${input.model}@${input.version}`, 'Check the model and version names.');
  const evidence = await tx.evidence.list(input.model, input.version);
  const requests = (await tx.requests.list({ model: input.model })).filter(
    (r) => r.version === input.version,
  );
  const approvals: Approval[] = [];
  for (const r of requests) approvals.push(...(await tx.approvals.list(r.id)));
  const decisions = (await tx.decisions.list({ model: input.model }))
    .filter((d) => d.version === input.version)
    .sort((a, b) => a.at.localeCompare(b.at));
  const digests = new Set([
    ...decisions.map((d) => d.policyDigest),
    ...requests.map((r) => r.policyDigest),
  ]);
  if (digests.size === 0) {
    const model = await tx.models.get(input.model);
    if (model) digests.add(model.policyDigest);
  }
  const policies: Gathered['policies'] = [];
  for (const digest of [...digests].sort()) {
    const record = await tx.policies.get(digest);
    if (record) policies.push({ digest, text: record.text });
  }
  const audit = await packAudit(tx, {
    model: input.model,
    version: input.version,
    requestIds: new Set(requests.map((r) => r.id)),
    decisionIds: new Set(decisions.map((d) => d.id)),
    policyDigests: digests,
    digests: new Set([
      version.artifactDigest,
      evidenceSetDigest(evidence),
      ...decisions.map((d) => d.evidenceDigest),
    ]),
  });
  return { version, evidence, requests, approvals, decisions, policies, audit };
}

function changedBlob(item: EvidenceRecord, now: string): ClearanceError {
  const message = `Stored evidence ${item.path} (${item.digest}) now ${now}: the blob store was changed.`;
  return new ClearanceError('precondition_failed', message, {
    problems: [{ message, fix: 'Restore the blob from a backup; evidence is immutable.' }],
  });
}

/** Every evidence blob read whole and checked (the CLI's pack, written to a directory). */
async function evidenceFiles(deps: AppDeps, evidence: readonly EvidenceRecord[]) {
  const files: PackFile[] = [];
  for (const item of evidence) {
    const bytes = await deps.blobs.get(item.digest);
    const digest = sha256(bytes);
    if (digest !== item.digest || bytes.length !== item.size)
      throw changedBlob(item, `hashes to ${digest}`);
    files.push({ path: `evidence/${item.path}`, bytes, digest });
  }
  return files;
}

/**
 * The evidence to stream: each blob must be there before the download starts (a missing one is
 * refused with a status, not a cut-off archive); its bytes are read and checked as it streams.
 */
async function streamedEvidenceFiles(deps: AppDeps, evidence: readonly EvidenceRecord[]) {
  await assertBlobsPresent(deps, evidence);
  return evidence.map(
    (item): StreamedPackFile => ({
      path: `evidence/${item.path}`,
      digest: item.digest,
      size: item.size,
      chunks: async () => {
        const blob = await deps.blobs.stream(item.digest);
        if (blob.size !== item.size) {
          // Opened, never read: closing it gives back its file handle or connection.
          await blob.chunks[Symbol.asyncIterator]().return?.();
          throw changedBlob(item, `holds ${blob.size} bytes`);
        }
        return blob.chunks;
      },
    }),
  );
}

async function assertBlobsPresent(deps: AppDeps, evidence: readonly EvidenceRecord[]) {
  for (const item of evidence)
    if (!(await deps.blobs.has(item.digest)))
      throw notFound(`Blob ${item.digest} of evidence ${item.path}`, 'Restore it from a backup.');
}

const sizeOf = (f: PackFile | StreamedPackFile) => ('bytes' in f ? f.bytes.length : f.size);

function safeName(digest: string): string {
  return digest.replace(':', '-');
}

/** Assembles the pack's files and manifest from what was read. */
function assemble<Extra extends PackFile | StreamedPackFile>(
  g: Gathered,
  extra: Extra[],
  meta: Omit<EvidencePackManifest, 'files' | 'packDigest' | 'policies' | 'audit'> & {
    log?: AuditLogIdentity | undefined;
  },
): { manifest: EvidencePackManifest; files: (PackFile | Extra)[] } {
  const { checkpoint } = g.audit;
  const { log, ...head } = meta;
  const files: (PackFile | Extra)[] = [
    file('version.json', json(g.version)),
    ...extra,
    ...g.policies.map((p) => file(`policy/${safeName(p.digest)}.yaml`, p.text)),
    file('decisions.json', json(g.decisions)),
    file('approvals.json', json(g.approvals)),
    file('requests.json', json(g.requests)),
    file('audit/entries.jsonl', g.audit.entries.map((e) => `${canonicalJson(e)}\n`).join('')),
    file('audit/proofs.json', json(g.audit.proofs)),
    ...(checkpoint ? [file('audit/checkpoint.note', checkpoint.note)] : []),
    ...(log ? [file('audit/verifier-key.txt', `${log.verifierKey}\n`)] : []),
    file('report.html', renderPackReport({ ...g, createdAt: meta.createdAt })),
  ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const listed = files.map((f) => ({ path: f.path, sha256: f.digest, size: sizeOf(f) }));
  const manifest: EvidencePackManifest = {
    ...head,
    files: listed,
    packDigest: sha256(encoder.encode(canonicalJson(listed))),
    policies: g.policies.map((p) => p.digest),
    audit: {
      entries: g.audit.entries.length,
      proven: g.audit.proofs.length,
      notCovered: g.audit.notCovered,
      checkpoint: checkpoint
        ? {
            ...(log ? { origin: log.origin } : {}),
            size: checkpoint.size,
            rootHash: Buffer.from(checkpoint.rootHash).toString('base64'),
            createdAt: checkpoint.createdAt,
          }
        : null,
      ...(log ? { verifierKey: log.verifierKey } : {}),
    },
  };
  return { manifest, files: [...files, file('manifest.json', json(manifest))] };
}

/**
 * Builds the evidence pack of one version. Whoever may read the model's decisions may export it
 * (a role that holds for the model: global roles, auditor and admin included): the pack is the
 * version's decisions with the evidence, approvals and log entries behind them, scoped to that one
 * model. A refusal is audited as `access.denied`.
 * The export is recorded as `evidence_pack.exported` with the pack digest.
 */
export function buildEvidencePack(
  deps: AppDeps,
  principal: Principal,
  input: EvidencePackInput,
): Promise<EvidencePack> {
  return exportPack(deps, principal, input, evidenceFiles);
}

/**
 * `buildEvidencePack` for a download: the same manifest and files, but each evidence blob is only
 * checked to be there; its bytes are read, and checked against its digest, as the archive is
 * written. So a pack's memory is its records, not its evidence.
 */
export function streamEvidencePack(
  deps: AppDeps,
  principal: Principal,
  input: EvidencePackInput,
): Promise<StreamedEvidencePack> {
  return exportPack(deps, principal, input, streamedEvidenceFiles);
}

/**
 * What a `HEAD` of the download answers from: the same refusals `streamEvidencePack` would give
 * (access, an unknown version, a blob missing from the store), found without reading a blob or
 * writing an export entry — nothing is exported. A refusal is audited as `access.denied`, as on
 * any read.
 */
export async function checkEvidencePack(
  deps: AppDeps,
  principal: Principal,
  input: Pick<EvidencePackInput, 'model' | 'version'>,
): Promise<void> {
  await mayExport(deps, principal, input);
  const evidence = await deps.store.read(async (tx) => {
    if (!(await tx.versions.get(input.model, input.version)))
      throw notFound(
        `Version ${input.model}@${input.version}`,
        'Check the model and version names.',
      );
    return tx.evidence.list(input.model, input.version);
  });
  await assertBlobsPresent(deps, evidence);
}

async function mayExport(
  deps: AppDeps,
  principal: Principal,
  input: Pick<EvidencePackInput, 'model' | 'version'>,
): Promise<{ type: string; id: string }> {
  const id = `${input.model}@${input.version}`;
  const subject = { type: 'version', id };
  await guardedRead(
    deps,
    {
      principal,
      action: 'evidence_pack.export',
      subject,
      model: input.model,
      what: `the evidence pack of ${id}`,
    },
    async () => undefined,
  );
  return subject;
}

async function exportPack<Extra extends PackFile | StreamedPackFile>(
  deps: AppDeps,
  principal: Principal,
  input: EvidencePackInput,
  evidenceOf: (deps: AppDeps, evidence: readonly EvidenceRecord[]) => Promise<Extra[]>,
): Promise<{ manifest: EvidencePackManifest; files: (PackFile | Extra)[] }> {
  const subject = await mayExport(deps, principal, input);
  const gathered = await deps.store.read((tx) => gather(tx, input));
  const evidence = await evidenceOf(deps, gathered.evidence);
  const createdAt = deps.clock.now().toISOString();
  const pack = assemble(gathered, evidence, {
    format: evidencePackFormat,
    generator: { name: 'clearance', version: input.generatorVersion ?? '0.1.0' },
    createdAt,
    createdBy: principal.id,
    model: input.model,
    version: input.version,
    log: input.log,
  });
  await deps.store.transaction(async (tx) => {
    await tx.audit.append(
      auditRecord({
        actor: principal,
        time: createdAt,
        action: 'evidence_pack.exported',
        subject,
        digests: { pack: pack.manifest.packDigest, artifact: gathered.version.artifactDigest },
        data: {
          files: pack.manifest.files.length,
          auditEntries: pack.manifest.audit.entries,
          checkpointSize: pack.manifest.audit.checkpoint?.size ?? null,
        },
      }),
    );
  });
  return pack;
}
