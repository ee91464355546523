/**
 * MLflow's Model Registry records (mlflow/protos/model_registry.proto) and the translation from
 * Clearance's: snake_case fields, millisecond timestamps as integers, stages and statuses as
 * MLflow names them. Versions are immutable in Clearance: the tags and description given at
 * registration stay in the version's lineage, and later changes (0013) are applied over them.
 */
import type { Lineage, Model, VersionView } from '../../domain/index.js';

export const mlflowStages = ['None', 'Staging', 'Production', 'Archived'] as const;
export type MlflowStage = (typeof mlflowStages)[number];

export interface MlflowTag {
  key: string;
  value: string;
}

export interface MlflowModelVersion {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id: string;
  current_stage: MlflowStage;
  description: string;
  source: string;
  run_id: string;
  status: 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';
  status_message: string;
  run_link: string;
  tags: MlflowTag[];
  aliases: string[];
}

export interface MlflowRegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id: string;
  description: string;
  latest_versions: MlflowModelVersion[];
  tags: MlflowTag[];
  aliases: { alias: string; version: string }[];
}

/** Where a version registered through MLflow keeps MLflow's own fields inside its lineage. */
export interface MlflowLineage {
  source?: string;
  runLink?: string;
  description?: string;
  tags?: Record<string, string>;
}

/** Clearance states as MLflow stages; a state a policy adds is `None` (not yet governed there). */
function stageOf(state: string): MlflowStage {
  if (state === 'staging') return 'Staging';
  if (state === 'production') return 'Production';
  if (state === 'deprecated' || state === 'archived') return 'Archived';
  return 'None';
}

/** `stage` as MLflow's client sends it (any case), or undefined when it is not a stage. */
export function parseStage(stage: string): MlflowStage | undefined {
  return mlflowStages.find((s) => s.toLowerCase() === stage.toLowerCase());
}

/**
 * Parsed times, by their text: a search orders every version of a model by two of them, and the
 * same texts (a version's registration and state times) come back on every request.
 */
const parsedTimes = new Map<string, number>();
const keptTimes = 65_536;

export function millis(time: string): number {
  const known = parsedTimes.get(time);
  if (known !== undefined) return known;
  const parsed = Date.parse(time);
  if (parsedTimes.size >= keptTimes) parsedTimes.clear();
  parsedTimes.set(time, parsed);
  return parsed;
}

/** MLflow's own fields kept in a version's lineage (registration through the API or an import). */
export function mlflowPart(lineage: Lineage): MlflowLineage {
  const part = lineage.mlflow;
  return typeof part === 'object' && part !== null && !Array.isArray(part)
    ? (part as MlflowLineage)
    : {};
}

/** What changed after registration (0013): tag changes (null: deleted) and the description. */
export interface VersionMetadata {
  aliases?: readonly string[];
  tags?: Readonly<Record<string, string | null>>;
  description?: string | undefined;
}

/** Registration tags with the later changes applied. */
function currentTags(
  registered: Readonly<Record<string, string>>,
  changes: Readonly<Record<string, string | null>>,
): MlflowTag[] {
  const tags: Record<string, string | null> = { ...registered, ...changes };
  return Object.entries(tags).flatMap(([key, value]) => (value === null ? [] : [{ key, value }]));
}

export function toMlflowVersion(
  version: VersionView,
  metadata: VersionMetadata = {},
): MlflowModelVersion {
  const extra = mlflowPart(version.lineage);
  const created = millis(version.createdAt);
  return {
    name: version.model,
    version: version.version,
    creation_timestamp: created,
    last_updated_timestamp: Math.max(created, millis(version.stateSince)),
    user_id: version.createdBy,
    current_stage: stageOf(version.state),
    description: metadata.description ?? extra.description ?? '',
    source: version.artifactUri,
    run_id: version.lineage.trainingRunId ?? '',
    // Registration is synchronous here: a registered version is ready.
    status: 'READY',
    status_message: '',
    run_link: extra.runLink ?? '',
    tags: currentTags(extra.tags ?? {}, metadata.tags ?? {}),
    aliases: [...(metadata.aliases ?? [])],
  };
}

export function toMlflowModel(input: {
  model: Model;
  latest: readonly MlflowModelVersion[];
  aliases: readonly { alias: string; version: string }[];
  /** Tags set through MLflow after registration (0013). */
  tags?: Readonly<Record<string, string>>;
}): MlflowRegisteredModel {
  const { model } = input;
  const created = millis(model.createdAt);
  const updated = Math.max(created, ...input.latest.map((v) => v.last_updated_timestamp));
  return {
    name: model.name,
    creation_timestamp: created,
    last_updated_timestamp: updated,
    user_id: model.createdBy,
    description: model.description ?? '',
    latest_versions: [...input.latest],
    tags: [
      { key: 'clearance.owner_team', value: model.ownerTeam },
      { key: 'clearance.risk_tier', value: model.riskTier },
      { key: 'clearance.policy', value: model.policyDigest },
      ...Object.entries(input.tags ?? {}).map(([key, value]) => ({ key, value })),
    ],
    aliases: [...input.aliases],
  };
}

/**
 * The latest version in each stage present, as MLflow lists them: by number when both have one,
 * else by registration time, then name. Read from Clearance's versions, so only the few it picks
 * need MLflow's record built.
 */
export function latestPerStage<V extends VersionView>(
  versions: readonly V[],
  stages: readonly MlflowStage[] = mlflowStages,
): V[] {
  const latest = new Map<MlflowStage, V>();
  for (const version of versions) {
    const stage = stageOf(version.state);
    if (!stages.includes(stage)) continue;
    const held = latest.get(stage);
    if (held === undefined || compareVersions(version, held) > 0) latest.set(stage, version);
  }
  return stages.flatMap((stage) => latest.get(stage) ?? []);
}

/** Versions by number when both are numbers (MLflow's), else by registration time, then name. */
function compareVersions(a: VersionView, b: VersionView): number {
  const [x, y] = [Number(a.version), Number(b.version)];
  if (Number.isInteger(x) && Number.isInteger(y) && x !== y) return x - y;
  const [createdA, createdB] = [millis(a.createdAt), millis(b.createdAt)];
  if (createdA !== createdB) return createdA - createdB;
  return a.version < b.version ? -1 : a.version > b.version ? 1 : 0;
}
