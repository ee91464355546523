/**
 * The release board's data, from the public API: models, then per model its versions, serving
 * view and open requests (with each request's decision, for failed gates), plus the caller's
 * inbox and the overdue post-incident reviews. A model the caller may not read is skipped.
 */
import type { ApiClient } from '../../api/client';
import {
  type DecisionRecord,
  gatesOf,
  type Model,
  type TransitionRequest,
  type Version,
} from '../../api/types';

export interface ServingSummary {
  production?: string;
  /** The canary and, when the caller may read it, the rollout that runs it. */
  canary?: { version: string; traffic: number; rolloutId?: string };
}

export interface OpenRequest {
  request: TransitionRequest;
  failedGates: string[];
  /** The caller could sign it in these roles. */
  waitingForMe: string[];
}

export interface BoardRow {
  model: Model;
  versions: Version[];
  serving: ServingSummary;
  open: OpenRequest[];
  overdueReviews: number;
}

async function decisionOf(api: ApiClient, id: string | undefined) {
  if (!id) return undefined;
  return api.get('/api/v1/decisions/{id}', { path: { id } }).catch(() => undefined);
}

function failedGates(decision: DecisionRecord | undefined): string[] {
  if (!decision) return [];
  return gatesOf(decision)
    .filter((gate) => gate.outcome !== 'pass')
    .map((gate) => gate.gateId);
}

async function loadRow(
  api: ApiClient,
  input: { model: Model; inbox: Map<string, string[]>; overdue: Map<string, number> },
): Promise<BoardRow> {
  const { model } = input;
  const name = model.name;
  const [versions, serving, requests] = await Promise.all([
    api.get('/api/v1/models/{name}/versions', { path: { name } }),
    api.get('/api/v1/models/{name}/serving', { path: { name } }),
    api.get('/api/v1/requests', {
      query: { model: name, status: ['pending', 'approved'] },
    }),
  ]);
  const open = await Promise.all(
    requests.map(async (request) => ({
      request,
      failedGates: failedGates(await decisionOf(api, request.decisionId)),
      waitingForMe: input.inbox.get(request.id) ?? [],
    })),
  );
  const canary = serving.canary as { version?: unknown; traffic?: unknown } | undefined;
  const production = serving.production as { version?: unknown } | undefined;
  const rolloutId =
    typeof canary?.version === 'string'
      ? await canaryRollout(api, name, canary.version)
      : undefined;
  return {
    model,
    versions,
    serving: {
      ...(typeof production?.version === 'string' ? { production: production.version } : {}),
      ...(typeof canary?.version === 'string' && typeof canary.traffic === 'number'
        ? {
            canary: {
              version: canary.version,
              traffic: canary.traffic,
              ...(rolloutId ? { rolloutId } : {}),
            },
          }
        : {}),
    },
    open,
    overdueReviews: input.overdue.get(name) ?? 0,
  };
}

/** The newest open rollout of the canary version, if the caller may list rollouts. */
async function canaryRollout(api: ApiClient, model: string, version: string) {
  const rollouts = await api.get('/api/v1/rollouts', { query: { model } }).catch(() => []);
  const open = rollouts.filter(
    (r) => r.version === version && (r.status === 'running' || r.status === 'paused'),
  );
  return open.at(-1)?.id;
}

export async function loadBoard(api: ApiClient): Promise<BoardRow[]> {
  const [models, inboxItems, reviews] = await Promise.all([
    api.get('/api/v1/models'),
    api.get('/api/v1/inbox'),
    api.get('/api/v1/reviews', { query: { status: 'overdue' } }).catch(() => []),
  ]);
  const inbox = new Map(inboxItems.map((item) => [item.request.id, item.roles]));
  const overdue = new Map<string, number>();
  for (const review of reviews) overdue.set(review.model, (overdue.get(review.model) ?? 0) + 1);
  const rows = await Promise.all(
    models.map((model) => loadRow(api, { model, inbox, overdue }).catch(() => undefined)),
  );
  return rows.filter((row): row is BoardRow => row !== undefined);
}

export interface BoardFilter {
  team?: string;
  tier?: string;
  waitingForMe: boolean;
}

/** The rows a filter keeps: by owner team, risk tier, and requests the caller could sign. */
export function filterBoard(rows: readonly BoardRow[], filter: BoardFilter): BoardRow[] {
  return rows.filter(
    (row) =>
      (!filter.team || row.model.ownerTeam === filter.team) &&
      (!filter.tier || row.model.riskTier === filter.tier) &&
      (!filter.waitingForMe || row.open.some((open) => open.waitingForMe.length > 0)),
  );
}

/** The default stage pipeline; a policy's own extra states are appended in first-seen order. */
const defaultStages = ['draft', 'staging', 'production', 'deprecated', 'archived'] as const;

export function stagesOf(versions: readonly Version[]): string[] {
  const stages: string[] = [...defaultStages];
  for (const version of versions) if (!stages.includes(version.state)) stages.push(version.state);
  return stages;
}
