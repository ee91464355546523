/**
 * The MLflow API's reads, each through the registry's own read use cases (and so their
 * authorisation): registered models, versions, latest versions per stage, aliases, searches.
 */
import { invalidInput, type Model, type Principal, type VersionView } from '../../domain/index.js';
import { getModel, getServing, getVersion, listModels, listVersions } from '../registry/queries.js';
import type { AppDeps, MlflowSettings } from '../shared/app-deps.js';
import { type ReadCache, readCache } from '../shared/read-cache.js';
import { governedAliasOf } from './mlflow-aliases.js';
import { assertFilter } from './mlflow-input.js';
import {
  latestPerStage,
  type MlflowModelVersion,
  type MlflowRegisteredModel,
  type MlflowStage,
  millis,
  toMlflowModel,
  toMlflowVersion,
} from './mlflow-shapes.js';
import { type FilterClause, matchesFilter } from './search-filter.js';
import { orderModels, orderVersions, pageOf } from './search-pages.js';

const defaultMlflowSettings: MlflowSettings = {
  governedAliases: ['production', 'champion'],
  publicUrl: 'http://127.0.0.1:8080',
};

export const settingsOf = (deps: AppDeps): MlflowSettings => deps.mlflow ?? defaultMlflowSettings;

/** The model's metadata changed through MLflow (0013), read in one snapshot. */
interface StoredMetadata {
  tags: Record<string, string>;
  aliases: { alias: string; version: string }[];
  versionTags: Map<string, Record<string, string | null>>;
  descriptions: Record<string, string>;
}

async function storedMetadata(deps: AppDeps, model: string): Promise<StoredMetadata> {
  return deps.store.read(async (tx) => {
    const versionTags = new Map<string, Record<string, string | null>>();
    for (const change of await tx.metadata.versionTags(model)) {
      versionTags.set(change.version, {
        ...versionTags.get(change.version),
        [change.key]: change.value,
      });
    }
    return {
      tags: await tx.metadata.modelTags(model),
      aliases: await tx.metadata.aliases(model),
      versionTags,
      descriptions: await tx.metadata.versionDescriptions(model),
    };
  });
}

/**
 * The governed aliases all name the production version (when there is one); plain aliases are
 * the pointers set through MLflow.
 */
async function aliasesOf(
  deps: AppDeps,
  principal: Principal,
  model: string,
  stored: StoredMetadata,
) {
  const serving = await getServing(deps, principal, { model });
  const production = serving.production?.version;
  const governed =
    production === undefined
      ? []
      : settingsOf(deps).governedAliases.map((alias) => ({ alias, version: production }));
  return [...governed, ...stored.aliases];
}

/** What a model's MLflow records are made of: its versions (kept fields), aliases and metadata. */
interface ModelRecords {
  model: Model;
  versions: VersionView[];
  aliases: { alias: string; version: string }[];
  stored: StoredMetadata;
}

async function readModelRecords(
  deps: AppDeps,
  principal: Principal,
  model: Model,
): Promise<ModelRecords> {
  const stored = await storedMetadata(deps, model.name);
  const aliases = await aliasesOf(deps, principal, model.name, stored);
  const versions = await listVersions(deps, principal, { model: model.name });
  return { model, versions, aliases, stored };
}

/**
 * What the MLflow reads are made from, kept per server as the registry's hot reads are
 * (`readCache`: until anything commits), when the registry keeps those. Keyed by the hot reads,
 * so each server's registry has its own.
 */
interface KeptMlflowReads {
  records: ReadCache<ModelRecords>;
  models: ReadCache<MlflowRegisteredModel>;
}

/**
 * Models whose records one server keeps: each holds every version's view, so the bytes bound
 * (`approximateBytes` of the kept values, per cache) is the one that matters for large models.
 */
const keptModels = { maxEntries: 256, maxBytes: 32 * 1024 * 1024 };
const keptByRegistry = new WeakMap<object, KeptMlflowReads>();

function keptReads(deps: AppDeps): KeptMlflowReads | undefined {
  if (deps.hotReads === undefined) return undefined;
  let kept = keptByRegistry.get(deps.hotReads);
  if (kept === undefined) {
    kept = {
      records: readCache<ModelRecords>(deps.store, keptModels),
      models: readCache<MlflowRegisteredModel>(deps.store, keptModels),
    };
    keptByRegistry.set(deps.hotReads, kept);
  }
  return kept;
}

/**
 * The model's records, once the caller may read the model (`getModel`): the reads behind them
 * (versions, serving, metadata) are the registry's, under the same rule (any role). What is kept
 * is read afresh inside `load`, the model too: `model` was read before the cache read its data
 * version, and a commit in between would otherwise be kept under the newer version.
 */
async function modelRecords(
  deps: AppDeps,
  principal: Principal,
  model: Model,
): Promise<ModelRecords> {
  const kept = keptReads(deps);
  if (kept === undefined) return readModelRecords(deps, principal, model);
  const load = async () =>
    readModelRecords(deps, principal, await getModel(deps, principal, { name: model.name }));
  return (await kept.records.get(model.name, load)) ?? load();
}

async function registeredModel(
  deps: AppDeps,
  principal: Principal,
  model: Model,
): Promise<MlflowRegisteredModel> {
  const load = async () => registeredModelOf(await modelRecords(deps, principal, model));
  const kept = keptReads(deps);
  return (await kept?.models.get(model.name, load)) ?? load();
}

/** MLflow's record of one version: built only for the versions an answer holds. */
function recordOf(
  version: VersionView,
  of: Pick<ModelRecords, 'aliases' | 'stored'>,
): MlflowModelVersion {
  return toMlflowVersion(version, {
    aliases: of.aliases.filter((a) => a.version === version.version).map((a) => a.alias),
    tags: of.stored.versionTags.get(version.version) ?? {},
    description: of.stored.descriptions[version.version],
  });
}

function registeredModelOf(records: ModelRecords): MlflowRegisteredModel {
  const latest = latestPerStage(records.versions).map((v) => recordOf(v, records));
  const { model, aliases, stored } = records;
  return toMlflowModel({ model, latest, aliases, tags: stored.tags });
}

export async function getRegisteredModel(
  deps: AppDeps,
  principal: Principal,
  input: { name: string },
): Promise<MlflowRegisteredModel> {
  const model = await getModel(deps, principal, input);
  return registeredModel(deps, principal, model);
}

export async function getModelVersion(
  deps: AppDeps,
  principal: Principal,
  input: { name: string; version: string },
): Promise<MlflowModelVersion> {
  const version = await getVersion(deps, principal, { model: input.name, version: input.version });
  const stored = await storedMetadata(deps, input.name);
  const aliases = await aliasesOf(deps, principal, input.name, stored);
  return recordOf(version, { aliases, stored });
}

export async function getLatestVersions(
  deps: AppDeps,
  principal: Principal,
  input: { name: string; stages: readonly MlflowStage[] },
): Promise<MlflowModelVersion[]> {
  const model = await getModel(deps, principal, input);
  const records = await modelRecords(deps, principal, model);
  const stages = input.stages.length > 0 ? input.stages : undefined;
  return latestPerStage(records.versions, stages).map((v) => recordOf(v, records));
}

export async function getVersionByAlias(
  deps: AppDeps,
  principal: Principal,
  input: { name: string; alias: string },
): Promise<MlflowModelVersion> {
  await getModel(deps, principal, input);
  const stored = await storedMetadata(deps, input.name);
  const aliases = await aliasesOf(deps, principal, input.name, stored);
  const found = aliases.find((a) => a.alias === input.alias);
  const governed = governedAliasOf(input.alias, settingsOf(deps).governedAliases);
  if (governed !== undefined && governed !== input.alias) {
    // Set before such spellings were refused (ADR 038, 044): a deployment tool asking for it
    // reads a governed name, so it is not resolved, but it is kept (listed) until someone removes it.
    throw invalidInput(
      `Alias ${input.alias} of model ${input.name} reads as the governed alias '${governed}' but ${found ? `is a plain alias on version ${found.version}, set before such spellings were refused` : 'is not it'}; it is not resolved.`,
      `Ask for '${governed}' (the production version)${found ? `, and delete '${input.alias}' with DELETE registered-models/alias` : ''}.`,
    );
  }
  if (!found) {
    // MLflow's store answers INVALID_PARAMETER_VALUE here, not RESOURCE_DOES_NOT_EXIST.
    throw invalidInput(
      `Registered model alias ${input.alias} not found.`,
      `Set it on model ${input.name} with registered-models/alias; the governed aliases (${settingsOf(deps).governedAliases.join(', ')}) name the production version only.`,
    );
  }
  return getModelVersion(deps, principal, { name: input.name, version: found.version });
}

export async function getDownloadUri(
  deps: AppDeps,
  principal: Principal,
  input: { name: string; version: string },
): Promise<{ artifact_uri: string }> {
  const version = await getVersion(deps, principal, { model: input.name, version: input.version });
  return { artifact_uri: version.artifactUri };
}

export interface SearchInput {
  filter?: string | undefined;
  maxResults?: number | undefined;
  orderBy?: readonly string[] | undefined;
  pageToken?: string | undefined;
}

const noTags: ReadonlyMap<string, string> = new Map();

const tagsOf = (tags: readonly { key: string; value: string }[]): ReadonlyMap<string, string> =>
  new Map(tags.map((t) => [t.key, t.value]));

export async function searchRegisteredModels(
  deps: AppDeps,
  principal: Principal,
  input: SearchInput,
): Promise<{ registered_models: MlflowRegisteredModel[]; next_page_token?: string }> {
  const clauses = assertFilter(input.filter, 'registered_models');
  const models = (await listModels(deps, principal)).filter((m) =>
    matchesFilter(
      { name: m.name, tags: noTags },
      clauses.filter((c) => c.field.kind === 'name'),
    ),
  );
  const views: MlflowRegisteredModel[] = [];
  for (const model of models) views.push(await registeredModel(deps, principal, model));
  const matching = views.filter((m) =>
    matchesFilter({ name: m.name, tags: tagsOf(m.tags) }, clauses),
  );
  const page = pageOf(orderModels(matching, input.orderBy), {
    maxResults: input.maxResults ?? 100,
    limit: 1000,
    pageToken: input.pageToken,
  });
  return { registered_models: page.items, ...pick(page) };
}

const pick = (page: { next_page_token?: string }) =>
  page.next_page_token === undefined ? {} : { next_page_token: page.next_page_token };

/** The one model a filter names with `name = '…'`, when it does: only its versions are read. */
function namedModel(clauses: readonly FilterClause[]): string | undefined {
  const clause = clauses.find((c) => c.field.kind === 'name' && c.op === '=');
  return typeof clause?.value === 'string' ? clause.value : undefined;
}

/** A version as a search filters and orders it; MLflow's record is built for the page alone. */
interface Candidate {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  view: VersionView;
  of: ModelRecords;
}

function candidateOf(view: VersionView, of: ModelRecords): Candidate {
  const created = millis(view.createdAt);
  return {
    name: view.model,
    version: view.version,
    creation_timestamp: created,
    // As toMlflowVersion has it.
    last_updated_timestamp: Math.max(created, millis(view.stateSince)),
    view,
    of,
  };
}

function matchesVersion(candidate: Candidate, clauses: readonly FilterClause[]): boolean {
  const { view } = candidate;
  // Tags are MLflow's record's (registration tags with later changes): built only when asked.
  const tags = clauses.some((c) => c.field.kind === 'tag')
    ? tagsOf(recordOf(view, candidate.of).tags)
    : noTags;
  return matchesFilter(
    {
      name: view.model,
      runId: view.lineage.trainingRunId ?? '',
      version: view.version,
      source: view.artifactUri,
      tags,
    },
    clauses,
  );
}

export async function searchModelVersions(
  deps: AppDeps,
  principal: Principal,
  input: SearchInput,
): Promise<{ model_versions: MlflowModelVersion[]; next_page_token?: string }> {
  const clauses = assertFilter(input.filter, 'model_versions');
  const named = namedModel(clauses);
  const models =
    named === undefined ? (await listModels(deps, principal)).map((m) => m.name) : [named];
  const matching: Candidate[] = [];
  for (const name of models) {
    let records: ModelRecords;
    try {
      records = await modelRecords(deps, principal, await getModel(deps, principal, { name }));
    } catch (error) {
      // A filter naming a model that does not exist matches nothing, as in MLflow.
      if (named === undefined || (error as { code?: string }).code !== 'not_found') throw error;
      continue;
    }
    if (named !== undefined) {
      const page = pageOf(orderedOfModel(records, clauses, input), pageInput(input));
      return { model_versions: page.items.map((c) => recordOf(c.view, c.of)), ...pick(page) };
    }
    matchingInto(records, clauses, matching);
  }
  const page = pageOf(orderVersions(matching, input.orderBy), pageInput(input));
  return { model_versions: page.items.map((c) => recordOf(c.view, c.of)), ...pick(page) };
}

/** Appends the versions of `records` that `clauses` match to `into` (one by one: no spread). */
function matchingInto(
  records: ModelRecords,
  clauses: readonly FilterClause[],
  into: Candidate[],
): Candidate[] {
  for (const view of records.versions) {
    const candidate = candidateOf(view, records);
    if (matchesVersion(candidate, clauses)) into.push(candidate);
  }
  return into;
}

function pageInput(input: SearchInput) {
  return { maxResults: input.maxResults ?? 10_000, limit: 200_000, pageToken: input.pageToken };
}

/**
 * One model's matching versions in order, per filter and order, kept beside its records: kept
 * records are frozen and shared until something commits (`keptReads`), so a client paging
 * through a large model filters and sorts once per reload, not once per page (5,000 versions:
 * ~2.5 ms a page). Records read afresh (no kept reads) are new objects: nothing is found again.
 */
const orderedByRecords = new WeakMap<ModelRecords, Map<string, readonly Candidate[]>>();
/** Distinct filters and orders kept per records; further ones are computed each time. */
const orderingsPerRecords = 16;

function orderedOfModel(
  records: ModelRecords,
  clauses: readonly FilterClause[],
  input: SearchInput,
): readonly Candidate[] {
  const key = JSON.stringify([input.filter ?? '', input.orderBy ?? []]);
  let orderings = orderedByRecords.get(records);
  const known = orderings?.get(key);
  if (known !== undefined) return known;
  const ordered = Object.freeze(orderVersions(matchingInto(records, clauses, []), input.orderBy));
  if (orderings === undefined) {
    orderings = new Map();
    orderedByRecords.set(records, orderings);
  }
  if (orderings.size < orderingsPerRecords) orderings.set(key, ordered);
  return ordered;
}
