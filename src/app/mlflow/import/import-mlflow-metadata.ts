/**
 * What an import keeps of MLflow's mutable metadata in the tables the MLflow API reads (0013):
 * the model's tags and description (in the import's own transaction, see import-mlflow-model.ts)
 * and its plain aliases once their versions are in Clearance. Governed aliases are not copied:
 * they follow the production version. Rerunning writes nothing when nothing changed.
 */
import type { Principal } from '../../../domain/index.js';
import type { AppDeps } from '../../shared/app-deps.js';
import { auditRecord } from '../../shared/audit-record.js';
import { adminOnly, changeModel } from '../../shared/model-change.js';
import type { Repositories } from '../../shared/ports.js';
import { settingsOf } from '../mlflow-queries.js';
import type { MlflowRegisteredModel } from './mlflow-records.js';

const isClearanceTag = (key: string) => key.startsWith('clearance.');

/** The model's tags as MLflow has them now: set what differs, remove what MLflow removed. */
export async function writeModelMetadata(
  tx: Repositories,
  input: { model: MlflowRegisteredModel; at: string },
): Promise<void> {
  const name = input.model.name;
  const stored = await tx.metadata.modelTags(name);
  const wanted = Object.fromEntries(
    input.model.tags.filter((t) => !isClearanceTag(t.key)).map((t) => [t.key, t.value]),
  );
  for (const [key, value] of Object.entries(wanted)) {
    if (stored[key] !== value)
      await tx.metadata.setModelTag({ model: name, key, value, at: input.at });
  }
  for (const key of Object.keys(stored)) {
    if (!(key in wanted))
      await tx.metadata.setModelTag({ model: name, key, value: null, at: input.at });
  }
  if (input.model.description) await tx.metadata.setModelDescription(name, input.model.description);
}

/**
 * The model's plain aliases whose versions Clearance has, in one transaction with one
 * `model.alias_set` entry per alias that changed; admins only, as the import.
 */
export async function importMlflowAliases(
  deps: AppDeps,
  principal: Principal,
  input: { source: string; model: MlflowRegisteredModel },
): Promise<number> {
  const governed = settingsOf(deps).governedAliases;
  const plain = input.model.aliases.filter((a) => !governed.includes(a.alias));
  if (plain.length === 0) return 0;
  const subject = { type: 'model', id: input.model.name };
  const opening = {
    principal,
    model: input.model.name,
    audit: { action: 'mlflow.import', subject },
    authority: adminOnly('import from MLflow'),
  };
  return changeModel(deps, opening, async (tx, { model }) => {
    const stored = new Map(
      (await tx.metadata.aliases(model.name)).map((a) => [a.alias, a.version]),
    );
    const at = deps.clock.now().toISOString();
    let changed = 0;
    for (const { alias, version } of plain) {
      if (stored.get(alias) === version || !(await tx.versions.get(model.name, version))) continue;
      await tx.metadata.setAlias({ model: model.name, alias, version, at });
      await tx.audit.append(
        auditRecord({
          actor: principal,
          time: at,
          action: 'model.alias_set',
          subject,
          reason: `Imported from MLflow at ${input.source}`,
          data: { alias, version, source: input.source },
        }),
      );
      changed += 1;
    }
    return changed;
  });
}
