/**
 * One MLflow model version into Clearance, in one transaction with its audit entries. A version
 * Clearance has already is left as it is (after the first import, its state is governed here);
 * a new one is registered (`version.registered`, with the source URL) in the state its MLflow
 * stage maps to, and the model's current Production version becomes its production baseline
 * (`version.imported`) exactly as `version import-production` records one.
 */
import { createHash } from 'node:crypto';
import {
  canonicalJson,
  invalidInput,
  isClearanceError,
  type Lineage,
  lineageDigest,
  type Principal,
  type Version,
} from '../../../domain/index.js';
import { assertNeverInProduction } from '../../registry/import-production.js';
import { assertStorableLineage } from '../../registry/register-version.js';
import type { AppDeps } from '../../shared/app-deps.js';
import { auditRecord } from '../../shared/audit-record.js';
import { assertAnyRole, guarded } from '../../shared/authorise.js';
import { adminOnly, changeModel } from '../../shared/model-change.js';
import type { Repositories } from '../../shared/ports.js';
import { assertSource } from '../mlflow-metadata.js';
import { type MlflowModelVersion, tagObject } from './mlflow-records.js';
import { stateForStage } from './stage-mapping.js';

export type VersionOutcome = 'created' | 'unchanged' | 'skipped';

export interface VersionImport {
  outcome: VersionOutcome;
  /** The Clearance state it is in (or would be in, on a dry run). */
  state?: string;
  /** Why it was skipped, or why a Production version did not become the baseline. */
  note?: string;
}

export interface ImportMlflowVersionInput {
  source: string;
  version: MlflowModelVersion;
  /**
   * This version serves production in MLflow now (why, e.g. `stage Production` or `alias
   * champion`): it becomes the production baseline unless the model has had one.
   */
  baseline?: string | undefined;
  dryRun: boolean;
}

const isoOf = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

/**
 * MLflow records no digest of a version's files, and Clearance needs one: the import records the
 * SHA-256 of the MLflow identity (server, source, run), which changes whenever the source does.
 * `lineage.mlflow.artifactDigestOf` says so; attach the files' real digest as evidence.
 */
function identityDigest(input: { source: string; version: MlflowModelVersion }): string {
  const identity = canonicalJson({
    server: input.source,
    model: input.version.name,
    version: input.version.version,
    source: input.version.source,
    runId: input.version.run_id ?? null,
  });
  return `sha256:${createHash('sha256').update(identity).digest('hex')}`;
}

function lineageOf(input: { source: string; version: MlflowModelVersion }): Lineage {
  const v = input.version;
  const mlflow = {
    server: input.source,
    model: v.name,
    version: v.version,
    source: v.source,
    ...(v.run_id ? { runId: v.run_id } : {}),
    stage: v.current_stage,
    status: v.status,
    ...(v.creation_timestamp === undefined ? {} : { createdAt: isoOf(v.creation_timestamp) }),
    ...(v.user_id ? { userId: v.user_id } : {}),
    ...(v.description ? { description: v.description } : {}),
    tags: tagObject(v.tags),
    aliases: [...v.aliases].sort(),
    artifactDigestOf: 'mlflow-identity',
  };
  return { ...(v.run_id ? { trainingRunId: v.run_id } : {}), mlflow } as Lineage;
}

/** Whether the model may take this version as its first production version, and why not. */
async function baselineRefusal(tx: Repositories, model: string): Promise<string | undefined> {
  try {
    await assertNeverInProduction(tx, model);
    return undefined;
  } catch (error) {
    if (isClearanceError(error) && error.code === 'conflict') {
      return `${error.message} Promote it through a request.`;
    }
    throw error;
  }
}

export async function importMlflowVersion(
  deps: AppDeps,
  principal: Principal,
  input: ImportMlflowVersionInput,
): Promise<VersionImport> {
  const v = input.version;
  const id = `${v.name}@${v.version}`;
  if (v.status !== 'READY') {
    return {
      outcome: 'skipped',
      note: `MLflow has it ${v.status}: only READY versions are imported; run the import again once it is.`,
    };
  }
  if (v.source.trim() === '') {
    throw invalidInput(`MLflow version ${id} has no source.`, 'Set its source in MLflow first.');
  }
  const lineage = lineageOf(input);
  assertStorableLineage(lineage);
  const opening = {
    principal,
    model: v.name,
    audit: { action: 'mlflow.import', subject: { type: 'version', id } },
    authority: adminOnly('import from MLflow'),
  };
  return changeModel(deps, opening, async (tx, { model, policy }): Promise<VersionImport> => {
    const existing = await tx.versions.get(model.name, v.version);
    if (existing) return { outcome: 'unchanged', state: existing.state };
    // Only a version still to create is held to the source limit: one imported before the
    // limit (ADR 025) must still answer "unchanged" when the import is run again.
    assertSource(v.source);
    const first = policy.states[0] ?? 'draft';
    const refusal = input.baseline ? await baselineRefusal(tx, model.name) : undefined;
    const baseline = input.baseline !== undefined && refusal === undefined;
    const state = baseline ? 'production' : stateForStage(v.current_stage, policy.states);
    const result: VersionImport = {
      outcome: 'created',
      state,
      ...(refusal ? { note: refusal } : {}),
    };
    if (input.dryRun) return result;
    const time = deps.clock.now().toISOString();
    const version: Version = {
      model: model.name,
      version: v.version,
      artifactUri: v.source,
      artifactDigest: identityDigest(input),
      lineage,
      createdAt: isoOf(v.creation_timestamp) ?? time,
      createdBy: principal.id,
    };
    const registered = baseline ? first : state;
    await tx.versions.insert(version, {
      model: model.name,
      version: v.version,
      state: registered,
      since: time,
    });
    const reason = `Imported from MLflow at ${input.source}`;
    const subject = opening.audit.subject;
    const digests = { artifact: version.artifactDigest, policy: model.policyDigest };
    await tx.audit.append(
      auditRecord({
        actor: principal,
        time,
        action: 'version.registered',
        subject,
        reason,
        digests: { ...digests, lineage: lineageDigest(lineage) },
        data: {
          artifactUri: v.source,
          state: registered,
          source: input.source,
          mlflowStage: v.current_stage,
        },
      }),
    );
    if (baseline) {
      await tx.versions.setState({ model: model.name, version: v.version, state, since: time });
      await tx.serving.set({ model: model.name, production: { version: v.version, since: time } });
      await tx.audit.append(
        auditRecord({
          actor: principal,
          time,
          action: 'version.imported',
          subject,
          reason: `In ${input.baseline} in MLflow at ${input.source}`,
          digests,
          data: {
            model: model.name,
            version: v.version,
            from: registered,
            to: 'production',
            source: input.source,
          },
        }),
      );
    }
    return result;
  });
}

/**
 * The versions Clearance has of a model, with their states, in one read: a rerun leaves them as
 * they are without a write transaction each. Admins only, as the import.
 */
export async function knownVersionStates(
  deps: AppDeps,
  principal: Principal,
  model: string,
): Promise<Map<string, string>> {
  const subject = { type: 'model', id: model };
  return guarded(deps, { actor: principal, action: 'mlflow.import', subject }, () =>
    deps.store.read(async (tx) => {
      assertAnyRole({ principal, model, roles: ['admin'], action: 'import from MLflow' });
      return new Map((await tx.versions.list(model)).map((v) => [v.version, v.state]));
    }),
  );
}
