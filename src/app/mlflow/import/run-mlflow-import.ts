/**
 * `clearance import mlflow`: reads an MLflow registry model by model and imports each registered
 * model, then each of its versions, every object in a transaction of its own. Running it again
 * changes nothing (each object is found and left as it is), and a run stopped half-way is
 * completed by the next one without duplicates. A refused object (a name Clearance does not
 * allow, …) is reported and the rest go on; a failure of the source (unreachable, refused,
 * malformed) stops the run with what it had imported kept.
 */

import { isClearanceError, type Principal } from '../../../domain/index.js';
import { type ParsedPolicyText, parsePolicyText } from '../../registry/register-policy.js';
import type { AppDeps } from '../../shared/app-deps.js';
import { assertImportFits } from '../metadata-limits.js';
import { settingsOf } from '../mlflow-queries.js';
import { syncMlflowMetadata } from './import-mlflow-metadata.js';
import { importMlflowModel, type ModelOutcome } from './import-mlflow-model.js';
import {
  importMlflowVersion,
  knownVersionStates,
  type VersionImport,
} from './import-mlflow-version.js';
import { importedMetadataCounts } from './metadata-plan.js';
import type { MlflowModelVersion, MlflowRegisteredModel, MlflowSource } from './mlflow-records.js';
import { baselineOf, compareVersionNumbers, stateForStage } from './stage-mapping.js';

export interface MlflowImportInput {
  source: MlflowSource;
  /** Only these registered models (default: every one). */
  models?: readonly string[];
  /** Registers the models Clearance does not have yet. */
  policy?: { text: string; file: string };
  ownerTeam?: string;
  /** The MLflow alias that marks the production version (MLflow 3.x), before the stage. */
  productionAlias?: string;
  dryRun: boolean;
  /** Models done (versions count as a fraction of their model) out of the models found. */
  onProgress?: (done: number, total: number) => void;
}

/** One object and what happened to it; `id` is `model` or `model@version`. */
export type ImportedObject =
  | { kind: 'model'; id: string; outcome: ModelOutcome | 'failed'; note?: string }
  | {
      kind: 'version';
      id: string;
      outcome: VersionImport['outcome'] | 'failed';
      state?: string;
      note?: string;
    };

export interface MlflowImportSummary {
  source: string;
  dryRun: boolean;
  models: Record<ModelOutcome | 'failed', number>;
  versions: Record<VersionImport['outcome'] | 'failed', number>;
  /** Versions imported as production baselines in this run. */
  baselines: string[];
  /** Tag, description and alias changes written (or, on a dry run, to write), removals included. */
  metadataChanges: number;
  /** Every object with what happened to it, in import order. */
  objects: ImportedObject[];
}

function emptySummary(source: string, dryRun: boolean): MlflowImportSummary {
  return {
    source,
    dryRun,
    models: { created: 0, updated: 0, unchanged: 0, failed: 0 },
    versions: { created: 0, unchanged: 0, skipped: 0, failed: 0 },
    baselines: [],
    metadataChanges: 0,
    objects: [],
  };
}

/** Runs `work`; a refusal becomes the object's failure, anything else stops the run. */
async function refusalOf(work: () => Promise<void>): Promise<string | undefined> {
  try {
    await work();
    return undefined;
  } catch (error) {
    if (isClearanceError(error)) {
      const fix = error.problems[0]?.fix;
      return fix ? `${error.message} ${fix}` : error.message;
    }
    throw error;
  }
}

interface RunContext {
  deps: AppDeps;
  principal: Principal;
  input: MlflowImportInput;
  policy: ParsedPolicyText | undefined;
  summary: MlflowImportSummary;
}

function record(summary: MlflowImportSummary, object: ImportedObject): void {
  summary.objects.push(object);
  if (object.kind === 'model') summary.models[object.outcome] += 1;
  else summary.versions[object.outcome] += 1;
}

/** The model's outcome, or undefined when it was refused (its versions are then left alone). */
async function importModel(
  ctx: RunContext,
  input: { model: MlflowRegisteredModel; versions: readonly MlflowModelVersion[] },
): Promise<ModelOutcome | undefined> {
  const { model, versions } = input;
  let outcome: ModelOutcome | undefined;
  const register =
    ctx.policy && ctx.input.ownerTeam !== undefined
      ? { policy: ctx.policy, ownerTeam: ctx.input.ownerTeam }
      : undefined;
  const refusal = await refusalOf(async () => {
    // Before anything of the model is written: its versions' registration tags are stored too.
    const governedAliases = settingsOf(ctx.deps).governedAliases;
    const counts = importedMetadataCounts({ model, versions, governedAliases });
    assertImportFits(ctx.deps, { model: model.name, counts });
    outcome = await importMlflowModel(ctx.deps, ctx.principal, {
      source: ctx.input.source.url,
      model,
      register,
      dryRun: ctx.input.dryRun,
    });
  });
  record(ctx.summary, {
    kind: 'model',
    id: model.name,
    outcome: outcome ?? 'failed',
    ...(refusal ? { note: refusal } : {}),
  });
  return outcome;
}

/** On a dry run, a model not created yet has nothing to look its versions up in. */
function plannedForNewModel(ctx: RunContext, v: MlflowModelVersion, baseline: boolean) {
  if (v.status !== 'READY')
    return { outcome: 'skipped' as const, note: `MLflow has it ${v.status}.` };
  const states = ctx.policy?.policy.states ?? ['draft'];
  return {
    outcome: 'created' as const,
    state: baseline ? 'production' : stateForStage(v.current_stage, states),
  };
}

/** The model's versions as MLflow has them, each imported unless Clearance has it. */
async function importVersions(
  ctx: RunContext,
  input: {
    model: string;
    versions: readonly MlflowModelVersion[];
    created: boolean;
    progress: (fraction: number) => void;
  },
): Promise<void> {
  const { versions } = input;
  const baseline = baselineOf(versions, ctx.input.productionAlias);
  const known = input.created
    ? new Map<string, string>()
    : await knownVersionStates(ctx.deps, ctx.principal, input.model);
  for (const [i, v] of versions.entries()) {
    const id = `${v.name}@${v.version}`;
    const isBaseline = v.version === baseline;
    const alias = ctx.input.productionAlias;
    const why = alias && v.aliases.includes(alias) ? `alias ${alias}` : 'stage Production';
    const knownState = known.get(v.version);
    let result: VersionImport | undefined;
    const refusal = await refusalOf(async () => {
      if (knownState !== undefined) result = { outcome: 'unchanged', state: knownState };
      else if (ctx.input.dryRun && input.created) result = plannedForNewModel(ctx, v, isBaseline);
      else {
        result = await importMlflowVersion(ctx.deps, ctx.principal, {
          source: ctx.input.source.url,
          version: v,
          baseline: isBaseline ? why : undefined,
          dryRun: ctx.input.dryRun,
        });
      }
    });
    const outcome = result?.outcome ?? 'failed';
    const note = refusal ?? result?.note;
    record(ctx.summary, {
      kind: 'version',
      id,
      outcome,
      ...(result?.state ? { state: result.state } : {}),
      ...(note ? { note } : {}),
    });
    if (outcome === 'created' && result?.state === 'production' && isBaseline)
      ctx.summary.baselines.push(id);
    input.progress((i + 1) / versions.length);
  }
}

/** The model's versions as MLflow lists them, in version order. */
async function versionsOf(ctx: RunContext, model: string): Promise<MlflowModelVersion[]> {
  const versions: MlflowModelVersion[] = [];
  for await (const v of ctx.input.source.versions(model)) versions.push(v);
  return versions.sort((a, b) => compareVersionNumbers(a.version, b.version));
}

/**
 * The model's tags, description, version tags and descriptions and plain aliases made MLflow's,
 * once its versions are in: a model with changes counts as updated; a refusal is its note.
 */
async function syncMetadata(
  ctx: RunContext,
  input: { model: MlflowRegisteredModel; versions: readonly MlflowModelVersion[] },
): Promise<void> {
  let changes = 0;
  const refusal = await refusalOf(async () => {
    changes = await syncMlflowMetadata(ctx.deps, ctx.principal, {
      source: ctx.input.source.url,
      model: input.model,
      versions: input.versions,
      dryRun: ctx.input.dryRun,
    });
  });
  ctx.summary.metadataChanges += changes;
  const object = ctx.summary.objects.find((o) => o.kind === 'model' && o.id === input.model.name);
  if (object?.kind !== 'model') return;
  if (refusal) object.note = `Tags, descriptions and aliases not imported: ${refusal}`;
  if (changes > 0 && object.outcome === 'unchanged') {
    object.outcome = 'updated';
    ctx.summary.models.unchanged -= 1;
    ctx.summary.models.updated += 1;
  }
}

/** Imports the source's registry into Clearance (admins only); see the module comment. */
export async function runMlflowImport(
  deps: AppDeps,
  principal: Principal,
  input: MlflowImportInput,
): Promise<MlflowImportSummary> {
  const policy = input.policy ? parsePolicyText(input.policy) : undefined;
  const summary = emptySummary(input.source.url, input.dryRun);
  const ctx: RunContext = { deps, principal, input, policy, summary };
  const models: MlflowRegisteredModel[] = [];
  for await (const m of input.source.models(input.models)) models.push(m);
  const progress = input.onProgress ?? (() => {});
  progress(0, models.length);
  for (const [i, model] of models.entries()) {
    const versions = await versionsOf(ctx, model.name);
    const outcome = await importModel(ctx, { model, versions });
    if (outcome !== undefined) {
      const created = outcome === 'created';
      await importVersions(ctx, {
        model: model.name,
        versions,
        created,
        progress: (fraction) => progress(i + fraction, models.length),
      });
      // On a dry run, a model not created yet has no metadata to compare.
      if (!(input.dryRun && created)) await syncMetadata(ctx, { model, versions });
    }
    progress(i + 1, models.length);
  }
  return summary;
}
