/**
 * MLflow's mutable metadata through Clearance (issue 14): tags on models and versions, plain
 * aliases, descriptions. Who may change them: the roles that register versions of the model
 * (admin, model_owner, mlops). Each change writes its audit entry in its own transaction. Tags
 * and descriptions never govern anything: the clearance.* tags a model shows are read-only views
 * of its owner, risk tier and policy, and governed aliases move only through a transition.
 */
import {
  assertTextWithin,
  invalidInput,
  maxArtifactUriBytes,
  notFound,
  type Principal,
  type VersionView,
} from '../../domain/index.js';
import { versionRegistrars } from '../registry/register-version.js';
import type { AppDeps } from '../shared/app-deps.js';
import { type AuditFacts, auditRecord } from '../shared/audit-record.js';
import { changeModel } from '../shared/model-change.js';
import type { Repositories } from '../shared/ports.js';
import {
  assertAliasRoom,
  assertModelTagRoom,
  assertVersionTagRoom,
  currentVersionTagKeys,
} from './metadata-limits.js';
import { assertAliasName, governedAliasOf } from './mlflow-aliases.js';
import { settingsOf } from './mlflow-queries.js';
import { mlflowPart } from './mlflow-shapes.js';

/** MLflow's limits (mlflow/utils/validation.py): keys up to 250 characters, values up to 5000. */
const limits = { key: 250, value: 5000, description: 5000 } as const;

export function assertTag(key: string, value: string | undefined): void {
  if (key.trim() === '' || key.length > limits.key)
    throw invalidInput(
      `Tag key '${key}' is not valid.`,
      `Give a non-empty key of at most ${limits.key} characters.`,
    );
  if (value !== undefined && value.length > limits.value)
    throw invalidInput(
      `Tag '${key}' has a value longer than ${limits.value} characters.`,
      'Shorten the value.',
    );
}

/** A version's `source` is its artifact URI, bounded as every edge bounds it. */
export function assertSource(source: string): void {
  assertTextWithin({
    field: 'source (the artifact URI)',
    value: source,
    maxBytes: maxArtifactUriBytes,
  });
}

function assertWritableModelTag(key: string): void {
  if (key.startsWith('clearance.'))
    throw invalidInput(
      `Tag ${key} is read-only: Clearance derives its clearance.* tags from the model's owner, risk tier and policy.`,
      'Change them with `clearance model` commands, or use a key outside clearance.*.',
    );
}

/**
 * A version's clearance.* tags are what its registration read into the governed record (the
 * artifact digest, the lineage): changed afterwards, the MLflow view would show a digest or a
 * lineage other than the one the version was judged and approved with.
 */
function assertWritableVersionTag(key: string): void {
  if (key.startsWith('clearance.'))
    throw invalidInput(
      `Tag ${key} is read-only: a version's clearance.* tags are the artifact digest and lineage its registration recorded, which never change.`,
      'Register a new version with the tags it needs, or use a key outside clearance.*.',
    );
}

interface MetadataChange {
  principal: Principal;
  model: string;
  /** The audited action; a refusal is recorded as `access.denied` against the same subject. */
  action: AuditFacts['action'];
  subject: { type: string; id: string };
  data: Record<string, unknown>;
}

/** One audited change of a model's metadata, under the model row's lock. */
function changeMetadata(
  deps: AppDeps,
  change: MetadataChange,
  write: (tx: Repositories, at: string) => Promise<void>,
): Promise<void> {
  const { principal, subject } = change;
  const opening = {
    principal,
    model: change.model,
    audit: { action: change.action, subject },
    authority: () => ({
      roles: versionRegistrars,
      action: 'change MLflow tags, aliases or descriptions',
    }),
  };
  return changeModel(deps, opening, async (tx) => {
    const at = deps.clock.now().toISOString();
    await write(tx, at);
    await tx.audit.append(
      auditRecord({
        actor: principal,
        time: at,
        action: change.action,
        subject,
        data: change.data,
      }),
    );
  });
}

async function assertVersion(
  tx: Repositories,
  model: string,
  version: string,
): Promise<VersionView> {
  const found = await tx.versions.get(model, version);
  if (!found)
    throw notFound(
      `Model version (name=${model}, version=${version})`,
      'Check the version number.',
    );
  return found;
}

/** The keys of the version's current tags (its registration's, with later changes applied). */
async function versionTagKeys(tx: Repositories, model: string, version: string) {
  const found = await assertVersion(tx, model, version);
  const registered = mlflowPart(found.lineage).tags ?? {};
  return {
    registered,
    current: await currentVersionTagKeys(tx, { model, version, registered }),
  };
}

const modelSubject = (model: string) => ({ type: 'model', id: model });
const versionSubject = (model: string, version: string) => ({
  type: 'version',
  id: `${model}@${version}`,
});

/**
 * Inside the caller's transaction: one model tag set (or, with a null value, removed) and its
 * `model.tag_set` / `model.tag_deleted` entry; `reason` says where the change came from.
 */
export async function writeModelTag(
  tx: Repositories,
  input: {
    principal: Principal;
    model: string;
    key: string;
    value: string | null;
    at: string;
    reason?: string;
    source?: string;
  },
): Promise<void> {
  const { principal, model, key, value, at } = input;
  await tx.metadata.setModelTag({ model, key, value, at });
  await tx.audit.append(
    auditRecord({
      actor: principal,
      time: at,
      action: value === null ? 'model.tag_deleted' : 'model.tag_set',
      subject: modelSubject(model),
      ...(input.reason ? { reason: input.reason } : {}),
      data: {
        key,
        ...(value === null ? {} : { value }),
        ...(input.source ? { source: input.source } : {}),
      },
    }),
  );
}

export function setModelTag(
  deps: AppDeps,
  principal: Principal,
  input: { name: string; key: string; value: string },
): Promise<void> {
  assertTag(input.key, input.value);
  assertWritableModelTag(input.key);
  const { name: model, key, value } = input;
  return changeMetadata(
    deps,
    {
      principal,
      model,
      action: 'model.tag_set',
      subject: modelSubject(model),
      data: { key, value },
    },
    async (tx, at) => {
      await assertModelTagRoom(deps, tx, { model, key });
      await tx.metadata.setModelTag({ model, key, value, at });
    },
  );
}

/** Deleting a tag the model does not have changes nothing and succeeds, as in MLflow's store. */
export function deleteModelTag(
  deps: AppDeps,
  principal: Principal,
  input: { name: string; key: string },
): Promise<void> {
  assertTag(input.key, undefined);
  assertWritableModelTag(input.key);
  const { name: model, key } = input;
  return changeMetadata(
    deps,
    { principal, model, action: 'model.tag_deleted', subject: modelSubject(model), data: { key } },
    (tx, at) => tx.metadata.setModelTag({ model, key, value: null, at }),
  );
}

export function setVersionTag(
  deps: AppDeps,
  principal: Principal,
  input: { name: string; version: string; key: string; value: string },
): Promise<void> {
  assertTag(input.key, input.value);
  assertWritableVersionTag(input.key);
  const { name: model, version, key, value } = input;
  const subject = versionSubject(model, version);
  return changeMetadata(
    deps,
    { principal, model, action: 'version.tag_set', subject, data: { key, value } },
    async (tx, at) => {
      const { current } = await versionTagKeys(tx, model, version);
      assertVersionTagRoom(deps, { model, version, key, current });
      await tx.metadata.setVersionTag({ model, version, key, value, at });
    },
  );
}

/**
 * A version's registration tags stay in its lineage; the deletion of one is recorded over it. A
 * tag set later is removed outright, and one the version does not have changes nothing (as in
 * MLflow's store): so deleting never leaves a row behind that no tag needs.
 */
export function deleteVersionTag(
  deps: AppDeps,
  principal: Principal,
  input: { name: string; version: string; key: string },
): Promise<void> {
  assertTag(input.key, undefined);
  assertWritableVersionTag(input.key);
  const { name: model, version, key } = input;
  const subject = versionSubject(model, version);
  return changeMetadata(
    deps,
    { principal, model, action: 'version.tag_deleted', subject, data: { key } },
    async (tx, at) => {
      const { registered, current } = await versionTagKeys(tx, model, version);
      if (!current.has(key)) return;
      if (Object.hasOwn(registered, key))
        await tx.metadata.setVersionTag({ model, version, key, value: null, at });
      else await tx.metadata.removeVersionTag({ model, version, key });
    },
  );
}

/** MLflow's alias rule (mlflow-aliases.ts); governed aliases, in any case, are not plain. */
function assertPlainAlias(deps: AppDeps, alias: string): void {
  assertAliasName(alias);
  if (governedAliasOf(alias, settingsOf(deps).governedAliases) !== undefined)
    throw new Error(`Alias ${alias} is governed: set it through the transition path`);
}

/** A plain alias is a pointer: setting it moves nothing and asks for no approval. */
export function setPlainAlias(
  deps: AppDeps,
  principal: Principal,
  input: { name: string; alias: string; version: string },
): Promise<void> {
  assertPlainAlias(deps, input.alias);
  const { name: model, alias, version } = input;
  return changeMetadata(
    deps,
    {
      principal,
      model,
      action: 'model.alias_set',
      subject: modelSubject(model),
      data: { alias, version },
    },
    async (tx, at) => {
      await assertVersion(tx, model, version);
      await assertAliasRoom(deps, tx, { model, alias });
      await tx.metadata.setAlias({ model, alias, version, at });
    },
  );
}

/**
 * Removing a plain alias; one the model does not have changes nothing and succeeds, as in MLflow's
 * store. A governed alias names the production version: removing it is a rollback, refused here.
 */
export function deleteAlias(
  deps: AppDeps,
  principal: Principal,
  input: { name: string; alias: string },
): Promise<void> {
  const governed = settingsOf(deps).governedAliases;
  if (governed.includes(input.alias))
    throw invalidInput(
      `Alias ${input.alias} is governed: it follows model ${input.name}'s production version.`,
      'Removing it is a rollback: `clearance rollback`, or transition the version to Archived.',
    );
  const { name: model, alias } = input;
  return changeMetadata(
    deps,
    {
      principal,
      model,
      action: 'model.alias_deleted',
      subject: modelSubject(model),
      data: { alias },
    },
    (tx, at) => tx.metadata.setAlias({ model, alias, version: null, at }),
  );
}

function assertDescription(description: string): void {
  if (description.length > limits.description)
    throw invalidInput(
      `The description is longer than ${limits.description} characters.`,
      'Shorten it.',
    );
}

export function updateModelDescription(
  deps: AppDeps,
  principal: Principal,
  input: { name: string; description: string },
): Promise<void> {
  assertDescription(input.description);
  const { name: model, description } = input;
  return changeMetadata(
    deps,
    {
      principal,
      model,
      action: 'model.description_updated',
      subject: modelSubject(model),
      data: { description },
    },
    (tx) => tx.metadata.setModelDescription(model, description),
  );
}

export function updateVersionDescription(
  deps: AppDeps,
  principal: Principal,
  input: { name: string; version: string; description: string },
): Promise<void> {
  assertDescription(input.description);
  const { name: model, version, description } = input;
  return changeMetadata(
    deps,
    {
      principal,
      model,
      action: 'version.description_updated',
      subject: versionSubject(model, version),
      data: { description },
    },
    async (tx, at) => {
      await assertVersion(tx, model, version);
      await tx.metadata.setVersionDescription({ model, version, description, at });
    },
  );
}
