/**
 * Binds the app's use cases to their deps, in the shape the routes call. `listModels`,
 * `listVersions` and `getDecision` read through the Store port here until app/queries.ts has them.
 * Reads go through `guardedRead` (app/read-access.ts): registry reads need a role, a request's or
 * decision's details a role on its model; refusals are audited as `access.denied`.
 */
import {
  type AppDeps,
  type AuditSigner,
  assertMayAttachEvidence,
  assertWithinUploadQuota,
  attachEvidence,
  cancelRequest,
  executeTransition,
  getModel,
  getRequest,
  getServing,
  guardedRead,
  importProduction,
  listInbox,
  recordApproval,
  registerModelWithPolicy,
  registerPolicy,
  registerVersion,
  registryMetrics,
  replayDecision,
  requestTransition,
  rollback,
} from '../app/index.js';
import { ClearanceError, type DecisionRecord, type Principal } from '../domain/index.js';
import { bindAuditUseCases } from './audit-use-cases.js';
import { bindIdentityUseCases } from './identity-use-cases.js';
import { bindPackUseCases } from './pack-use-cases.js';
import type { UseCases } from './use-cases.js';

function notFound(what: string, fix: string): ClearanceError {
  const message = `${what} does not exist.`;
  return new ClearanceError('not_found', message, { problems: [{ message, fix }] });
}

function registryRead(principal: Principal, action: string, what: string) {
  return { principal, action, subject: { type: 'registry', id: action }, what };
}

function decisionRead(principal: Principal, decision: DecisionRecord, action: string) {
  const subject = { type: 'decision', id: decision.id };
  return { principal, action, subject, model: decision.model, what: `decision ${decision.id}` };
}

async function loadDecision(deps: AppDeps, id: string): Promise<DecisionRecord> {
  const decision = await deps.store.read((tx) => tx.decisions.get(id));
  if (!decision) throw notFound(`Decision ${id}`, 'Check the decision id.');
  return decision;
}

/** Without `auditSigner` the audit routes refuse with `audit_unavailable`. */
export function bindUseCases(deps: AppDeps, auditSigner?: AuditSigner): UseCases {
  return {
    ...bindAuditUseCases(deps, auditSigner),
    ...bindIdentityUseCases(deps),
    ...bindPackUseCases(deps, auditSigner),
    registerPolicy: (principal, input) => registerPolicy(deps, principal, input),
    registerModel: (principal, input) =>
      registerModelWithPolicy(deps, principal, {
        name: input.name,
        ownerTeam: input.ownerTeam,
        policyText: input.policy,
        ...(input.description ? { description: input.description } : {}),
      }),
    listModels: (principal) =>
      guardedRead(deps, registryRead(principal, 'model.list', 'the model list'), () =>
        deps.store.read((tx) => tx.models.list()),
      ),
    getModel: (principal, name) =>
      guardedRead(deps, registryRead(principal, 'model.read', `model ${name}`), () =>
        getModel(deps, { name }),
      ),
    registerVersion: (principal, input) => registerVersion(deps, principal, input),
    listVersions: (principal, model) =>
      guardedRead(
        deps,
        registryRead(principal, 'version.list', `versions of ${model}`),
        async () => {
          await getModel(deps, { name: model });
          return deps.store.read((tx) => tx.versions.list(model));
        },
      ),
    async mayAttachEvidence(principal, input) {
      await assertMayAttachEvidence(deps, principal, input);
      if (input.bytes !== undefined) await assertWithinUploadQuota(deps, principal, input.bytes);
    },
    attachEvidence: (principal, input) =>
      attachEvidence(deps, principal, {
        model: input.model,
        version: input.version,
        files: [
          {
            path: input.path,
            bytes: input.bytes,
            ...(input.mediaType ? { mediaType: input.mediaType } : {}),
          },
        ],
      }),
    requestTransition: (principal, input) => requestTransition(deps, principal, input),
    async getRequest(principal, requestId) {
      const request = await deps.store.read((tx) => tx.requests.get(requestId));
      if (!request) throw notFound(`Transition request ${requestId}`, 'Check the request id.');
      const subject = { type: 'request', id: requestId };
      const what = `transition request ${requestId}`;
      const read = { principal, action: 'request.read', subject, model: request.model, what };
      return guardedRead(deps, read, () => getRequest(deps, { requestId }));
    },
    recordApproval: (principal, input) => recordApproval(deps, principal, input),
    cancelRequest: (principal, input) => cancelRequest(deps, principal, input),
    executeTransition: (principal, input) => executeTransition(deps, principal, input),
    importProduction: (principal, input) => importProduction(deps, principal, input),
    rollback: (principal, input) => rollback(deps, principal, input),
    serving: (principal, model) =>
      guardedRead(deps, registryRead(principal, 'serving.read', `serving of ${model}`), () =>
        getServing(deps, { model }),
      ),
    inbox: (principal) => listInbox(deps, principal),
    registryMetrics: (principal) => registryMetrics(deps, principal),
    async getDecision(principal, id) {
      const decision = await loadDecision(deps, id);
      return guardedRead(
        deps,
        decisionRead(principal, decision, 'decision.read'),
        async () => decision,
      );
    },
    async replayDecision(principal, decisionId) {
      const decision = await loadDecision(deps, decisionId);
      return guardedRead(deps, decisionRead(principal, decision, 'decision.replay'), () =>
        replayDecision(deps, { decisionId }),
      );
    },
  };
}
