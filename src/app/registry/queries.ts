/** Read-only use cases of the registry's shape: models, versions, the serving view. */
import {
  type EvidenceRecord,
  type Model,
  notFound,
  type Principal,
  type ServingView,
  type VersionView,
} from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { loadModel } from '../shared/load-policy.js';
import { guardedRead } from '../shared/read-access.js';

/** Registry reads need a role (any); a refusal is audited as `access.denied`. */
function registryRead(principal: Principal, action: string, what: string) {
  return { principal, action, subject: { type: 'registry', id: action }, what };
}

export async function listModels(deps: AppDeps, principal: Principal): Promise<Model[]> {
  return guardedRead(deps, registryRead(principal, 'model.list', 'the model list'), () =>
    deps.store.read((tx) => tx.models.list()),
  );
}

export async function getModel(
  deps: AppDeps,
  principal: Principal,
  input: { name: string },
): Promise<Model> {
  const read = registryRead(principal, 'model.read', `model ${input.name}`);
  return guardedRead(deps, read, () => deps.store.read((tx) => loadModel(tx, input.name)));
}

export async function listVersions(
  deps: AppDeps,
  principal: Principal,
  input: { model: string },
): Promise<VersionView[]> {
  const read = registryRead(principal, 'version.list', `versions of ${input.model}`);
  return guardedRead(deps, read, () =>
    deps.store.read(async (tx) => {
      await loadModel(tx, input.model);
      return tx.versions.list(input.model);
    }),
  );
}

export async function getVersion(
  deps: AppDeps,
  principal: Principal,
  input: { model: string; version: string },
): Promise<VersionView> {
  const id = `${input.model}@${input.version}`;
  return guardedRead(deps, registryRead(principal, 'version.read', `version ${id}`), async () => {
    const found = await deps.store.read((tx) => tx.versions.get(input.model, input.version));
    if (!found) throw notFound(`Version ${id}`, 'Check the model and version names.');
    return found;
  });
}

export async function getServing(
  deps: AppDeps,
  principal: Principal,
  input: { model: string },
): Promise<ServingView> {
  const read = registryRead(principal, 'serving.read', `serving of ${input.model}`);
  return guardedRead(deps, read, () =>
    deps.store.read(async (tx) => {
      await loadModel(tx, input.model);
      return tx.serving.get(input.model);
    }),
  );
}

/** The evidence attached to a version: path, kind, digest, size, who attached it and when. */
export async function listEvidence(
  deps: AppDeps,
  principal: Principal,
  input: { model: string; version: string },
): Promise<EvidenceRecord[]> {
  const id = `${input.model}@${input.version}`;
  const read = registryRead(principal, 'evidence.list', `evidence of ${id}`);
  return guardedRead(deps, read, () =>
    deps.store.read(async (tx) => {
      if (!(await tx.versions.get(input.model, input.version)))
        throw notFound(`Version ${id}`, 'Check the model and version names.');
      return tx.evidence.list(input.model, input.version);
    }),
  );
}
