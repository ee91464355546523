/**
 * The release board: every model the caller may read, a page at a time, with its stage pipeline,
 * canary, open requests (failed gates, and the roles the caller could sign them in) and overdue
 * post-incident reviews — one read transaction of a fixed number of statements, whatever the
 * page size (`store/read-models/board.ts`), instead of several calls per model.
 */
import {
  type DecisionRecord,
  invalidInput,
  type Model,
  type Policy,
  type Principal,
  type TransitionRequest,
} from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { loadPolicy } from '../shared/load-policy.js';
import type { BoardModelData, BoardQuery, Repositories } from '../shared/ports.js';
import { guardedRead } from '../shared/read-access.js';
import { reviewStatus } from '../transitions/emergency-status.js';
import { inboxIn } from '../transitions/request-queries.js';

export interface BoardInput {
  team?: string | undefined;
  riskTier?: string | undefined;
  /** Only models with a request the caller could sign now. */
  waitingForMe?: boolean | undefined;
  limit?: number | undefined;
  /** The `next` of the previous page. */
  after?: string | undefined;
}

export interface BoardRequest {
  request: TransitionRequest;
  /** Gates of its decision that did not pass. */
  failedGates: string[];
  /** Roles the caller could sign it in now (as the inbox decides). */
  waitingForMe: string[];
}

export interface BoardRow {
  model: Model;
  /** Every version and its state, in registration order. */
  versions: { version: string; state: string }[];
  production?: string;
  /** The canary and the rollout running it, if any. */
  canary?: { version: string; traffic: number; rolloutId?: string };
  open: BoardRequest[];
  /** Post-incident reviews past due and not complete. */
  overdueReviews: number;
}

export interface BoardPage {
  models: BoardRow[];
  /** The `after` of the next page; null on the last. */
  next: string | null;
}

const defaultBoardPage = 100;
export const maxBoardPage = 500;

/**
 * A page of the board. Reading it needs a role; a model's row needs a role on that model, so a
 * caller whose roles are all scoped sees only those models (never an empty page of others).
 */
export async function releaseBoard(
  deps: AppDeps,
  principal: Principal,
  input: BoardInput,
): Promise<BoardPage> {
  const limit = input.limit ?? defaultBoardPage;
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= maxBoardPage)) {
    throw invalidInput(
      `Page size ${limit} is out of range.`,
      `Ask for 1 to ${maxBoardPage} models.`,
    );
  }
  const read = {
    principal,
    action: 'board.read',
    subject: { type: 'registry', id: 'board' },
    what: 'the release board',
  };
  return guardedRead(deps, read, () =>
    deps.store.read(async (tx) => {
      const now = deps.clock.now();
      const inbox = await inboxIn(tx, { principal, now });
      const mine = new Map(inbox.map((item) => [item.request.id, item.roles]));
      const models = modelsFor(principal, input.waitingForMe ? inbox : undefined);
      const query: BoardQuery = {
        ...(input.team ? { team: input.team } : {}),
        ...(input.riskTier ? { riskTier: input.riskTier } : {}),
        ...(models ? { models } : {}),
        ...(input.after ? { after: input.after } : {}),
        // One more than asked tells whether a next page exists without a count.
        limit: limit + 1,
        now: now.toISOString(),
      };
      const found = await tx.reads.board(query);
      const page = found.slice(0, limit);
      const rows: BoardRow[] = [];
      for (const data of page) rows.push(await boardRow(tx, { data, mine, now }));
      const last = page.at(-1);
      return { models: rows, next: found.length > limit && last ? last.model.name : null };
    }),
  );
}

/** The models the page may list; undefined when every model. */
function modelsFor(
  principal: Principal,
  waiting: { request: TransitionRequest }[] | undefined,
): string[] | undefined {
  const global = principal.kind === 'system' || principal.roles.some((b) => b.model === undefined);
  const scoped = global
    ? undefined
    : new Set(principal.roles.flatMap((b) => (b.model === undefined ? [] : [b.model])));
  if (waiting === undefined) return scoped ? [...scoped] : undefined;
  const models = new Set(waiting.map((item) => item.request.model));
  return [...models].filter((m) => scoped === undefined || scoped.has(m));
}

function failedGates(decision: DecisionRecord | undefined): string[] {
  return (decision?.gates ?? []).filter((g) => g.outcome !== 'pass').map((g) => g.gateId);
}

async function boardRow(
  tx: Repositories,
  input: { data: BoardModelData; mine: Map<string, string[]>; now: Date },
): Promise<BoardRow> {
  const { data, mine, now } = input;
  const { serving, rollout } = data;
  const canary = serving.canary;
  return {
    model: data.model,
    versions: data.versions,
    ...(serving.production ? { production: serving.production.version } : {}),
    ...(canary
      ? {
          canary: {
            version: canary.version,
            traffic: canary.traffic,
            ...(rollout?.version === canary.version ? { rolloutId: rollout.id } : {}),
          },
        }
      : {}),
    open: data.open.map(({ request, decision }) => ({
      request,
      failedGates: failedGates(decision),
      waitingForMe: mine.get(request.id) ?? [],
    })),
    overdueReviews: await overdueCount(tx, { requests: data.reviewsDue, now }),
  };
}

/**
 * How many of the emergency changes whose review was due are still unreviewed. Only these
 * candidates (past their due date, which is rare) cost a review evaluation each.
 */
async function overdueCount(
  tx: Repositories,
  input: { requests: readonly TransitionRequest[]; now: Date },
): Promise<number> {
  const policies = new Map<string, Policy>();
  let overdue = 0;
  for (const request of input.requests) {
    const version = await tx.versions.get(request.model, request.version);
    if (!version) continue;
    const policy =
      policies.get(request.policyDigest) ?? (await loadPolicy(tx, request.policyDigest));
    policies.set(request.policyDigest, policy);
    const review = await reviewStatus(tx, { policy, request, version, now: input.now });
    if (!review.satisfied) overdue += 1;
  }
  return overdue;
}
