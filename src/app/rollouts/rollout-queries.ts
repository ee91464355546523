/**
 * Reads of rollouts: one by id, or a list by status and model. Both need a role on the rollout's
 * model (global roles hold for every model); the list keeps only the rollouts the caller could
 * read one by one.
 */
import { notFound, type Principal } from '../../domain/index.js';
import type { RolloutStatus } from '../../rollout/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { canReadModel, guardedRead } from '../shared/read-access.js';
import { type RolloutView, rolloutActions, rolloutView } from './rollout-view.js';

export async function getRollout(
  deps: AppDeps,
  principal: Principal,
  input: { rolloutId: string },
): Promise<RolloutView> {
  const found = await deps.store.read(async (tx) => {
    const rollout = await tx.rollouts.get(input.rolloutId);
    return rollout ? { rollout, actions: await rolloutActions(tx, rollout.id) } : undefined;
  });
  if (!found) {
    throw notFound(`Rollout ${input.rolloutId}`, 'List rollouts with GET /api/v1/rollouts.');
  }
  return guardedRead(
    deps,
    {
      principal,
      action: 'rollout.read',
      subject: { type: 'rollout', id: found.rollout.id },
      model: found.rollout.model,
      what: `rollout ${found.rollout.id}`,
    },
    async () => rolloutView(found.rollout, found.actions),
  );
}

export async function listRollouts(
  deps: AppDeps,
  principal: Principal,
  input: { status?: RolloutStatus[]; model?: string },
): Promise<RolloutView[]> {
  return guardedRead(
    deps,
    {
      principal,
      action: 'rollout.list',
      subject: { type: 'rollouts', id: input.model ?? '*' },
      ...(input.model !== undefined ? { model: input.model } : {}),
      what: 'rollouts',
    },
    async () => {
      const rows = await deps.store.read((tx) =>
        tx.rollouts.list({
          ...(input.status ? { status: input.status } : {}),
          ...(input.model !== undefined ? { model: input.model } : {}),
        }),
      );
      // Without a model filter the read needs any role; each row, a role on its model.
      return rows
        .filter((row) => canReadModel(principal, row.model))
        .map((row) => rolloutView(row));
    },
  );
}
