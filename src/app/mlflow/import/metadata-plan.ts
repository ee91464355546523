/**
 * What an import changes so that a model's MLflow metadata in Clearance — its tags and
 * description, its versions' tags and descriptions, its plain aliases — is MLflow's again: the
 * difference between what Clearance answers now (registration values with the later changes
 * applied) and what MLflow answered. Pure: the import reads the stored state and writes the plan.
 */
import type { VersionView } from '../../../domain/index.js';
import { governedAliasOf } from '../mlflow-aliases.js';
import { mlflowPart } from '../mlflow-shapes.js';
import {
  type MlflowModelVersion,
  type MlflowRegisteredModel,
  tagObject,
} from './mlflow-records.js';

/** One change, in the order it is written; a null value or version removes. */
export type MetadataChange =
  | { kind: 'model.tag'; key: string; value: string | null }
  | { kind: 'model.description'; description: string }
  | { kind: 'version.tag'; version: string; key: string; value: string | null }
  | { kind: 'version.description'; version: string; description: string }
  | { kind: 'alias'; alias: string; version: string | null };

/** A model's metadata as stored (0013) beside its versions' registration lineage. */
export interface StoredMlflowMetadata {
  description: string;
  tags: Readonly<Record<string, string>>;
  aliases: readonly { alias: string; version: string }[];
  versions: readonly VersionView[];
  versionTags: readonly { version: string; key: string; value: string | null }[];
  versionDescriptions: Readonly<Record<string, string>>;
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Keys to set (to the wanted value) or remove (null), sorted by key. */
function tagChanges(
  current: Readonly<Record<string, string>>,
  wanted: Readonly<Record<string, string>>,
): { key: string; value: string | null }[] {
  const keys = [...new Set([...Object.keys(current), ...Object.keys(wanted)])].sort(byKey);
  return keys.flatMap((key): { key: string; value: string | null }[] => {
    // Own keys only: a tag named `constructor` is not the object's constructor.
    const want = Object.hasOwn(wanted, key) ? wanted[key] : undefined;
    if (want === undefined) return Object.hasOwn(current, key) ? [{ key, value: null }] : [];
    return Object.hasOwn(current, key) && current[key] === want ? [] : [{ key, value: want }];
  });
}

/** The tags a version shows now: its registration tags with the later changes applied. */
function currentVersionTags(
  version: VersionView,
  changes: StoredMlflowMetadata['versionTags'],
): Record<string, string> {
  // A map, then own properties: a `__proto__` key is a tag like any other.
  const tags = new Map(Object.entries(mlflowPart(version.lineage).tags ?? {}));
  for (const change of changes) {
    if (change.version !== version.version) continue;
    if (change.value === null) tags.delete(change.key);
    else tags.set(change.key, change.value);
  }
  return Object.fromEntries(tags);
}

function versionChanges(
  stored: StoredMlflowMetadata,
  versions: readonly MlflowModelVersion[],
): MetadataChange[] {
  const known = new Map(stored.versions.map((v) => [v.version, v]));
  return versions.flatMap((v): MetadataChange[] => {
    const ours = known.get(v.version);
    if (ours === undefined) return [];
    const tags = tagChanges(currentVersionTags(ours, stored.versionTags), tagObject(v.tags));
    const changes: MetadataChange[] = tags.map((t) => ({
      kind: 'version.tag',
      version: v.version,
      ...t,
    }));
    const description =
      stored.versionDescriptions[v.version] ?? mlflowPart(ours.lineage).description ?? '';
    const wanted = v.description ?? '';
    if (description !== wanted)
      changes.push({ kind: 'version.description', version: v.version, description: wanted });
    return changes;
  });
}

/**
 * Plain aliases as MLflow has them, on the versions Clearance has; every other stored alias is
 * removed (MLflow dropped it, or it names a version not imported yet). Governed aliases, in any
 * case or width (`Production`), follow the production version and are never copied.
 */
function aliasChanges(
  stored: StoredMlflowMetadata,
  model: MlflowRegisteredModel,
  governed: readonly string[],
): MetadataChange[] {
  const versions = new Set(stored.versions.map((v) => v.version));
  const wanted = new Map(
    plainAliases(model, { versions, governed }).map((a) => [a.alias, a.version]),
  );
  const current = new Map(stored.aliases.map((a) => [a.alias, a.version]));
  const names = [...new Set([...current.keys(), ...wanted.keys()])].sort(byKey);
  return names.flatMap((alias): MetadataChange[] => {
    const version = wanted.get(alias) ?? null;
    return current.get(alias) === (version ?? undefined) ? [] : [{ kind: 'alias', alias, version }];
  });
}

/** MLflow's plain aliases on `versions`; governed ones, in any spelling, follow production. */
function plainAliases(
  model: MlflowRegisteredModel,
  input: { versions: ReadonlySet<string>; governed: readonly string[] },
) {
  return model.aliases.filter(
    (a) => governedAliasOf(a.alias, input.governed) === undefined && input.versions.has(a.version),
  );
}

/** The model's own tags; its `clearance.*` views are derived from Clearance's records. */
const storableModelTags = (model: MlflowRegisteredModel): Record<string, string> =>
  Object.fromEntries(
    model.tags.filter((t) => !t.key.startsWith('clearance.')).map((t) => [t.key, t.value]),
  );

/**
 * How much an import would have the model hold, counted as the MLflow metadata limits count
 * (ADR 037): its own tags, each version's tags, its plain aliases on the versions MLflow lists.
 */
export function importedMetadataCounts(input: {
  model: MlflowRegisteredModel;
  versions: readonly MlflowModelVersion[];
  governedAliases: readonly string[];
}): { modelTags: number; versionTags: { version: string; count: number }[]; aliases: number } {
  const versions = new Set(input.versions.map((v) => v.version));
  const governed = input.governedAliases;
  return {
    modelTags: Object.keys(storableModelTags(input.model)).length,
    versionTags: input.versions.map((v) => ({
      version: v.version,
      count: Object.keys(tagObject(v.tags)).length,
    })),
    aliases: new Set(plainAliases(input.model, { versions, governed }).map((a) => a.alias)).size,
  };
}

export function planMetadataChanges(input: {
  stored: StoredMlflowMetadata;
  model: MlflowRegisteredModel;
  versions: readonly MlflowModelVersion[];
  governedAliases: readonly string[];
}): MetadataChange[] {
  const { stored, model } = input;
  const modelTags = storableModelTags(model);
  const changes: MetadataChange[] = tagChanges(stored.tags, modelTags).map((t) => ({
    kind: 'model.tag',
    ...t,
  }));
  const description = model.description ?? '';
  if (stored.description !== description) changes.push({ kind: 'model.description', description });
  return [
    ...changes,
    ...versionChanges(stored, input.versions),
    ...aliasChanges(stored, model, input.governedAliases),
  ];
}
