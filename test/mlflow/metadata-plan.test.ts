/**
 * The import's metadata plan (src/app/mlflow/import/metadata-plan.ts): applied to what Clearance
 * stores, it gives what MLflow has — for any stored tags, aliases and descriptions and any MLflow
 * state — and planned again it is empty (a rerun writes nothing).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type MetadataChange,
  planMetadataChanges,
  type StoredMlflowMetadata,
} from '../../src/app/mlflow/import/metadata-plan.js';
import type {
  MlflowModelVersion,
  MlflowRegisteredModel,
} from '../../src/app/mlflow/import/mlflow-records.js';
import type { VersionView } from '../../src/domain/index.js';

const keys = fc.constantFrom('team', 'tier', 'dataset', 'owner');
const values = fc.constantFrom('a', 'b', '');
const tags = fc.dictionary(keys, values);
const versionNames = ['1', '2', '3'];
const description = fc.constantFrom('', 'first', 'second');

/** A version as Clearance stores it: its registration tags and description in its lineage. */
function versionView(version: string, registered: { tags: object; description: string }) {
  return {
    model: 'm',
    version,
    artifactUri: 's3://x',
    artifactDigest: `sha256:${'0'.repeat(64)}`,
    lineage: { mlflow: registered },
    createdAt: '2026-01-01T00:00:00.000Z',
    createdBy: 'ci',
    state: 'draft',
    stateSince: '2026-01-01T00:00:00.000Z',
  } as VersionView;
}

const stored = fc.record({
  description,
  tags,
  aliases: fc.dictionary(
    fc.constantFrom('challenger', 'shadow', 'canary'),
    fc.constantFrom('1', '2', '9'),
  ),
  registered: fc.tuple(...versionNames.map(() => fc.record({ tags, description }))),
  versionTags: fc.array(
    fc.record({
      version: fc.constantFrom(...versionNames),
      key: keys,
      value: fc.option(values, { nil: null }),
    }),
    { maxLength: 6 },
  ),
  versionDescriptions: fc.dictionary(fc.constantFrom(...versionNames), description),
});

const mlflow = fc.record({
  description,
  tags,
  aliases: fc.dictionary(
    fc.constantFrom('challenger', 'shadow', 'champion', 'canary'),
    fc.constantFrom('1', '2', '3', '4'),
  ),
  versions: fc.tuple(...versionNames.map(() => fc.record({ tags, description }))),
});

type Generated<A> = A extends fc.Arbitrary<infer T> ? T : never;

type State = {
  description: string;
  tags: Record<string, string>;
  aliases: Record<string, string>;
  versions: Record<string, { tags: Record<string, string>; description: string }>;
};

function storedOf(s: Generated<typeof stored>): StoredMlflowMetadata {
  // One change row per version and key, as the table's primary key keeps it (the last wins).
  const rows = new Map(s.versionTags.map((t) => [`${t.version} ${t.key}`, t]));
  return {
    description: s.description,
    tags: s.tags,
    aliases: Object.entries(s.aliases)
      .filter(([, v]) => versionNames.includes(v))
      .map(([alias, version]) => ({ alias, version })),
    versions: versionNames.map((v, i) => versionView(v, s.registered[i] as never)),
    versionTags: [...rows.values()],
    versionDescriptions: s.versionDescriptions,
  };
}

/** What the MLflow API answers from a stored state (registration values, changes over them). */
function answered(s: StoredMlflowMetadata): State {
  const versions: State['versions'] = {};
  for (const v of s.versions) {
    const registered = v.lineage.mlflow as { tags: Record<string, string>; description: string };
    const current = { ...registered.tags };
    for (const t of s.versionTags.filter((t) => t.version === v.version)) {
      if (t.value === null) delete current[t.key];
      else current[t.key] = t.value;
    }
    versions[v.version] = {
      tags: current,
      description: s.versionDescriptions[v.version] ?? registered.description,
    };
  }
  return {
    description: s.description,
    tags: { ...s.tags },
    aliases: Object.fromEntries(s.aliases.map((a) => [a.alias, a.version])),
    versions,
  };
}

function apply(s: StoredMlflowMetadata, changes: MetadataChange[]): StoredMlflowMetadata {
  const next = {
    ...s,
    tags: { ...s.tags },
    aliases: [...s.aliases],
    versionTags: [...s.versionTags],
    versionDescriptions: { ...s.versionDescriptions },
  };
  for (const c of changes) {
    if (c.kind === 'model.tag') {
      if (c.value === null) delete next.tags[c.key];
      else next.tags[c.key] = c.value;
    } else if (c.kind === 'model.description') next.description = c.description;
    else if (c.kind === 'version.description') next.versionDescriptions[c.version] = c.description;
    else if (c.kind === 'version.tag') {
      next.versionTags = next.versionTags.filter(
        (t) => !(t.version === c.version && t.key === c.key),
      );
      next.versionTags.push({ version: c.version, key: c.key, value: c.value });
    } else {
      next.aliases = next.aliases.filter((a) => a.alias !== c.alias);
      if (c.version !== null) next.aliases.push({ alias: c.alias, version: c.version });
    }
  }
  return next;
}

const toModel = (m: Generated<typeof mlflow>): MlflowRegisteredModel => ({
  name: 'm',
  ...(m.description ? { description: m.description } : {}),
  tags: Object.entries(m.tags).map(([key, value]) => ({ key, value })),
  aliases: Object.entries(m.aliases).map(([alias, version]) => ({ alias, version })),
});

const toVersions = (m: Generated<typeof mlflow>): MlflowModelVersion[] =>
  versionNames.map((version, i) => {
    const v = m.versions[i] as { tags: Record<string, string>; description: string };
    return {
      name: 'm',
      version,
      current_stage: 'None',
      source: 's3://x',
      status: 'READY',
      ...(v.description ? { description: v.description } : {}),
      tags: Object.entries(v.tags).map(([key, value]) => ({ key, value })),
      aliases: [],
    };
  });

describe('the MLflow import metadata plan', () => {
  it('turns any stored state into MLflow’s, and then plans nothing', () => {
    fc.assert(
      fc.property(stored, mlflow, (s, m) => {
        const before = storedOf(s);
        const input = {
          model: toModel(m),
          versions: toVersions(m),
          governedAliases: ['champion'],
        };
        const after = apply(before, planMetadataChanges({ stored: before, ...input }));
        const aliases = Object.fromEntries(
          Object.entries(m.aliases).filter(
            ([a, v]) => a !== 'champion' && versionNames.includes(v),
          ),
        );
        const versions = Object.fromEntries(
          versionNames.map((v, i) => [v, m.versions[i] as State['versions'][string]]),
        );
        expect(answered(after)).toEqual({
          description: m.description,
          tags: m.tags,
          aliases,
          versions,
        });
        expect(planMetadataChanges({ stored: after, ...input })).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
