/** Read-only use cases of the registry's shape: models, versions, the serving view. */
import {
  type EvidenceRecord,
  invalidInput,
  type Model,
  notFound,
  type Principal,
  type ServingView,
  type VersionView,
} from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import type { Repositories } from '../shared/ports.js';
import type { VersionPage } from '../shared/read-cache.js';

export type { VersionPage };

import { loadModel } from '../shared/load-policy.js';
import { guardedRead } from '../shared/read-access.js';

/** Registry reads need a role (any); a refusal is audited as `access.denied`. */
function registryRead(principal: Principal, action: string, what: string) {
  return { principal, action, subject: { type: 'registry', id: action }, what };
}

/**
 * Refuses a caller who may not list models, as `listModels` would, without reading the list:
 * for a read that answers from something kept beside it (MLflow's kept searches).
 */
export async function assertMayListModels(deps: AppDeps, principal: Principal): Promise<void> {
  await guardedRead(
    deps,
    registryRead(principal, 'model.list', 'the model list'),
    async () => undefined,
  );
}

export async function listModels(deps: AppDeps, principal: Principal): Promise<Model[]> {
  return guardedRead(deps, registryRead(principal, 'model.list', 'the model list'), async () => {
    const load = () => deps.store.read((tx) => tx.models.list());
    const kept = deps.hotReads?.modelList;
    // Kept until the next commit (`readCache`); a list is never "not found".
    return kept === undefined ? load() : ((await kept.get('all', load)) ?? []);
  });
}

export async function getModel(
  deps: AppDeps,
  principal: Principal,
  input: { name: string },
): Promise<Model> {
  const read = registryRead(principal, 'model.read', `model ${input.name}`);
  return guardedRead(deps, read, async () => {
    // One statement: no transaction needed.
    const load = () => deps.store.readOne((tx) => tx.models.get(input.name));
    const model = await (deps.hotReads?.models.get(input.name, load) ?? load());
    if (!model)
      throw notFound(`Model ${input.name}`, 'Register the model first, or check the name.');
    return model;
  });
}

export async function listVersions(
  deps: AppDeps,
  principal: Principal,
  input: { model: string },
): Promise<VersionView[]> {
  return (await versionPage(deps, principal, input)).versions;
}

/** Pages hold at most this many versions. */
export const maxVersionPage = 1000;

/**
 * A model's versions in registration order, `limit` at a time after version `after` (all of them
 * when no limit is given). An `after` the model does not have is bad input, not an empty page.
 * With `hotReads`, the page is frozen and shared until the model's versions change.
 */
export async function versionPage(
  deps: AppDeps,
  principal: Principal,
  input: { model: string; limit?: number | undefined; after?: string | undefined },
): Promise<VersionPage> {
  const { model, limit, after } = input;
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= maxVersionPage)) {
    throw invalidInput(
      `Page size ${limit} is out of range.`,
      `Ask for 1 to ${maxVersionPage} versions.`,
    );
  }
  const read = registryRead(principal, 'version.list', `versions of ${model}`);
  return guardedRead(deps, read, () => {
    const pages = deps.hotReads?.versionPages;
    if (pages === undefined) return deps.store.read((tx) => readVersionPage(tx, input));
    // Kept per query under the model's version-change count: re-read only once it moved.
    return pages.get({
      key: `${model}\u0000${limit ?? ''}\u0000${after ?? ''}`,
      count: () => deps.store.readOne((tx) => tx.versions.changes(model)),
      read: () =>
        deps.store.read(async (tx) => {
          const count = await tx.versions.changes(model);
          return { count, value: await readVersionPage(tx, input) };
        }),
    });
  });
}

async function readVersionPage(
  tx: Repositories,
  input: { model: string; limit?: number | undefined; after?: string | undefined },
): Promise<VersionPage> {
  const { model, limit, after } = input;
  await loadModel(tx, model);
  const anchor = after === undefined ? undefined : await tx.versions.get(model, after);
  if (after !== undefined && anchor === undefined) {
    throw invalidInput(
      `Model ${model} has no version ${after} to page after.`,
      'Use the `after` of the previous page (its Link header), or drop it to start over.',
    );
  }
  if (limit === undefined && anchor === undefined)
    return { versions: await tx.versions.list(model) };
  // One more than asked tells whether a next page exists without a count.
  const rows = await tx.versions.page(model, {
    limit: (limit ?? maxVersionPage) + 1,
    ...(anchor === undefined ? {} : { after: anchor }),
  });
  const size = limit ?? maxVersionPage;
  const versions = rows.slice(0, size);
  const last = versions.at(-1);
  return rows.length > size && last !== undefined ? { versions, next: last.version } : { versions };
}

export async function getVersion(
  deps: AppDeps,
  principal: Principal,
  input: { model: string; version: string },
): Promise<VersionView> {
  const id = `${input.model}@${input.version}`;
  return guardedRead(deps, registryRead(principal, 'version.read', `version ${id}`), async () => {
    const load = () => deps.store.readOne((tx) => tx.versions.get(input.model, input.version));
    const key = `${input.model}\u0000${input.version}`;
    const found = await (deps.hotReads?.versions.get(key, load) ?? load());
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
  // One statement (the model joined to its serving row): no transaction needed.
  return guardedRead(deps, read, async () => {
    const load = () => deps.store.readOne((tx) => tx.serving.ofModel(input.model));
    const view = await (deps.hotReads?.serving.get(input.model, load) ?? load());
    if (!view)
      throw notFound(`Model ${input.model}`, 'Register the model first, or check the name.');
    return view;
  });
}

/**
 * The evidence attached to a version: path, kind, digest, size, who attached it and when. Like
 * the evidence pack and the files themselves, for those holding a role on the model.
 */
export async function listEvidence(
  deps: AppDeps,
  principal: Principal,
  input: { model: string; version: string },
): Promise<EvidenceRecord[]> {
  const id = `${input.model}@${input.version}`;
  const read = {
    ...registryRead(principal, 'evidence.list', `evidence of ${id}`),
    model: input.model,
  };
  return guardedRead(deps, read, () =>
    deps.store.read(async (tx) => {
      if (!(await tx.versions.get(input.model, input.version)))
        throw notFound(`Version ${id}`, 'Check the model and version names.');
      return tx.evidence.list(input.model, input.version);
    }),
  );
}
