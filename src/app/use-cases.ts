/**
 * Every use case the edges call, with its deps bound: `http/` and `cli/` parse, call one of these
 * and render. Each method authorises inside the app (reads included) and throws ClearanceError
 * refusals (`forbidden`, `not_found`, …) itself; a `forbidden` one is audited as `access.denied`.
 */
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
  return {
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
  };
}
