import type { Repositories, VersionTagChange } from '../../src/app/shared/ports.js';
import type { Model, Version } from '../../src/domain/index.js';

/** MLflow's mutable metadata, keyed as the tables' primary keys are. */
export interface MetadataState {
  models: Map<string, Model>;
  /** Keyed `model\u0000version`, as the store fake keys them. */
  versions: Map<string, Version>;
  modelTags: Map<string, { model: string; key: string; value: string }>;
  versionTags: Map<string, VersionTagChange>;
  aliases: Map<string, { model: string; alias: string; version: string }>;
  versionDescriptions: Map<string, { model: string; version: string; description: string }>;
  /** By model: what the database's triggers count in `version_changes` (migrations 0017, 0030). */
  versionChanges: Map<string, number>;
}

/** What a trigger on a counted table does: the model's count moves in the changing write. */
export function countChange(counts: Map<string, number>, model: string): void {
  counts.set(model, (counts.get(model) ?? 0) + 1);
}

export const emptyMetadata = () => ({
  modelTags: new Map(),
  versionTags: new Map(),
  aliases: new Map(),
  versionDescriptions: new Map(),
});

const k = (...parts: string[]) => JSON.stringify(parts);
/** The tables' foreign keys: metadata names a version that exists. */
function assertVersion(s: MetadataState, model: string, version: string): void {
  if (!s.versions.has(`${model}\u0000${version}`))
    throw new Error(`foreign key: version ${model}@${version} does not exist`);
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function metadataRepo(s: MetadataState): Pick<Repositories, 'metadata'> {
  return {
    metadata: {
      modelTags: async (model) =>
        Object.fromEntries(
          [...s.modelTags.values()]
            .filter((t) => t.model === model)
            .sort((a, b) => byKey(a.key, b.key))
            .map((t) => [t.key, t.value]),
        ),
      setModelTag: async ({ model, key, value }) => {
        if (value === null) {
          if (s.modelTags.delete(k(model, key))) countChange(s.versionChanges, model);
        } else {
          s.modelTags.set(k(model, key), { model, key, value });
          countChange(s.versionChanges, model);
        }
      },
      versionTags: async (model, version) =>
        [...s.versionTags.values()]
          .filter((t) => t.model === model && (version === undefined || t.version === version))
          .sort((a, b) => byKey(a.version, b.version) || byKey(a.key, b.key))
          .map((t) => ({ ...t })),
      setVersionTag: async (tag) => {
        assertVersion(s, tag.model, tag.version);
        s.versionTags.set(k(tag.model, tag.version, tag.key), { ...tag });
        countChange(s.versionChanges, tag.model);
      },
      removeVersionTag: async ({ model, version, key }) => {
        if (s.versionTags.delete(k(model, version, key))) countChange(s.versionChanges, model);
      },
      aliases: async (model) =>
        [...s.aliases.values()]
          .filter((a) => a.model === model)
          .sort((a, b) => byKey(a.alias, b.alias))
          .map(({ alias, version }) => ({ alias, version })),
      setAlias: async ({ model, alias, version }) => {
        if (version === null) {
          if (s.aliases.delete(k(model, alias))) countChange(s.versionChanges, model);
        } else {
          assertVersion(s, model, version);
          s.aliases.set(k(model, alias), { model, alias, version });
          countChange(s.versionChanges, model);
        }
      },
      versionDescriptions: async (model) =>
        Object.fromEntries(
          [...s.versionDescriptions.values()]
            .filter((d) => d.model === model)
            .map((d) => [d.version, d.description]),
        ),
      setVersionDescription: async ({ model, version, description }) => {
        assertVersion(s, model, version);
        s.versionDescriptions.set(k(model, version), { model, version, description });
        countChange(s.versionChanges, model);
      },
      setModelDescription: async (model, description) => {
        const found = s.models.get(model);
        if (found) s.models.set(model, { ...found, description });
      },
    },
  };
}
