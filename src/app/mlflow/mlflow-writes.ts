/**
 * MLflow's registrations through Clearance's own use cases: a registered model is a model under a
 * registered policy (named by tag), a model version is a draft version whose lineage comes from
 * MLflow's `run_id`, `source` and tags. No second write path: authorisation and audit are theirs.
 */
import { createHash } from 'node:crypto';
import {
  ClearanceError,
  canonicalJson,
  invalidInput,
  type Lineage,
  notFound,
  type Principal,
} from '../../domain/index.js';
import type { EvidenceFile } from '../registry/attach-evidence.js';
import { getModel } from '../registry/queries.js';
import { assertModelInput, insertModel } from '../registry/register-model.js';
import { parsePolicyText } from '../registry/register-policy.js';
import { registerVersionWithEvidence } from '../registry/register-version-with-evidence.js';
import type { AppDeps } from '../shared/app-deps.js';
import { assertAnyRole, guarded } from '../shared/authorise.js';
import type { NumberingNames } from '../shared/ports.js';
import { guardedModelAccess } from '../shared/read-access.js';
import { assertTagCount } from './metadata-limits.js';
import { tagRecord } from './mlflow-input.js';
import { assertSource, assertTag, writeModelTag } from './mlflow-metadata.js';
import { getRegisteredModel } from './mlflow-queries.js';
import {
  type MlflowModelVersion,
  type MlflowRegisteredModel,
  type MlflowTag,
  toMlflowVersion,
} from './mlflow-shapes.js';

/** Tags Clearance reads when MLflow creates a model or a version. */
const clearanceTags = {
  policy: 'clearance.policy',
  ownerTeam: 'clearance.owner_team',
  artifactDigest: 'clearance.artifact_digest',
  lineagePrefix: 'clearance.lineage.',
  /** MLflow's own tag for the commit a run was trained from. */
  gitCommit: 'mlflow.source.git.commit',
} as const;

export interface CreateRegisteredModelInput {
  name: string;
  description?: string | undefined;
  tags?: readonly MlflowTag[] | undefined;
}

/**
 * A model needs the policy that governs it: tag `clearance.policy` names a registered policy by
 * digest (`clearance policy register` prints it); `clearance.owner_team` names the owner (else
 * the caller). Admins only, as for any model. The model, its other tags and every audit entry are
 * written in one transaction: a tag refused (too long a key, …) leaves no model behind.
 */
export async function createRegisteredModel(
  deps: AppDeps,
  principal: Principal,
  input: CreateRegisteredModelInput,
): Promise<MlflowRegisteredModel> {
  const tags = tagRecord(input.tags);
  // Other tags are kept as MLflow keeps them (0013); clearance.* ones are read, not stored.
  const kept = Object.entries(tags).filter(([key]) => !key.startsWith('clearance.'));
  for (const [key, value] of kept) assertTag(key, value);
  assertTagCount({ deps, model: input.name, count: kept.length });
  const subject = { type: 'model', id: input.name };
  // Before the name is looked up: a caller who may not read it learns nothing of it (ADR 040).
  const access = { principal, model: input.name, action: 'model.register', subject };
  await guardedModelAccess(deps, access);
  await assertNotRegistered(deps, principal, input.name);
  const digest = tags[clearanceTags.policy];
  if (digest === undefined) {
    throw invalidInput(
      `Registered model ${input.name} needs the policy that governs it.`,
      `Pass tag ${clearanceTags.policy} with a registered policy's digest, or have an admin register the model with \`clearance model register\`.`,
    );
  }
  const policy = await deps.store.readOne((tx) => tx.policies.get(digest));
  if (!policy) throw notFound(`Policy ${digest}`, 'Register the policy first and pass its digest.');
  const parsed = parsePolicyText({ text: policy.text });
  const model = {
    name: input.name,
    ownerTeam: tags[clearanceTags.ownerTeam] ?? principal.id,
    riskTier: parsed.policy.metadata.riskTier,
    policyDigest: digest,
    ...(input.description ? { description: input.description } : {}),
  };
  assertModelInput(model);
  await guarded(deps, { actor: principal, action: 'model.register', subject }, () =>
    deps.store.transaction(async (tx) => {
      assertAnyRole({ principal, model: input.name, roles: ['admin'], action: 'register a model' });
      if (!(await tx.policies.get(digest)))
        throw notFound(`Policy ${digest}`, 'Register the policy first and pass its digest.');
      await insertModel(tx, { deps, principal, model });
      const at = deps.clock.now().toISOString();
      for (const [key, value] of kept)
        await writeModelTag(tx, { principal, model: input.name, key, value, at });
    }),
  );
  return getRegisteredModel(deps, principal, { name: input.name });
}

/**
 * `mlflow.register_model` creates the registered model first, with no tags, and carries on when
 * it already exists: so an existing name is RESOURCE_ALREADY_EXISTS before anything else is
 * asked of the caller (a policy tag, the admin role).
 */
async function assertNotRegistered(deps: AppDeps, principal: Principal, name: string) {
  try {
    await getModel(deps, principal, { name });
  } catch (error) {
    if (error instanceof ClearanceError && error.code === 'not_found') return;
    throw error;
  }
  const message = `Registered Model (name=${name}) already exists.`;
  throw new ClearanceError('conflict', message, {
    problems: [{ message, fix: 'Register a version of it (model-versions/create).' }],
  });
}

export interface CreateModelVersionInput {
  name: string;
  source: string;
  runId?: string | undefined;
  runLink?: string | undefined;
  description?: string | undefined;
  tags?: readonly MlflowTag[] | undefined;
}

/** Lineage from MLflow's fields: the run, the git commit tag, and `clearance.lineage.<field>` tags. */
function lineageFrom(input: CreateModelVersionInput, tags: Record<string, string>): Lineage {
  const lineage: Lineage = {};
  if (input.runId) lineage.trainingRunId = input.runId;
  const commit = tags[clearanceTags.gitCommit];
  if (commit) lineage.codeCommit = commit;
  for (const [key, value] of Object.entries(tags)) {
    if (!key.startsWith(clearanceTags.lineagePrefix)) continue;
    const field = key.slice(clearanceTags.lineagePrefix.length);
    lineage[field] = field === 'seed' && /^-?\d+$/.test(value) ? Number(value) : value;
  }
  lineage.mlflow = {
    source: input.source,
    ...(input.runLink ? { runLink: input.runLink } : {}),
    ...(input.description ? { description: input.description } : {}),
    tags,
  };
  return lineage;
}

/**
 * The artifact's digest from tag `clearance.artifact_digest`; without it, the SHA-256 of the
 * source URI text, which pins the URI (not the bytes behind it).
 */
function artifactDigestOf(source: string, tags: Record<string, string>): string {
  return (
    tags[clearanceTags.artifactDigest] ??
    `sha256:${createHash('sha256').update(source, 'utf8').digest('hex')}`
  );
}

/**
 * The reproducibility gate reads a `lineage.json` in the evidence: the lineage MLflow gave (its
 * own fields left out) is attached as one, with the version in its registration's transaction,
 * when it names any.
 */
function lineageEvidence(lineage: Lineage): EvidenceFile[] {
  const { mlflow: _mlflow, ...fields } = lineage;
  if (Object.keys(fields).length === 0) return [];
  return [
    {
      path: 'lineage.json',
      bytes: new TextEncoder().encode(canonicalJson(fields)),
      mediaType: 'application/json',
    },
  ];
}

const isTaken = (error: unknown) => error instanceof ClearanceError && error.code === 'conflict';

/**
 * One past the highest number among the model's version names (MLflow's numbering; a name that
 * is not an integer is skipped): the store sends the digits-only names' highest and the other
 * names a number may start like, and these are read as `Number` reads them.
 */
export function nextNumber(names: NumberingNames): string {
  let highest = names.highestDigits;
  for (const name of names.otherNumberLike) {
    const number = Number(name);
    if (Number.isInteger(number) && number > highest) highest = number;
  }
  return String(highest + 1);
}

/**
 * Versions are numbered as MLflow numbers them: one past the highest number the model has,
 * chosen inside the registering transaction. Registrations of one model at once (a sweep of
 * training jobs) are numbered one after another there: SQLite's group commit runs them in order
 * in one transaction, each seeing the ones before; PostgreSQL queues them on the model's row. The
 * version, its tags (in its lineage) and its lineage evidence are one transaction.
 */
export async function createModelVersion(
  deps: AppDeps,
  principal: Principal,
  input: CreateModelVersionInput,
): Promise<MlflowModelVersion> {
  if (input.source.trim() === '')
    throw invalidInput('The version has no source.', 'Pass the artifact URI as `source`.');
  assertSource(input.source);
  const tags = tagRecord(input.tags);
  for (const [key, value] of Object.entries(tags)) assertTag(key, value);
  const lineage = lineageFrom(input, tags);
  const access = { principal, model: input.name, action: 'version.register' };
  await guardedModelAccess(deps, { ...access, subject: { type: 'model', id: input.name } });
  // What a refusal before the transaction is recorded under: the number as of now.
  const tentative = nextNumber(
    await deps.store.readOne((tx) => tx.versions.numberingNames(input.name)),
  );
  const count = Object.keys(tags).length;
  assertTagCount({ deps, model: input.name, version: tentative, count });
  // Another server's registration may still take the number first: the loser takes the next.
  // Its lineage evidence is charged to the upload quota once, by the first attempt: an attempt
  // refused `conflict` got past recording it (the record precedes the registering transaction).
  for (let attempt = 0; ; attempt++) {
    try {
      const version = await registerVersionWithEvidence(deps, principal, {
        version: {
          model: input.name,
          version: tentative,
          artifactUri: input.source,
          artifactDigest: artifactDigestOf(input.source, tags),
          lineage,
        },
        evidence: lineageEvidence(lineage),
        uploadsRecorded: attempt > 0,
        nameInTransaction: async (tx) => {
          await tx.models.get(input.name, { forUpdate: true });
          return nextNumber(await tx.versions.numberingNames(input.name));
        },
      });
      // A version just registered has no later tags, description or aliases (each names an
      // existing version), and is not in production: its record is its registration's.
      return toMlflowVersion(version);
    } catch (error) {
      if (!isTaken(error) || attempt >= 9) throw error;
    }
  }
}
