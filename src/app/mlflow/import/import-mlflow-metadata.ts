/**
 * An import makes a model's MLflow metadata in Clearance MLflow's again (metadata-plan.ts): its
 * tags and description, its versions' tags and descriptions, its plain aliases. Every change,
 * removals included, writes its own audit entry (`model.tag_deleted`, `model.alias_deleted`, …,
 * with the source URL), all of one model's in one transaction, once its versions are in. Governed
 * aliases are not copied: they follow the production version. A rerun with nothing changed in
 * MLflow finds nothing to change and writes nothing.
 */
import type { Model, Principal } from '../../../domain/index.js';
import type { AppDeps } from '../../shared/app-deps.js';
import { type AuditFacts, auditRecord } from '../../shared/audit-record.js';
import { assertAnyRole, guarded } from '../../shared/authorise.js';
import { loadModel } from '../../shared/load-policy.js';
import { adminOnly, changeModel } from '../../shared/model-change.js';
import type { Repositories } from '../../shared/ports.js';
import { writeModelTag } from '../mlflow-metadata.js';
import { settingsOf } from '../mlflow-queries.js';
import {
  type MetadataChange,
  planMetadataChanges,
  type StoredMlflowMetadata,
} from './metadata-plan.js';
import type { MlflowModelVersion, MlflowRegisteredModel } from './mlflow-records.js';

async function storedMetadata(tx: Repositories, model: Model): Promise<StoredMlflowMetadata> {
  return {
    description: model.description ?? '',
    tags: await tx.metadata.modelTags(model.name),
    aliases: await tx.metadata.aliases(model.name),
    versions: await tx.versions.list(model.name),
    versionTags: await tx.metadata.versionTags(model.name),
    versionDescriptions: await tx.metadata.versionDescriptions(model.name),
  };
}

interface Applying {
  principal: Principal;
  model: string;
  source: string;
  at: string;
}

/** A change's stored write and its audit action, subject and data. */
async function applyChange(tx: Repositories, change: MetadataChange, ctx: Applying) {
  const { principal, model, source, at } = ctx;
  const reason = `Imported from MLflow at ${source}`;
  if (change.kind === 'model.tag') {
    const { key, value } = change;
    return writeModelTag(tx, { principal, model, key, value, at, reason, source });
  }
  const modelSubject = { type: 'model', id: model };
  let entry: { action: AuditFacts['action']; subject: { type: string; id: string }; data: object };
  switch (change.kind) {
    case 'model.description':
      await tx.metadata.setModelDescription(model, change.description);
      entry = {
        action: 'model.description_updated',
        subject: modelSubject,
        data: { description: change.description },
      };
      break;
    case 'version.tag': {
      const { version, key, value } = change;
      await tx.metadata.setVersionTag({ model, version, key, value, at });
      entry = {
        action: value === null ? 'version.tag_deleted' : 'version.tag_set',
        subject: { type: 'version', id: `${model}@${version}` },
        data: value === null ? { key } : { key, value },
      };
      break;
    }
    case 'version.description': {
      const { version, description } = change;
      await tx.metadata.setVersionDescription({ model, version, description, at });
      entry = {
        action: 'version.description_updated',
        subject: { type: 'version', id: `${model}@${version}` },
        data: { description },
      };
      break;
    }
    case 'alias': {
      const { alias, version } = change;
      await tx.metadata.setAlias({ model, alias, version, at });
      entry = {
        action: version === null ? 'model.alias_deleted' : 'model.alias_set',
        subject: modelSubject,
        data: version === null ? { alias } : { alias, version },
      };
      break;
    }
  }
  await tx.audit.append(
    auditRecord({
      actor: principal,
      time: at,
      ...entry,
      reason,
      data: { ...entry.data, source },
    }),
  );
}

/**
 * The changes that make the model's metadata MLflow's, written (or, on a dry run, only counted)
 * in one transaction; admins only, as the import. Returns how many there were.
 */
export async function syncMlflowMetadata(
  deps: AppDeps,
  principal: Principal,
  input: {
    source: string;
    model: MlflowRegisteredModel;
    versions: readonly MlflowModelVersion[];
    dryRun: boolean;
  },
): Promise<number> {
  const name = input.model.name;
  const plan = async (tx: Repositories, model: Model) =>
    planMetadataChanges({
      stored: await storedMetadata(tx, model),
      model: input.model,
      versions: input.versions,
      governedAliases: settingsOf(deps).governedAliases,
    });
  const subject = { type: 'model', id: name };
  if (input.dryRun) {
    return guarded(deps, { actor: principal, action: 'mlflow.import', subject }, () =>
      deps.store.read(async (tx) => {
        assertAnyRole({ principal, model: name, roles: ['admin'], action: 'import from MLflow' });
        const model = await loadModel(tx, name);
        return (await plan(tx, model)).length;
      }),
    );
  }
  const opening = {
    principal,
    model: name,
    audit: { action: 'mlflow.import', subject },
    authority: adminOnly('import from MLflow'),
  };
  return changeModel(deps, opening, async (tx, { model }) => {
    const changes = await plan(tx, model);
    const ctx = {
      principal,
      model: name,
      source: input.source,
      at: deps.clock.now().toISOString(),
    };
    for (const change of changes) await applyChange(tx, change, ctx);
    return changes.length;
  });
}
