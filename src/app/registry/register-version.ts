import {
  assertTextWithin,
  canonicalJson,
  evidenceFormatLimits,
  invalidInput,
  type Lineage,
  lineageDigest,
  type Model,
  maxArtifactUriBytes,
  type Principal,
  type Version,
  type VersionView,
  valueNestingBeyond,
} from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord } from '../shared/audit-record.js';
import { assertAnyRole, guarded } from '../shared/authorise.js';
import { loadModel, loadPolicy } from '../shared/load-policy.js';
import type { Repositories } from '../shared/ports.js';
import { assertMayReadModel } from '../shared/read-access.js';

const versionPattern = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/;
const digestPattern = /^sha256:[0-9a-f]{64}$/;
/** Who may register versions of a model. */
export const versionRegistrars = ['admin', 'model_owner', 'mlops'] as const;

export interface RegisterVersionInput {
  model: string;
  version: string;
  artifactUri: string;
  artifactDigest: string;
  lineage: Lineage;
}

/** Registers an immutable version in the policy's first state (normally `draft`). */
export async function registerVersion(
  deps: AppDeps,
  principal: Principal,
  input: RegisterVersionInput,
): Promise<VersionView> {
  assertVersionInput(input);
  const subject = { type: 'version', id: `${input.model}@${input.version}` };
  return guarded(deps, { actor: principal, action: 'version.register', subject }, () =>
    deps.store.transaction(
      async (tx) => (await insertVersion(tx, { deps, principal, input })).version,
      // Its transaction reads the model and its policy, and writes this version, its state and
      // its entry (the model's version count by trigger): registrations of other versions of the
      // model run beside it (ADR 053).
      { model: input.model, newVersion: input.version },
    ),
  );
}

/** Name, digest, URI and lineage checked before anything is written. */
export function assertVersionInput(input: RegisterVersionInput): void {
  if (!versionPattern.test(input.version)) {
    throw invalidInput(
      `Version name "${input.version}" is not allowed.`,
      'Use letters, digits, ".", "_", "+" or "-".',
    );
  }
  if (!digestPattern.test(input.artifactDigest)) {
    throw invalidInput(
      `Artifact digest "${input.artifactDigest}" is not a SHA-256 digest.`,
      'Pass sha256: followed by 64 lowercase hex digits.',
    );
  }
  if (input.artifactUri.trim() === '')
    throw invalidInput('The artifact URI is empty.', 'Pass where the artifact is stored.');
  assertTextWithin({
    field: 'artifact URI',
    value: input.artifactUri,
    maxBytes: maxArtifactUriBytes,
  });
  assertStorableLineage(input.lineage);
}

/**
 * Inside the caller's transaction: the version in the policy's first state and its
 * `version.registered` entry, once the principal may read the model and register versions of it.
 */
export async function insertVersion(
  tx: Repositories,
  input: { deps: AppDeps; principal: Principal; input: RegisterVersionInput },
): Promise<{ model: Model; version: VersionView }> {
  const { deps, principal } = input;
  const fields = input.input;
  // Before the model is read: a missing one and an unreadable one are refused alike (ADR 040).
  assertMayReadModel({ principal, model: fields.model });
  const model = await loadModel(tx, fields.model);
  assertAnyRole({
    principal,
    model: model.name,
    roles: versionRegistrars,
    action: 'register a version',
  });
  const policy = await loadPolicy(tx, model.policyDigest);
  const time = deps.clock.now().toISOString();
  const version: Version = { ...fields, createdAt: time, createdBy: principal.id };
  const state = policy.states[0] ?? 'draft';
  // One write for the version and its entry: on PostgreSQL one statement, not two (ADR 026).
  await tx.versions.insertLogged(
    version,
    { model: model.name, version: fields.version, state, since: time },
    auditRecord({
      actor: principal,
      time,
      action: 'version.registered',
      subject: { type: 'version', id: `${fields.model}@${fields.version}` },
      digests: {
        artifact: fields.artifactDigest,
        policy: model.policyDigest,
        lineage: lineageDigest(fields.lineage),
      },
      data: { artifactUri: fields.artifactUri, state },
    }),
  );
  return { model, version: { ...version, state, stateSince: time } };
}

const lineageFix =
  'Send lineage as an object of scalar fields, e.g. {"codeCommit": "9f2c1e7", "seed": 42}.';

/** The lineage fields rules read (the trainer's separation of duties, reproducibility), by type. */
const textFields = [
  'codeCommit',
  'dataSnapshotId',
  'configDigest',
  'trainingRunId',
  'trainedBy',
  'baseModel',
] as const;

/**
 * A rule compares `trainedBy` with a person's id: an array or object there would never match
 * and let the trainer approve, so each named field has its domain type or the version is refused
 * (the API's schema says the same; this holds for every edge).
 */
function assertLineageFieldTypes(lineage: Record<string, unknown>): void {
  for (const field of textFields) {
    const value = lineage[field];
    if (value !== undefined && typeof value !== 'string')
      throw invalidInput(`The lineage's ${field} is not text.`, lineageFix);
  }
  const seed = lineage.seed;
  if (seed !== undefined && typeof seed !== 'string' && typeof seed !== 'number')
    throw invalidInput("The lineage's seed is neither a number nor text.", lineageFix);
}

/**
 * The lineage is stored and returned with every listing of the model's versions, so one that
 * cannot be serialised, or is nested or sized beyond the evidence limits, is refused here.
 */
export function assertStorableLineage(lineage: unknown): void {
  if (typeof lineage !== 'object' || lineage === null || Array.isArray(lineage)) {
    throw invalidInput('The lineage is not a JSON object.', lineageFix);
  }
  assertLineageFieldTypes(lineage as Record<string, unknown>);
  const { maxNesting, maxLineageBytes } = evidenceFormatLimits;
  const deep = valueNestingBeyond(lineage);
  if (deep !== undefined) {
    const at = deep.length > 60 ? `${deep.slice(0, 60)}…` : deep;
    throw invalidInput(
      `The lineage nests arrays and objects more than ${maxNesting} levels deep (at ${at}).`,
      lineageFix,
    );
  }
  let text: string;
  try {
    text = canonicalJson(lineage);
  } catch (error) {
    const reason = (error as Error).message.replace(/^canonicalJson: /, '');
    throw invalidInput(`The lineage cannot be stored as JSON: ${reason}.`, lineageFix);
  }
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > maxLineageBytes) {
    throw invalidInput(
      `The lineage is ${bytes} bytes as JSON; at most ${maxLineageBytes} are stored.`,
      'Keep lineage to identifying fields (commit, snapshot, config digest, seed, run); attach larger records as evidence.',
    );
  }
}
