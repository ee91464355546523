/**
 * Every use case the edges call, with its deps bound: `http/` and `cli/` parse, call one of these
 * and render. Each method authorises inside the app (reads included) and throws ClearanceError
 * refusals (`forbidden`, `not_found`, …) itself; a `forbidden` one is audited as `access.denied`.
 * Each first refuses text no engine can store in any of its arguments (`assertStorableInput`),
 * and free text (`reason`, `comment`, `ticket`, `description`) longer than `maxFreeTextBytes`.
 */
import { assertStorableInput, assertTextWithin, maxFreeTextBytes } from '../domain/index.js';
import { type AuditLogUseCases, bindAuditLogUseCases } from './audit-log/audit-log-use-cases.js';
import { type BoardUseCases, bindBoardUseCases } from './board/board-use-cases.js';
import {
  bindEvidencePackUseCases,
  type EvidencePackUseCases,
} from './evidence-pack/evidence-pack-use-cases.js';
import { bindIdentityUseCases, type IdentityUseCases } from './identity/identity-use-cases.js';
import { bindMlflowUseCases, type MlflowUseCases } from './mlflow/mlflow-use-cases.js';
import {
  bindNotificationUseCases,
  type NotificationUseCases,
} from './notifications/notification-use-cases.js';
import { bindRegistryUseCases, type RegistryUseCases } from './registry/registry-use-cases.js';
import { bindReplayUseCases, type ReplayUseCases } from './replay/replay-use-cases.js';
import { bindReviewUseCases, type ReviewUseCases } from './reviews/review-use-cases.js';
import { bindRolloutUseCases, type RolloutUseCases } from './rollouts/rollout-use-cases.js';
import type { AppDeps } from './shared/app-deps.js';
import type { AuditSigner } from './shared/ports.js';
import {
  bindTransitionUseCases,
  type TransitionUseCases,
} from './transitions/transition-use-cases.js';

export interface UseCases
  extends RegistryUseCases,
    TransitionUseCases,
    ReplayUseCases,
    AuditLogUseCases,
    IdentityUseCases,
    EvidencePackUseCases,
    ReviewUseCases,
    NotificationUseCases,
    RolloutUseCases,
    MlflowUseCases,
    BoardUseCases {}

/** Without `auditSigner` the audit-log use cases refuse with `audit_unavailable`. */
export function bindUseCases(deps: AppDeps, auditSigner?: AuditSigner): UseCases {
  return refusingUnstorableText({
    ...bindRegistryUseCases(deps),
    ...bindTransitionUseCases(deps),
    ...bindReplayUseCases(deps),
    ...bindAuditLogUseCases(deps, auditSigner),
    ...bindIdentityUseCases(deps),
    ...bindEvidencePackUseCases(deps, auditSigner),
    ...bindReviewUseCases(deps),
    ...bindNotificationUseCases(deps),
    ...bindRolloutUseCases(deps),
    ...bindMlflowUseCases(deps),
    ...bindBoardUseCases(deps),
  });
}

/** The use cases an HTTP route that takes an `Idempotency-Key` runs (the routes' `idempotent`). */
export type ClaimingUseCases = Pick<
  UseCases,
  | 'registerPolicy'
  | 'registerModel'
  | 'registerVersion'
  | 'attachEvidence'
  | 'requestTransition'
  | 'recordApproval'
  | 'cancelRequest'
  | 'executeTransition'
  | 'importProduction'
  | 'rollback'
  | 'recordReview'
  | 'createUser'
>;

/**
 * The claiming use cases over `deps`, for one request with a key: `deps.store` is that request's
 * claiming store (idempotency-claims.ts). Bound per request, so only these twelve, not the ~110
 * of `bindUseCases` (whose binding takes ~0.36 ms).
 */
export function bindClaimingUseCases(deps: AppDeps): ClaimingUseCases {
  const registry = bindRegistryUseCases(deps);
  const transitions = bindTransitionUseCases(deps);
  return refusingUnstorableText({
    registerPolicy: registry.registerPolicy,
    registerModel: registry.registerModel,
    registerVersion: registry.registerVersion,
    attachEvidence: registry.attachEvidence,
    requestTransition: transitions.requestTransition,
    recordApproval: transitions.recordApproval,
    cancelRequest: transitions.cancelRequest,
    executeTransition: transitions.executeTransition,
    importProduction: registry.importProduction,
    rollback: transitions.rollback,
    recordReview: bindReviewUseCases(deps).recordReview,
    createUser: bindIdentityUseCases(deps).createUser,
  });
}

/**
 * `useCases`, each refusing with `invalid_input`, before it does anything, an argument holding a
 * NUL or an unpaired surrogate (ADR 023). Here rather than in each use case's validator: every
 * edge (HTTP, the CLI's local registry, the MLflow routes) calls through this one object, and a
 * check written into fifty validators is one the fifty-first forgets. The store refuses such text
 * too, as a last line, but can only name the column.
 */
function refusingUnstorableText<T extends object>(useCases: T): T {
  const checked: Record<string, unknown> = {};
  for (const [name, run] of Object.entries(useCases) as [string, unknown][]) {
    if (typeof run !== 'function') {
      checked[name] = run;
      continue;
    }
    checked[name] = (...args: unknown[]) => {
      try {
        args.forEach((arg, index) => {
          assertStorableInput(arg, { field: argumentName(index, arg), of: name });
          assertFreeTextWithin(arg);
        });
      } catch (error) {
        // Every use case answers a promise: the refusal arrives the way its others do.
        return Promise.reject(error);
      }
      return run(...args);
    };
  }
  // The same keys with the same signatures: each function is wrapped by one that passes its
  // arguments and returns its result unchanged, which TypeScript cannot follow through entries.
  return checked as unknown as T;
}

/**
 * Fields that hold a person's free text, stored with the record and in its audit entry. A
 * `description` (a token's, a webhook's, a model's) has the same bound; MLflow's (5,000
 * characters) and a model's (`maxModelDescriptionBytes`) are within it.
 */
const freeTextFields = ['reason', 'comment', 'ticket', 'description'] as const;

/**
 * Bounds the free text of an input object (a reason, a comment, a ticket) as every edge passes
 * here: each is kept in its record and its audit entry for ever, and sent with every read.
 */
function assertFreeTextWithin(arg: unknown): void {
  if (typeof arg !== 'object' || arg === null || Array.isArray(arg)) return;
  const input = arg as Record<string, unknown>;
  for (const field of freeTextFields) {
    const value = input[field];
    if (typeof value === 'string') assertTextWithin({ field, value, maxBytes: maxFreeTextBytes });
  }
}

/** An object argument's fields are named bare (`description`), other arguments by position. */
function argumentName(index: number, arg: unknown): string {
  return typeof arg === 'object' && arg !== null && !Array.isArray(arg)
    ? ''
    : `argument ${index + 1}`;
}
