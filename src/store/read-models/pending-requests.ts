import type { PendingRequestContext, ReadModels } from '../../app/shared/ports.js';
import type { Approval, EvidenceRecord } from '../../domain/index.js';
import type { RepositoryContext } from '../columns.js';
import { toApproval } from '../repositories/approval-repository.js';
import { toEvidence } from '../repositories/evidence-repository.js';
import { toModel } from '../repositories/model-repository.js';
import { toRequest } from '../repositories/request-repository.js';
import { toView, versionViews } from '../repositories/version-repository.js';

const versionKey = (model: string, version: string) => `${model}\u0000${version}`;

/**
 * The approvals inbox's board: pending requests and their versions, approvals, evidence and
 * models in five queries, whatever the number of requests. Versions and evidence are read per
 * model (an index range each) and matched here, which reads other versions of the same models
 * too; fine for the models a pending request touches.
 */
export function pendingRequestsReadModel({ db }: RepositoryContext): ReadModels['pendingRequests'] {
  return async () => {
    const requests = (
      await db
        .selectFrom('transition_requests')
        .selectAll()
        .where('status', '=', 'pending')
        .orderBy('requested_at')
        .orderBy('id')
        .execute()
    ).map(toRequest);
    if (requests.length === 0) return [];
    const ids = requests.map((r) => r.id);
    const models = [...new Set(requests.map((r) => r.model))];
    const approvals = (
      await db
        .selectFrom('approvals')
        .selectAll()
        .where('request_id', 'in', ids)
        .orderBy('at')
        .orderBy('id')
        .execute()
    ).map(toApproval);
    const versions = (await versionViews(db).where('v.model', 'in', models).execute()).map(toView);
    const evidence = (
      await db
        .selectFrom('evidence')
        .selectAll()
        .where('model', 'in', models)
        .orderBy('path')
        .execute()
    ).map(toEvidence);
    const policies = new Map(
      (await db.selectFrom('models').selectAll().where('name', 'in', models).execute())
        .map(toModel)
        .map((m) => [m.name, m.policyDigest]),
    );
    const approvalsOf = groupBy(approvals, (a) => a.requestId);
    const evidenceOf = groupBy(evidence, (e) => versionKey(e.model, e.version));
    const versionOf = new Map(versions.map((v) => [versionKey(v.model, v.version), v]));
    return requests.map((request): PendingRequestContext => {
      const key = versionKey(request.model, request.version);
      const version = versionOf.get(key);
      const modelPolicyDigest = policies.get(request.model);
      if (!version || !modelPolicyDigest) {
        throw new Error(`Pending request ${request.id} refers to a missing version or model.`);
      }
      return {
        request,
        version,
        approvals: approvalsOf.get(request.id) ?? [],
        evidence: evidenceOf.get(key) ?? [],
        modelPolicyDigest,
      };
    });
  };
}

function groupBy<T extends Approval | EvidenceRecord>(
  items: readonly T[],
  keyOf: (item: T) => string,
): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
