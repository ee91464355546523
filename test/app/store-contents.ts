import type { Repositories, Store } from '../../src/app/shared/ports.js';
import type { LoggedAuditEntry } from '../../src/audit/index.js';

/**
 * Everything the use cases write, read back through the Store port in one transaction, so two
 * readings compare equal exactly when nothing was written in between — on every engine.
 */
export async function storeContents(store: Store) {
  return store.transaction(async (tx) => {
    const models = [];
    for (const model of await tx.models.list()) models.push(await modelContents(tx, model.name));
    const size = await tx.audit.size();
    const entries: LoggedAuditEntry[] = [];
    for await (const logged of tx.audit.entries(0, size)) entries.push(logged);
    return {
      models,
      audit: { size, entries, checkpoints: await tx.checkpoints.list() },
      identity: {
        users: await tx.identity.listUsers(),
        grants: await tx.identity.listRoleGrants(),
        tokens: await tx.identity.listTokens(),
      },
    };
  });
}

async function modelContents(tx: Repositories, name: string) {
  const model = await tx.models.get(name);
  if (!model) throw new Error(`model ${name} listed but not found`);
  const versions = [];
  for (const version of await tx.versions.list(name))
    versions.push({ version, evidence: await tx.evidence.list(name, version.version) });
  const requests = [];
  for (const request of await tx.requests.list({ model: name }))
    requests.push({ request, approvals: await tx.approvals.list(request.id) });
  return {
    model,
    policy: await tx.policies.get(model.policyDigest),
    versions,
    requests,
    decisions: await tx.decisions.list({ model: name }),
    serving: await tx.serving.get(name),
  };
}
