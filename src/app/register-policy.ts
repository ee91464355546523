import { ClearanceError, type PolicyRecord, type Principal } from '../domain/index.js';
import { parsePolicy } from '../policy/index.js';
import type { AppDeps } from './app-deps.js';
import { auditRecord } from './audit-record.js';
import { assertAnyRole, guarded } from './authorise.js';

/** Stores a policy's text under its digest (idempotent) and audits `policy.registered`. */
export async function registerPolicy(
  deps: AppDeps,
  principal: Principal,
  input: { text: string; file?: string },
): Promise<PolicyRecord> {
  const file = input.file ?? 'policy.yaml';
  const parsed = parsePolicy(input.text, file);
  if (!parsed.ok) {
    throw new ClearanceError(
      'invalid_policy',
      `Policy ${file} has ${parsed.problems.length} problem(s).`,
      {
        problems: parsed.problems,
      },
    );
  }
  const name = parsed.policy.metadata.name;
  const subject = { type: 'policy', id: parsed.digest };
  return guarded(deps, { actor: principal, action: 'policy.register', subject }, () =>
    deps.store.transaction(async (tx) => {
      assertAnyRole({ principal, model: name, roles: ['admin'], action: 'register a policy' });
      const time = deps.clock.now().toISOString();
      const existing = await tx.policies.get(parsed.digest);
      if (existing) return existing;
      const record: PolicyRecord = {
        digest: parsed.digest,
        name,
        text: input.text,
        registeredAt: time,
        registeredBy: principal.id,
      };
      await tx.policies.insert(record);
      await tx.audit.append(
        auditRecord({
          actor: principal,
          time,
          action: 'policy.registered',
          subject,
          digests: { policy: parsed.digest },
          data: { name, file },
        }),
      );
      return record;
    }),
  );
}
