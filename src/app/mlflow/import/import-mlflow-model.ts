/**
 * One MLflow registered model into Clearance, in one transaction with its audit entries: a model
 * Clearance does not have is registered under the import's policy (`model.registered`, then
 * `mlflow.model.imported` with the source URL, description, tags and aliases); one it has keeps
 * its policy and owner, and a new `mlflow.model.imported` entry is written only when MLflow's
 * description, tags or aliases differ from the last import from the same server. The tags,
 * description and aliases the MLflow API answers follow once the versions are in
 * (import-mlflow-metadata.ts).
 */
import { canonicalJson, invalidInput, type Principal } from '../../../domain/index.js';
import { assertModelInput, insertModel } from '../../registry/register-model.js';
import { type ParsedPolicyText, storePolicy } from '../../registry/register-policy.js';
import type { AppDeps } from '../../shared/app-deps.js';
import { auditRecord } from '../../shared/audit-record.js';
import { assertAnyRole, guarded } from '../../shared/authorise.js';
import type { Repositories } from '../../shared/ports.js';
import { type MlflowRegisteredModel, tagObject } from './mlflow-records.js';

export type ModelOutcome = 'created' | 'updated' | 'unchanged';

/** What an import records of a registered model: compared on the next import. */
function metadataOf(model: MlflowRegisteredModel): Record<string, unknown> {
  const aliases = [...model.aliases].sort((a, b) => (a.alias < b.alias ? -1 : 1));
  return {
    description: model.description ?? '',
    tags: tagObject(model.tags),
    aliases: Object.fromEntries(aliases.map((a) => [a.alias, a.version])),
  };
}

/** The metadata the last `mlflow.model.imported` entry from `source` recorded, if any. */
async function lastImported(
  tx: Repositories,
  input: { model: string; source: string },
): Promise<unknown> {
  const entries = await tx.audit.aboutSubject({ type: 'model', id: input.model }, [
    'mlflow.model.imported',
  ]);
  const mine = entries.filter((e) => e.data.source === input.source);
  return mine.at(-1)?.data.mlflow;
}

export interface ImportMlflowModelInput {
  source: string;
  model: MlflowRegisteredModel;
  /** For a model Clearance does not have yet: the policy and owner team it is registered with. */
  register?: { policy: ParsedPolicyText; ownerTeam: string } | undefined;
  dryRun: boolean;
}

/** Admins only; a refusal (a name Clearance does not allow, no policy given) writes nothing. */
export async function importMlflowModel(
  deps: AppDeps,
  principal: Principal,
  input: ImportMlflowModelInput,
): Promise<ModelOutcome> {
  const name = input.model.name;
  const subject = { type: 'model', id: name };
  const mlflow = metadataOf(input.model);
  return guarded(deps, { actor: principal, action: 'mlflow.import', subject }, () =>
    deps.store.transaction(async (tx): Promise<ModelOutcome> => {
      assertAnyRole({ principal, model: name, roles: ['admin'], action: 'import from MLflow' });
      const existing = await tx.models.get(name, { forUpdate: true });
      let outcome: ModelOutcome = 'updated';
      if (existing) {
        const last = await lastImported(tx, { model: name, source: input.source });
        if (last !== undefined && canonicalJson(last) === canonicalJson(mlflow)) return 'unchanged';
        if (input.dryRun) return 'updated';
      } else {
        const { register } = input;
        if (!register) {
          throw invalidInput(
            `Model ${name} is not in Clearance yet and no policy was given.`,
            'Pass --policy FILE and --owner-team TEAM to register the models the import creates.',
          );
        }
        const policy = register.policy;
        const model = {
          name,
          ownerTeam: register.ownerTeam,
          riskTier: policy.policy.metadata.riskTier,
          policyDigest: policy.digest,
          ...(input.model.description ? { description: input.model.description } : {}),
        };
        assertModelInput(model);
        if (input.dryRun) return 'created';
        await storePolicy(tx, { deps, principal, parsed: policy });
        await insertModel(tx, { deps, principal, model });
        outcome = 'created';
      }
      await tx.audit.append(
        auditRecord({
          actor: principal,
          time: deps.clock.now().toISOString(),
          action: 'mlflow.model.imported',
          subject,
          reason: `Imported from MLflow at ${input.source}`,
          data: { source: input.source, mlflow },
        }),
      );
      return outcome;
    }),
  );
}
