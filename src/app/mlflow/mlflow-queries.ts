/**
 * The MLflow API's reads, each through the registry's own read use cases (and so their
 * authorisation): registered models, versions, latest versions per stage, aliases, searches.
 */
import {
  invalidInput,
  type Model,
  notFound,
  type Principal,
  type VersionView,
} from '../../domain/index.js';
import {
  assertMayListModels,
  getModel,
  getServing,
  getVersion,
  listModels,
} from '../registry/queries.js';
import type { AppDeps, MlflowSettings } from '../shared/app-deps.js';
import { type CountedCache, countedCache } from '../shared/counted-cache.js';
import { deepFreeze } from '../shared/deep-freeze.js';
import type { Repositories } from '../shared/ports.js';
import { type ReadCache, readCache } from '../shared/read-cache.js';
import { approximateBytes } from '../shared/weighed-lru.js';
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
  /**
   * By version: the tag changes recorded since registration. An object of own properties (not a
   * Map), so kept records freeze and weigh it like the rest; read with `Object.hasOwn`.
   */
  versionTags: Record<string, Record<string, string | null>>;
  descriptions: Record<string, string>;
}

async function readStoredMetadata(tx: Repositories, model: string): Promise<StoredMetadata> {
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
    // Own properties whatever the version's name (`__proto__` included).
    versionTags: Object.fromEntries(versionTags),
    descriptions: await tx.metadata.versionDescriptions(model),
  };
}

function storedMetadata(deps: AppDeps, model: string): Promise<StoredMetadata> {
  return deps.store.read((tx) => readStoredMetadata(tx, model));
}

/**
 * The governed aliases all name the production version (when there is one); plain aliases are
 * the pointers set through MLflow.
 */
function aliasesWith(
  deps: AppDeps,
  production: string | undefined,
  stored: StoredMetadata,
): { alias: string; version: string }[] {
  const governed =
    production === undefined
      ? []
      : settingsOf(deps).governedAliases.map((alias) => ({ alias, version: production }));
  return [...governed, ...stored.aliases];
}

async function aliasesOf(
  deps: AppDeps,
  principal: Principal,
  model: string,
  stored: StoredMetadata,
) {
  const serving = await getServing(deps, principal, { model });
  return aliasesWith(deps, serving.production?.version, stored);
}

/**
 * What a model's MLflow records are made of besides its own row: its versions (kept fields),
 * aliases and metadata. Every part of it moves the model's change count when it changes
 * (`versions.changes`: versions, states, MLflow metadata and the serving row, migrations 0017 and
 * 0030), so it is kept under that count; the model's row is not counted and is always read fresh.
 */
interface ModelData {
  versions: VersionView[];
  aliases: { alias: string; version: string }[];
  stored: StoredMetadata;
}

/**
 * A model's data in one snapshot. The caller has read the model through `getModel` or
 * `listModels`, and so may read its versions and serving too (the registry's reads share one
 * rule: any role). Not found when the model is gone.
 */
async function readModelData(deps: AppDeps, tx: Repositories, model: string): Promise<ModelData> {
  const serving = await tx.serving.ofModel(model);
  if (serving === undefined) {
    throw notFound(`Model ${model}`, 'Register the model first, or check the name.');
  }
  const stored = await readStoredMetadata(tx, model);
  const versions = await tx.versions.list(model);
  return { versions, aliases: aliasesWith(deps, serving.production?.version, stored), stored };
}

/** What the registered model's record needs besides the model's row, under the same count. */
interface ModelSummary {
  latest: MlflowModelVersion[];
  aliases: { alias: string; version: string }[];
  tags: Record<string, string>;
}

function summaryOf(data: ModelData): ModelSummary {
  const latest = latestPerStage(data.versions).map((v) => recordOf(v, data));
  return { latest, aliases: data.aliases, tags: data.stored.tags };
}

/**
 * What the MLflow reads are made from, kept per server under each model's change count
 * (`countedCache`): a commit to one model leaves every other model's kept records in place, and a
 * search over all models re-reads only those whose count moved (the counts of all in one
 * statement). Keyed by the hot reads, so each server's registry has its own.
 */
interface KeptMlflowReads {
  /** Every version of the model: for latest-per-stage and version searches. */
  data: CountedCache<ModelData>;
  /** A few records per model: for registered-model reads and searches. */
  summaries: CountedCache<ModelSummary>;
  /**
   * Every model's change count (`allCounts`), under the one key `all`, kept until the next commit
   * (`readCache`: exact, read again after any commit), so a search between commits reads none.
   */
  counts: ReadCache<ReadonlyMap<string, number>>;
  /**
   * A model search's whole ordered result, by its filter and order (`searchRegisteredModels`),
   * kept until the next commit like the counts: a page of a search between commits is a slice of
   * it, not every model's record ordered again.
   */
  searches: ReadCache<readonly MlflowRegisteredModel[]>;
}

/**
 * Models whose data one server keeps: each holds every version's view, so the bytes bound
 * (`approximateBytes` of the kept values) is the one that matters for large models. Summaries
 * are a few records each: enough for every model of a large registry.
 */
const keptData = { maxEntries: 10_000, capacity: 32 * 1024 * 1024 };
const keptSummaries = { maxEntries: 100_000, capacity: 64 * 1024 * 1024 };
/**
 * Searches' ordered results: a few filters and orders at once (a UI's list, a script's), each up
 * to every model's summary. A result is weighed by `searchWeight`; one over the bound is
 * answered, not kept.
 */
const keptSearches = { maxEntries: 64, maxBytes: 32 * 1024 * 1024 } as const;

/**
 * A kept search's own bytes: its array (16 bytes a record) and any record not already frozen. A
 * frozen record is a summary's own (`viewOf`, kept and weighed with the summaries): counted
 * there, not again; weighing every record on every miss cost more than ordering them (review).
 */
function searchWeight(records: readonly MlflowRegisteredModel[]): number {
  let bytes = 16 * (records.length + 1);
  for (const record of records) if (!Object.isFrozen(record)) bytes += approximateBytes(record);
  return bytes;
}
const keptByRegistry = new WeakMap<object, KeptMlflowReads>();

function keptReads(deps: AppDeps): KeptMlflowReads | undefined {
  if (deps.hotReads === undefined) return undefined;
  let kept = keptByRegistry.get(deps.hotReads);
  if (kept === undefined) {
    kept = {
      data: countedCache<ModelData>(deps.store, { weigh: approximateBytes, ...keptData }),
      summaries: countedCache<ModelSummary>(deps.store, {
        weigh: approximateBytes,
        ...keptSummaries,
      }),
      counts: readCache(deps.store),
      searches: readCache(deps.store, keptSearches, searchWeight),
    };
    keptByRegistry.set(deps.hotReads, kept);
  }
  return kept;
}

/** The model's data and its change count, the count read first in the same snapshot. */
function countedRead(deps: AppDeps, model: string): Promise<{ count: number; value: ModelData }> {
  return deps.store.read(async (tx) => {
    const count = await tx.versions.changes(model);
    return { count, value: await readModelData(deps, tx, model) };
  });
}

const changesOf = (deps: AppDeps, model: string) =>
  deps.store.readOne((tx) => tx.versions.changes(model));

/** Every model's change count, when records are kept (nothing to compare them with otherwise). */
async function allCounts(deps: AppDeps): Promise<ReadonlyMap<string, number> | undefined> {
  const kept = keptReads(deps);
  if (kept === undefined) return undefined;
  return kept.counts.get('all', () => deps.store.readOne((tx) => tx.versions.allChanges()));
}

/**
 * The model's data, once the caller may read the model (`getModel`, `listModels`); `count`: its
 * change count, when read already with other models'. Kept data is frozen and shared.
 */
async function modelData(deps: AppDeps, model: string, count?: number): Promise<ModelData> {
  const kept = keptReads(deps);
  if (kept === undefined) return (await countedRead(deps, model)).value;
  if (count === undefined) {
    return kept.data.get({
      key: model,
      count: () => changesOf(deps, model),
      read: () => countedRead(deps, model),
    });
  }
  return kept.data.getAt({ key: model, count, read: () => countedRead(deps, model) });
}

/** The registered model's record; `count`: its change count, when read already with others'. */
async function registeredModel(
  deps: AppDeps,
  model: Model,
  count?: number,
): Promise<MlflowRegisteredModel> {
  // Read afresh, not through `data`: a search over every model would evict what it keeps.
  const read = async () => {
    const { count: readAt, value } = await countedRead(deps, model.name);
    return { count: readAt, value: summaryOf(value) };
  };
  const kept = keptReads(deps);
  let summary: ModelSummary;
  if (kept === undefined) summary = (await read()).value;
  else if (count === undefined) {
    summary = await kept.summaries.get({
      key: model.name,
      count: () => changesOf(deps, model.name),
      read,
    });
  } else summary = await kept.summaries.getAt({ key: model.name, count, read });
  return viewOf(model, summary);
}

/**
 * Each kept summary's registered-model record, built once per model row and shared (frozen):
 * a search over every model would otherwise build every model's record again on each request.
 * Rebuilt when the model's row differs from the one it was built from (the row is read fresh).
 */
const builtViews = new WeakMap<ModelSummary, { model: Model; view: MlflowRegisteredModel }>();

function sameRow(a: Model, b: Model): boolean {
  const keys = Object.keys(a) as (keyof Model)[];
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

function viewOf(model: Model, summary: ModelSummary): MlflowRegisteredModel {
  const built = builtViews.get(summary);
  if (built !== undefined && sameRow(built.model, model)) return built.view;
  const view = toMlflowModel({ model, ...summary });
  // Only a kept summary (frozen, shared by every request) is worth remembering a record for.
  if (Object.isFrozen(summary)) {
    builtViews.set(summary, { model: { ...model }, view: deepFreeze(view) });
  }
  return view;
}

/** MLflow's record of one version: built only for the versions an answer holds. */
function recordOf(
  version: VersionView,
  of: Pick<ModelData, 'aliases' | 'stored'>,
): MlflowModelVersion {
  return toMlflowVersion(version, {
    aliases: of.aliases.filter((a) => a.version === version.version).map((a) => a.alias),
    tags: Object.hasOwn(of.stored.versionTags, version.version)
      ? (of.stored.versionTags[version.version] ?? {})
      : {},
    // Own properties only: a version named `constructor` has no inherited description.
    description: Object.hasOwn(of.stored.descriptions, version.version)
      ? of.stored.descriptions[version.version]
      : undefined,
  });
}

export async function getRegisteredModel(
  deps: AppDeps,
  principal: Principal,
  input: { name: string },
): Promise<MlflowRegisteredModel> {
  const model = await getModel(deps, principal, input);
  return registeredModel(deps, model);
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
  const records = await modelData(deps, model.name);
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
  // Authorises the caller on every request, whether or not the result is kept. A kept result is
  // the same for every caller who may list the models: the model list is not filtered by the
  // caller's roles (ADR 040: any role reads the registry's lists). Were it ever filtered, the key
  // must name the caller's scope.
  await assertMayListModels(deps, principal);
  const search = () => orderedSearch(deps, principal, clauses, input.orderBy);
  const kept = keptReads(deps)?.searches;
  const ordered =
    kept === undefined
      ? await search()
      : ((await kept.get(JSON.stringify([input.filter ?? '', input.orderBy ?? []]), search)) ?? []);
  const page = pageOf(ordered, {
    maxResults: input.maxResults ?? 100,
    limit: 1000,
    pageToken: input.pageToken,
  });
  return { registered_models: page.items, ...pick(page) };
}

/** What the kept searches of these deps' server have answered (hits) and built (misses). */
export function keptSearchStats(deps: AppDeps): { hits: number; misses: number } | undefined {
  const stats = keptReads(deps)?.searches.stats();
  return stats === undefined ? undefined : { hits: stats.hits, misses: stats.misses };
}

/** Every model a search's filter matches, in its order: what its pages are sliced from. */
async function orderedSearch(
  deps: AppDeps,
  principal: Principal,
  clauses: readonly FilterClause[],
  orderBy: SearchInput['orderBy'],
): Promise<MlflowRegisteredModel[]> {
  const byName = clauses.filter((c) => c.field.kind === 'name');
  const models = (await listModels(deps, principal)).filter((m) =>
    matchesFilter({ name: m.name, tags: noTags }, byName),
  );
  // Every model's change count in one statement, read before any model's data: only the models
  // whose count moved since their records were kept are read again.
  const counts = await allCounts(deps);
  const summaries = keptReads(deps)?.summaries;
  const views: MlflowRegisteredModel[] = [];
  for (const model of models) {
    const count = counts && (counts.get(model.name) ?? 0);
    // Kept at this count: answered without waiting (most models, most searches).
    const summary = count === undefined ? undefined : summaries?.peekAt(model.name, count);
    views.push(
      summary === undefined ? await registeredModel(deps, model, count) : viewOf(model, summary),
    );
  }
  const byTag = clauses.some((c) => c.field.kind === 'tag');
  const matching =
    clauses.length === byName.length
      ? views
      : views.filter((m) =>
          matchesFilter({ name: m.name, tags: byTag ? tagsOf(m.tags) : noTags }, clauses),
        );
  return orderModels(matching, orderBy);
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
  of: ModelData;
}

function candidateOf(view: VersionView, of: ModelData): Candidate {
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
  if (named !== undefined) {
    let records: ModelData;
    try {
      records = await modelData(deps, (await getModel(deps, principal, { name: named })).name);
    } catch (error) {
      // A filter naming a model that does not exist matches nothing, as in MLflow.
      if ((error as { code?: string }).code !== 'not_found') throw error;
      return { model_versions: [] };
    }
    const page = pageOf(orderedOfModel(records, clauses, input), pageInput(input));
    return { model_versions: page.items.map((c) => recordOf(c.view, c.of)), ...pick(page) };
  }
  const models = await listModels(deps, principal);
  const counts = await allCounts(deps);
  const matching: Candidate[] = [];
  for (const { name } of models) {
    const records = await modelData(deps, name, counts && (counts.get(name) ?? 0));
    matchingInto(records, clauses, matching);
  }
  const page = pageOf(orderVersions(matching, input.orderBy), pageInput(input));
  return { model_versions: page.items.map((c) => recordOf(c.view, c.of)), ...pick(page) };
}

/** Appends the versions of `records` that `clauses` match to `into` (one by one: no spread). */
function matchingInto(
  records: ModelData,
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
const orderedByRecords = new WeakMap<ModelData, Map<string, readonly Candidate[]>>();
/** Distinct filters and orders kept per records; further ones are computed each time. */
const orderingsPerRecords = 16;

function orderedOfModel(
  records: ModelData,
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
