/**
 * Binds the app's use cases to their deps, in the shape the routes call. `listModels`,
 * `listVersions` and `getDecision` read through the Store port here until app/queries.ts has them.
 */
import {
  type AppDeps,
  type AuditSigner,
  attachEvidence,
  cancelRequest,
  executeTransition,
  getModel,
  getRequest,
  getServing,
  importProduction,
  listInbox,
  recordApproval,
  registerModel,
  registerPolicy,
  registerVersion,
  replayDecision,
  requestTransition,
  rollback,
} from '../app/index.js';
import { ClearanceError } from '../domain/index.js';
import { parsePolicy } from '../policy/index.js';
import { bindAuditUseCases } from './audit-use-cases.js';
import { bindIdentityUseCases } from './identity-use-cases.js';
import type { UseCases } from './use-cases.js';

function notFound(what: string, fix: string): ClearanceError {
  const message = `${what} does not exist.`;
  return new ClearanceError('not_found', message, { problems: [{ message, fix }] });
}

/** Without `auditSigner` the audit routes refuse with `audit_unavailable`. */
export function bindUseCases(deps: AppDeps, auditSigner?: AuditSigner): UseCases {
  return {
    ...bindAuditUseCases(deps, auditSigner),
    ...bindIdentityUseCases(deps),
    registerPolicy: (principal, input) => registerPolicy(deps, principal, input),
    async registerModel(principal, input) {
      const policy = await registerPolicy(deps, principal, { text: input.policy });
      const parsed = parsePolicy(input.policy, 'policy.yaml');
      if (!parsed.ok) throw new Error('A registered policy no longer parses.');
      return registerModel(deps, principal, {
        name: input.name,
        ownerTeam: input.ownerTeam,
        riskTier: parsed.policy.metadata.riskTier,
        policyDigest: policy.digest,
        ...(input.description ? { description: input.description } : {}),
      });
    },
    listModels: () => deps.store.transaction((tx) => tx.models.list()),
    getModel: (_principal, name) => getModel(deps, { name }),
    registerVersion: (principal, input) => registerVersion(deps, principal, input),
    async listVersions(_principal, model) {
      await getModel(deps, { name: model });
      return deps.store.transaction((tx) => tx.versions.list(model));
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
    getRequest: (_principal, requestId) => getRequest(deps, { requestId }),
    recordApproval: (principal, input) => recordApproval(deps, principal, input),
    cancelRequest: (principal, input) => cancelRequest(deps, principal, input),
    executeTransition: (principal, input) => executeTransition(deps, principal, input),
    importProduction: (principal, input) => importProduction(deps, principal, input),
    rollback: (principal, input) => rollback(deps, principal, input),
    serving: (_principal, model) => getServing(deps, { model }),
    inbox: (principal) => listInbox(deps, principal),
    async getDecision(_principal, id) {
      const decision = await deps.store.transaction((tx) => tx.decisions.get(id));
      if (!decision) throw notFound(`Decision ${id}`, 'Check the decision id.');
      return decision;
    },
    replayDecision: (_principal, decisionId) => replayDecision(deps, { decisionId }),
  };
}
