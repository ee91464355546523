/**
 * A version registered together with its first evidence files, in one transaction with both
 * audit entries (`version.registered`, `evidence.attached`): a refusal of either leaves neither.
 * The MLflow API registers a version and the lineage MLflow gave this way.
 */
import type { Principal, VersionView } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { assertAnyRole, guarded } from '../shared/authorise.js';
import { loadModel } from '../shared/load-policy.js';
import type { Repositories } from '../shared/ports.js';
import { assertMayReadModel } from '../shared/read-access.js';
import {
  assertEvidenceFileCount,
  assertEvidenceFiles,
  type EvidenceFile,
  insertEvidence,
  storeBlobs,
} from './attach-evidence.js';
import {
  assertVersionInput,
  insertVersion,
  type RegisterVersionInput,
  versionRegistrars,
} from './register-version.js';
import { recordUploads } from './upload-quota.js';

export interface RegisterVersionWithEvidenceInput {
  version: RegisterVersionInput;
  evidence: readonly EvidenceFile[];
  /**
   * Names the version inside the registering transaction, from what it sees committed (MLflow's
   * numbers: one past the highest), so that concurrent registrations share one group commit
   * instead of waiting for each other's. `version.version` then only names a refusal before it.
   */
  nameInTransaction?: (tx: Repositories) => Promise<string>;
  /**
   * The caller's earlier attempt of this very registration recorded these files in the upload
   * ledger already (it lost its number and tries again): they are not charged a second time.
   */
  uploadsRecorded?: boolean;
}

export async function registerVersionWithEvidence(
  deps: AppDeps,
  principal: Principal,
  input: RegisterVersionWithEvidenceInput,
): Promise<VersionView> {
  const fields = input.version;
  assertVersionInput(fields);
  assertEvidenceFiles(input.evidence);
  assertEvidenceFileCount(deps, {
    id: `${fields.model}@${fields.version}`,
    existing: [],
    paths: input.evidence.map((f) => f.path),
  });
  const subject = { type: 'version', id: `${fields.model}@${fields.version}` };
  const context = { actor: principal, action: 'version.register', subject };
  // Nothing reaches the blob store before the caller is known to be allowed to register here.
  // Before the model is read: a missing one and an unreadable one are refused alike (ADR 040).
  await guarded(deps, context, () => {
    assertMayReadModel({ principal, model: fields.model });
    return deps.store.read(async (tx) => {
      const model = await loadModel(tx, fields.model);
      assertAnyRole({
        principal,
        model: model.name,
        roles: versionRegistrars,
        action: 'register a version',
      });
    });
  });
  if (input.evidence.length > 0 && !input.uploadsRecorded)
    await recordUploads(deps, principal, input.evidence);
  const stored = await storeBlobs(deps, input.evidence);
  // Named by its model (ADR 051): on PostgreSQL it runs side by side with other models' writes,
  // and one model's registrations (MLflow's next number read in the transaction) in turn.
  return guarded(deps, context, () =>
    deps.store.transaction(
      async (tx) => {
        const named = input.nameInTransaction
          ? { ...fields, version: await input.nameInTransaction(tx) }
          : fields;
        if (named !== fields) assertVersionInput(named);
        const { model, version } = await insertVersion(tx, { deps, principal, input: named });
        const files = input.evidence;
        await insertEvidence(tx, { deps, principal, model, version, existing: [], files, stored });
        return version;
      },
      { model: fields.model },
    ),
  );
}
