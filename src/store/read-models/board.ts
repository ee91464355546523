import type { BoardModelData, ReadModels } from '../../app/shared/ports.js';
import type { DecisionRecord, TransitionRequest } from '../../domain/index.js';
import { fromJson, type RepositoryContext } from '../columns.js';
import { toModel } from '../repositories/model-repository.js';
import { toRequest } from '../repositories/request-repository.js';
import { toServing } from '../repositories/serving-repository.js';

const openStatuses = ['pending', 'approved'];

/**
 * The release board: one page of models (keyset on the name, through `models_by_team` or
 * `models_by_risk_tier` when filtered) and, for the page's models, their versions, serving rows,
 * open requests, those requests' decisions, open rollouts and emergency changes owing a review:
 * at most seven statements whatever the page size, each an index range per model.
 */
export function boardReadModel({ db }: RepositoryContext): ReadModels['board'] {
  return async (query) => {
    if (query.models?.length === 0) return [];
    let page = db.selectFrom('models').selectAll();
    if (query.team !== undefined) page = page.where('owner_team', '=', query.team);
    if (query.riskTier !== undefined) page = page.where('risk_tier', '=', query.riskTier);
    if (query.models !== undefined) page = page.where('name', 'in', [...query.models]);
    if (query.after !== undefined) page = page.where('name', '>', query.after);
    const models = (await page.orderBy('name').limit(query.limit).execute()).map(toModel);
    if (models.length === 0) return [];
    const names = models.map((m) => m.name);
    const [versions, serving, open, rollouts, reviewsDue] = await Promise.all([
      db
        .selectFrom('versions as v')
        .innerJoin('version_states as s', (join) =>
          join.onRef('s.model', '=', 'v.model').onRef('s.version', '=', 'v.version'),
        )
        .select(['v.model', 'v.version', 's.state'])
        .where('v.model', 'in', names)
        .orderBy('v.model')
        .orderBy('v.created_at')
        .orderBy('v.version')
        .execute(),
      db.selectFrom('serving').selectAll().where('model', 'in', names).execute(),
      db
        .selectFrom('transition_requests')
        .selectAll()
        .where('model', 'in', names)
        .where('status', 'in', openStatuses)
        .orderBy('requested_at')
        .orderBy('id')
        .execute(),
      db
        .selectFrom('rollouts')
        .select(['id', 'model', 'version'])
        .where('model', 'in', names)
        .where('status', 'in', ['running', 'paused'])
        .execute(),
      db
        .selectFrom('transition_requests')
        .selectAll()
        .where('model', 'in', names)
        .where('status', 'in', ['executed', 'expired'])
        .where('change_type', '=', 'emergency')
        .where('review_due_at', '<=', query.now)
        .orderBy('requested_at')
        .orderBy('id')
        .execute(),
    ]);
    const requests = open.map(toRequest);
    const decisionIds = requests.flatMap((r) => (r.decisionId ? [r.decisionId] : []));
    const decisions = new Map(
      decisionIds.length === 0
        ? []
        : (
            await db
              .selectFrom('decisions')
              .select(['id', 'payload'])
              .where('id', 'in', decisionIds)
              .execute()
          ).map((row) => [row.id, fromJson<DecisionRecord>(row.payload)]),
    );
    const servingOf = new Map(serving.map((row) => [row.model, toServing(row)]));
    const versionsOf = groupBy(versions, (v) => v.model);
    const openOf = groupBy(requests, (r) => r.model);
    const reviewsOf = groupBy(reviewsDue.map(toRequest), (r) => r.model);
    const rolloutOf = new Map(rollouts.map((r) => [r.model, { id: r.id, version: r.version }]));
    return models.map((model): BoardModelData => {
      const rollout = rolloutOf.get(model.name);
      return {
        model,
        versions: (versionsOf.get(model.name) ?? []).map((v) => ({
          version: v.version,
          state: v.state,
        })),
        serving: servingOf.get(model.name) ?? { model: model.name },
        open: (openOf.get(model.name) ?? []).map((request) => withDecision(request, decisions)),
        ...(rollout ? { rollout } : {}),
        reviewsDue: reviewsOf.get(model.name) ?? [],
      };
    });
  };
}

function withDecision(request: TransitionRequest, decisions: Map<string, DecisionRecord>) {
  const decision = request.decisionId ? decisions.get(request.decisionId) : undefined;
  return decision ? { request, decision } : { request };
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
