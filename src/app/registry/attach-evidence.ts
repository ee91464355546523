import {
  ClearanceError,
  checkEvidenceContent,
  checkEvidencePaths,
  checkMediaType,
  classifyEvidenceFile,
  displayEvidencePath,
  type EvidenceRecord,
  evidenceMediaType,
  evidenceSetDigest,
  invalidInput,
  type Model,
  notFound,
  type Principal,
  type TransitionRequest,
  type VersionView,
} from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord } from '../shared/audit-record.js';
import { assertAnyRole, guarded } from '../shared/authorise.js';
import { readLineageBytes } from '../shared/lineage-readings.js';
import { loadModel, loadPolicy } from '../shared/load-policy.js';
import { mapLimited } from '../shared/map-limited.js';
import type { Repositories } from '../shared/ports.js';
import { assertMayReadModel } from '../shared/read-access.js';
import { startedEarly, together } from '../shared/read-together.js';
import { versionRegistrars } from './register-version.js';
import { assertWithinUploadQuota, chargedBytes, recordUploads } from './upload-quota.js';

/** Evidence files a version may hold when the configuration says nothing else. */
const defaultEvidenceFilesPerVersion = 1000;

/** Blobs stored at once by one attach: enough to overlap writes, few descriptors. */
const storingAtOnce = 8;

export interface EvidenceFile {
  path: string;
  bytes: Uint8Array;
  mediaType?: string;
}

/**
 * Stores the files' bytes by digest and attaches them to a version. Evidence is fixed once a
 * decision may rest on it (ADR 007): a version in production (every promotion's baseline) or
 * named by an open or executed request takes no more evidence. Re-attaching an identical file
 * under the same path is a no-op.
 */
export async function attachEvidence(
  deps: AppDeps,
  principal: Principal,
  input: { model: string; version: string; files: EvidenceFile[] },
): Promise<EvidenceRecord[]> {
  if (input.files.length === 0)
    throw invalidInput('No evidence files were given.', 'Pass at least one file.');
  const paths = input.files.map((f) => f.path);
  // Paths and format limits are judged before any byte is stored: alone first (no I/O), then
  // against the version's other paths.
  assertEvidenceFiles(input.files);
  // Nothing reaches the blob store before the caller is known to be allowed to attach here, and
  // the paths are known to fit beside the version's other evidence.
  await assertMayAttachEvidence(deps, principal, {
    model: input.model,
    version: input.version,
    paths,
  });
  // Recorded before the bytes are stored: the quota counts them, and blob collection keeps them
  // through its grace period while this attach is in flight.
  await recordUploads(deps, principal, input.files);
  const stored = await storeBlobs(deps, input.files);
  rememberLineage(deps, input.files, stored);
  const subject = { type: 'version', id: `${input.model}@${input.version}` };
  const context = { actor: principal, action: 'evidence.attach', subject };
  return guarded(deps, context, () =>
    deps.store.transaction(
      async (tx) => {
        // Again under the model's lock: another upload may have added a clashing path meanwhile.
        // The version's requests, for the check that its evidence is still open, asked for with
        // the model's lock and the version (ADR 049: one round trip); used for the version found.
        const named = { model: input.model, version: input.version };
        const naming = startedEarly(tx.requests.list({ ...named, status: decidedOrOpen }));
        const { model, version, existing } = await loadTarget(tx, {
          ...input,
          deps,
          principal,
          paths,
          forUpdate: true,
        });
        const files = input.files;
        return insertEvidence(tx, {
          deps,
          principal,
          model,
          version,
          existing,
          files,
          stored,
          naming: { ...named, read: naming },
        });
      },
      { model: input.model },
    ),
  );
}

/** The files' bytes in the blob store, a few at a time; one result per file, in order. */
export function storeBlobs(
  deps: Pick<AppDeps, 'blobs'>,
  files: readonly EvidenceFile[],
): Promise<StoredBlob[]> {
  return mapLimited(files, storingAtOnce, (f) => deps.blobs.put(f.bytes));
}

/**
 * Refuses (`invalid_input`) evidence that would take a version over its number of files
 * (`maxEvidenceFilesPerVersion`): the files already attached count, a path attached already does
 * not count again. Every gate run of the version reads every file.
 */
export function assertEvidenceFileCount(
  deps: Pick<AppDeps, 'evidenceFilesPerVersion'>,
  input: { id: string; existing: readonly string[]; paths: readonly string[] },
): void {
  const limit = deps.evidenceFilesPerVersion ?? defaultEvidenceFilesPerVersion;
  const attached = new Set(input.existing);
  const added = new Set(input.paths.filter((p) => !attached.has(p))).size;
  if (added === 0 || attached.size + added <= limit) return;
  const message = `Version ${input.id} would hold ${attached.size + added} evidence files (${attached.size} attached, ${added} new); at most ${limit} are allowed per version.`;
  throw new ClearanceError('invalid_input', message, {
    problems: [
      {
        message,
        fix: 'Combine small files (one JSON or CSV file holds many records), or ask an operator to raise maxEvidenceFilesPerVersion.',
      },
    ],
  });
}

/**
 * Lineage files' trainers, read from the bytes at hand (ADR 020): the approvals and the execution
 * that follow then need not read them back from the blob store. Kept by digest, the reading holds
 * whether or not this attach commits.
 */
function rememberLineage(
  deps: AppDeps,
  files: readonly EvidenceFile[],
  stored: readonly StoredBlob[],
): void {
  const readings = deps.lineageReadings;
  if (readings === undefined) return;
  for (const [i, file] of files.entries()) {
    const blob = stored[i];
    if (blob && classifyEvidenceFile(file.path).kind === 'lineage') {
      readings.remember(blob.digest, readLineageBytes(file.bytes));
    }
  }
}

/**
 * The files' paths, given media types and format limits on their own, before any I/O: every
 * problem at once.
 */
export function assertEvidenceFiles(files: readonly EvidenceFile[]): void {
  assertEvidencePaths(
    [],
    files.map((f) => f.path),
  );
  refuse(
    files.flatMap((f) => {
      const problem = mediaTypeProblem(f) ?? checkEvidenceContent(f.path, f.bytes);
      return problem ? [problem] : [];
    }),
  );
}

/**
 * A given media type is served as the file's `Content-Type` on every download, and evidence rows
 * are never changed: one a header cannot carry is refused here, not stored for good.
 */
function mediaTypeProblem(file: EvidenceFile): { message: string; fix: string } | undefined {
  if (file.mediaType === undefined) return undefined;
  const problem = checkMediaType(file.mediaType);
  if (problem === undefined) return undefined;
  const shown = JSON.stringify(file.mediaType.slice(0, 60));
  const more = file.mediaType.length > 60 ? '…' : '';
  return {
    message: `The media type ${shown}${more} of evidence file ${displayEvidencePath(file.path)} is not an RFC 9110 media type: ${problem}.`,
    fix: 'Give type/subtype with optional ;name=value parameters in ASCII, at most 255 characters (text/csv; charset=utf-8), or leave mediaType out to infer it from the path.',
  };
}

/** Bytes already in the blob store, one per file in order. */
export type StoredBlob = { digest: string; size: number };

/**
 * Inside the caller's transaction, under the model's lock: the files' records (an identical file
 * under the same path is skipped) and one `evidence.attached` entry; refused once the version's
 * evidence is fixed. The bytes are in the blob store already (`stored`, one per file).
 */
export async function insertEvidence(
  tx: Repositories,
  input: {
    deps: AppDeps;
    principal: Principal;
    model: Model;
    version: VersionView;
    existing: readonly EvidenceRecord[];
    files: readonly EvidenceFile[];
    stored: readonly StoredBlob[];
    /** The open or executed requests of `model`@`version`, asked for earlier in `tx`. */
    naming?: { model: string; version: string; read: Promise<TransitionRequest[]> };
  },
): Promise<EvidenceRecord[]> {
  const { deps, principal, model, version, existing } = input;
  const naming =
    input.naming?.model === version.model && input.naming.version === version.version
      ? input.naming.read
      : undefined;
  const time = deps.clock.now().toISOString();
  const added: EvidenceRecord[] = [];
  for (const [i, file] of input.files.entries()) {
    const blob = input.stored[i];
    if (!blob) throw new Error('blob result missing');
    const same = existing.find((e) => e.path === file.path && e.digest === blob.digest);
    if (same) continue;
    if (added.length === 0) {
      await assertEvidenceOpen(tx, version, await initialStateOf(tx, model), naming);
    }
    const record: EvidenceRecord = {
      model: model.name,
      version: version.version,
      kind: classifyEvidenceFile(file.path).kind,
      path: file.path,
      digest: blob.digest,
      size: blob.size,
      mediaType: file.mediaType ?? evidenceMediaType(file.path),
      attachedAt: time,
      attachedBy: principal.id,
    };
    added.push(record);
  }
  if (added.length === 0) return [];
  // The records and their audit entry, sent together (ADR 049).
  await together([
    tx.evidence.insert(...added),
    tx.audit.append(
      auditRecord({
        actor: principal,
        time,
        action: 'evidence.attached',
        subject: { type: 'version', id: `${model.name}@${version.version}` },
        digests: { evidence: evidenceSetDigest([...existing, ...added]) },
        data: { files: added.map((r) => ({ path: r.path, kind: r.kind, digest: r.digest })) },
      }),
    ),
  ]);
  return added;
}

/**
 * Refuses (audited `access.denied` for a model the principal may not read, existing or not, or a
 * missing role; `not_found` for a missing model or version; `invalid_input` for `paths` that
 * clash with the version's evidence) unless the principal may attach evidence to the version;
 * writes nothing else. The HTTP edge calls it before reading an upload's body, and
 * `attachEvidence` before storing any bytes; the transaction that attaches checks again.
 */
export async function assertMayAttachEvidence(
  deps: AppDeps,
  principal: Principal,
  input: {
    model: string;
    version: string;
    paths?: string[];
    /** Bytes about to be uploaded: refused (`quota_exceeded`) when over the caller's quota. */
    bytes?: number;
  },
): Promise<void> {
  const subject = { type: 'version', id: `${input.model}@${input.version}` };
  // A check the attaching transaction repeats: no read transaction (ADR 042).
  await guarded(deps, { actor: principal, action: 'evidence.attach', subject }, () =>
    deps.store.readAhead((tx) =>
      loadTarget(tx, {
        deps,
        model: input.model,
        version: input.version,
        principal,
        paths: input.paths ?? [],
      }),
    ),
  );
  if (input.bytes !== undefined) {
    await assertWithinUploadQuota(deps, principal, chargedBytes(input.bytes));
  }
}

/** The model and the version's evidence, once the principal may attach and the paths fit. */
async function loadTarget(
  tx: Repositories,
  input: {
    deps: Pick<AppDeps, 'evidenceFilesPerVersion'>;
    model: string;
    version: string;
    principal: Principal;
    paths: string[];
    forUpdate?: boolean;
  },
): Promise<{ model: Model; version: VersionView; existing: EvidenceRecord[] }> {
  // Before the model is read: a missing one and an unreadable one are refused alike (ADR 040).
  assertMayReadModel({ principal: input.principal, model: input.model });
  // The version and its evidence, asked for with the model by the names given (ADR 049): a model
  // is found only by its exact name, so they are the found model's.
  const existingRead = startedEarly(tx.evidence.list(input.model, input.version));
  const versionRead = startedEarly(tx.versions.get(input.model, input.version));
  const model = await loadModel(tx, input.model, { forUpdate: input.forUpdate ?? false });
  assertAnyRole({
    principal: input.principal,
    model: model.name,
    roles: versionRegistrars,
    action: 'attach evidence',
  });
  const version = await versionRead;
  if (!version) {
    throw notFound(
      `Version ${model.name}@${input.version}`,
      'Register the version before attaching evidence.',
    );
  }
  const existing = await existingRead;
  const existingPaths = existing.map((e) => e.path);
  assertEvidencePaths(existingPaths, input.paths);
  assertEvidenceFileCount(input.deps, {
    id: `${model.name}@${version.version}`,
    existing: existingPaths,
    paths: input.paths,
  });
  return { model, version, existing };
}

/** Throws `invalid_input` naming every refused path and the rule it breaks. */
function assertEvidencePaths(existing: string[], added: string[]): void {
  refuse(checkEvidencePaths({ existing, added }));
}

/** Throws `invalid_input` listing every problem; the message leads with the first. */
function refuse(problems: readonly { message: string; fix: string }[]): void {
  const first = problems[0];
  if (!first) return;
  const message =
    problems.length === 1
      ? `${first.message} ${first.fix}`
      : `${problems.length} evidence files are refused; the first: ${first.message} ${first.fix}`;
  throw new ClearanceError('invalid_input', message, {
    problems: problems.map((p) => ({ message: p.message, fix: p.fix })),
  });
}

/**
 * Refuses new evidence for a version a decision rests on: the production version (the baseline
 * of every promotion of the model) and a version named by an open or executed request. Changing
 * it would change an outcome after sign-off (issue 7, finding 3); a new version is the way.
 */
async function assertEvidenceOpen(
  tx: Repositories,
  version: VersionView,
  initialState: string,
  naming?: Promise<TransitionRequest[]>,
): Promise<void> {
  const id = `${version.model}@${version.version}`;
  const fix = `Register a new version with the evidence (e.g. ${version.version}.1) and request it; ${id} keeps the evidence it was judged on.`;
  if (version.state === 'production') {
    const message = `Version ${id} is in production: its evidence is the baseline every promotion is compared with and takes no more files.`;
    throw new ClearanceError('conflict', message, { problems: [{ message, fix }] });
  }
  // The version's own requests only: the model's whole history of requests was read here before.
  const requests =
    (await naming) ??
    (await tx.requests.list({
      model: version.model,
      version: version.version,
      status: decidedOrOpen,
    }));
  // An open request first: it is the one the caller is most likely working on.
  const named = requests.find((r) => r.status !== 'executed') ?? requests[0];
  if (named) {
    const message = `Version ${id} is named by ${named.status} request ${named.id} (${named.from} → ${named.to}): its evidence is fixed once a request rests on it.`;
    throw new ClearanceError('conflict', message, { problems: [{ message, fix }] });
  }
  // Every state after the first is reached by a decision (an executed request or an import):
  // a deprecated rollback target, for one, may return to production as it is.
  if (version.state !== initialState) {
    const message = `Version ${id} is ${version.state}: a decision moved it there, so its evidence is fixed.`;
    throw new ClearanceError('conflict', message, { problems: [{ message, fix }] });
  }
}

/** The requests that fix a version's evidence: open ones and executed ones. */
const decidedOrOpen: TransitionRequest['status'][] = ['pending', 'approved', 'executed'];

/** The state a version is registered in: the policy's first. */
async function initialStateOf(tx: Repositories, model: Model): Promise<string> {
  return (await loadPolicy(tx, model.policyDigest)).states[0] ?? 'draft';
}
