import type { Repositories, Store } from '../../src/app/shared/ports.js';
import type { OutboxEvent } from '../../src/app/shared/work-queue-ports.js';
import type { LoggedAuditEntry } from '../../src/audit/index.js';

/**
 * Everything the use cases write, read back through the Store port (the outbox in a second
 * transaction), so two readings compare equal exactly when nothing was written in between — on
 * every engine.
 */
export async function storeContents(store: Store) {
  const contents = await store.transaction(async (tx) => {
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
  return { ...contents, outbox: await outboxEvents(store) };
}

class ReadOnly extends Error {
  constructor(readonly events: OutboxEvent[]) {
    super('rolled back on purpose: reading the outbox changes nothing');
  }
}

/**
 * Every event in the outbox, in creation order (ids are sortable). The port has no listing (the
 * dispatcher reads one event by id), so this claims every `outbox.dispatch` job — one per appended
 * event, none run yet — and reads its event, in a transaction it then rolls back: reading leaves
 * the queue as it was.
 */
export async function outboxEvents(store: Store): Promise<OutboxEvent[]> {
  try {
    await store.transaction(async (tx) => {
      const jobs = await tx.jobs.claim({
        workerId: 'test-reader',
        at: '9999-12-31T00:00:00.000Z',
        leaseMs: 1000,
        limit: 100_000,
        kinds: ['outbox.dispatch'],
      });
      const events: OutboxEvent[] = [];
      for (const job of jobs) {
        const { eventId } = job.payload as { eventId: string };
        const event = await tx.outbox.get(eventId);
        if (!event) throw new Error(`dispatch job ${job.key} names a missing event`);
        events.push(event);
      }
      throw new ReadOnly(events.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
    });
  } catch (error) {
    if (error instanceof ReadOnly) return error.events;
    throw error;
  }
  throw new Error('unreachable');
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
