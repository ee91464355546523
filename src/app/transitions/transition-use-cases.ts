/** Transition requests as the edges call them: request, sign off, cancel, execute, roll back, read. */
import type { DecisionRecord, Principal, TransitionRequest } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { cancelRequest } from './cancel-request.js';
import { type DryRunInput, type DryRunResult, dryRunTransition } from './dry-run-transition.js';
import { type ExecuteResult, executeTransition } from './execute-transition.js';
import { type ApprovalInput, type ApprovalResult, recordApproval } from './record-approval.js';
import {
  getDecision,
  getRequest,
  type InboxItem,
  listInbox,
  listRequests,
  type RequestFilter,
  type RequestView,
} from './request-queries.js';
import {
  type RequestTransitionInput,
  type RequestTransitionResult,
  requestTransition,
} from './request-transition.js';
import { rollback } from './rollback.js';

export interface TransitionUseCases {
  requestTransition(
    principal: Principal,
    input: RequestTransitionInput,
  ): Promise<RequestTransitionResult>;
  getRequest(principal: Principal, id: string): Promise<RequestView>;
  /** The gates of a transition evaluated now on stored evidence; nothing is stored. */
  dryRunTransition(principal: Principal, input: DryRunInput): Promise<DryRunResult>;
  /** A model's requests, oldest first, optionally of one version and some statuses. */
  listRequests(principal: Principal, filter: RequestFilter): Promise<TransitionRequest[]>;
  recordApproval(principal: Principal, input: ApprovalInput): Promise<ApprovalResult>;
  cancelRequest(
    principal: Principal,
    input: { requestId: string; reason: string },
  ): Promise<TransitionRequest>;
  executeTransition(principal: Principal, input: { requestId: string }): Promise<ExecuteResult>;
  rollback(
    principal: Principal,
    input: { model: string; reason: string; ticket?: string },
  ): Promise<{ from?: string; to?: string }>;
  /** Pending requests the principal could approve. */
  inbox(principal: Principal): Promise<InboxItem[]>;
  getDecision(principal: Principal, id: string): Promise<DecisionRecord>;
}

export function bindTransitionUseCases(deps: AppDeps): TransitionUseCases {
  return {
    requestTransition: (principal, input) => requestTransition(deps, principal, input),
    getRequest: (principal, requestId) => getRequest(deps, principal, { requestId }),
    dryRunTransition: (principal, input) => dryRunTransition(deps, principal, input),
    listRequests: (principal, filter) => listRequests(deps, principal, filter),
    recordApproval: (principal, input) => recordApproval(deps, principal, input),
    cancelRequest: (principal, input) => cancelRequest(deps, principal, input),
    executeTransition: (principal, input) => executeTransition(deps, principal, input),
    rollback: (principal, input) => rollback(deps, principal, input),
    inbox: (principal) => listInbox(deps, principal),
    getDecision: (principal, decisionId) => getDecision(deps, principal, { decisionId }),
  };
}
