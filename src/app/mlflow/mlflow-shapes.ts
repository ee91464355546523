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

const millis = (time: string): number => Date.parse(time);

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

/** The latest version (highest registration time, then name) in each stage present, as MLflow lists them. */
export function latestPerStage(
  versions: readonly MlflowModelVersion[],
  stages: readonly MlflowStage[] = mlflowStages,
): MlflowModelVersion[] {
  const latest = new Map<MlflowStage, MlflowModelVersion>();
  for (const version of versions) {
    if (!stages.includes(version.current_stage)) continue;
    const held = latest.get(version.current_stage);
    if (held === undefined || compareVersions(version, held) > 0)
      latest.set(version.current_stage, version);
  }
  return stages.flatMap((stage) => latest.get(stage) ?? []);
}

/** Versions by number when both are numbers (MLflow's), else by registration time, then name. */
function compareVersions(a: MlflowModelVersion, b: MlflowModelVersion): number {
  const [x, y] = [Number(a.version), Number(b.version)];
  if (Number.isInteger(x) && Number.isInteger(y) && x !== y) return x - y;
  if (a.creation_timestamp !== b.creation_timestamp)
    return a.creation_timestamp - b.creation_timestamp;
  return a.version < b.version ? -1 : a.version > b.version ? 1 : 0;
}
