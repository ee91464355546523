import {
  ClearanceError,
  type Policy,
  type PolicyRecord,
  type Principal,
} from '../../domain/index.js';
import { parsePolicy } from '../../policy/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord } from '../shared/audit-record.js';
import { assertAnyRole, guarded } from '../shared/authorise.js';
import type { Repositories } from '../shared/ports.js';

/** A policy text that parsed, with where it came from: what `storePolicy` writes. */
export interface ParsedPolicyText {
  text: string;
  file: string;
  digest: string;
  policy: Policy;
}

/** Parses a policy's text, or throws `invalid_policy` with every problem; writes nothing. */
export function parsePolicyText(input: { text: string; file?: string }): ParsedPolicyText {
  const file = input.file ?? 'policy.yaml';
  const parsed = parsePolicy(input.text, file);
  if (!parsed.ok) {
    throw new ClearanceError(
      'invalid_policy',
      `Policy ${file} has ${parsed.problems.length} problem(s).`,
      { problems: parsed.problems },
    );
  }
  return { text: input.text, file, digest: parsed.digest, policy: parsed.policy };
}

/** Stores a policy's text under its digest (idempotent) and audits `policy.registered`. */
export async function registerPolicy(
  deps: AppDeps,
  principal: Principal,
  input: { text: string; file?: string },
): Promise<PolicyRecord> {
  const parsed = parsePolicyText(input);
  const name = parsed.policy.metadata.name;
  const subject = { type: 'policy', id: parsed.digest };
  return guarded(deps, { actor: principal, action: 'policy.register', subject }, () =>
    deps.store.transaction(async (tx) => {
      assertAnyRole({ principal, model: name, roles: ['admin'], action: 'register a policy' });
      return storePolicy(tx, { deps, principal, parsed });
    }),
  );
}

/**
 * Inside the caller's transaction: stores the policy unless its digest is already stored, with
 * its `policy.registered` entry. The caller has authorised.
 */
export async function storePolicy(
  tx: Repositories,
  input: { deps: AppDeps; principal: Principal; parsed: ParsedPolicyText },
): Promise<PolicyRecord> {
  const { parsed, principal } = input;
  const existing = await tx.policies.get(parsed.digest);
  if (existing) return existing;
  const time = input.deps.clock.now().toISOString();
  const name = parsed.policy.metadata.name;
  const record: PolicyRecord = {
    digest: parsed.digest,
    name,
    text: parsed.text,
    registeredAt: time,
    registeredBy: principal.id,
  };
  await tx.policies.insert(record);
  await tx.audit.append(
    auditRecord({
      actor: principal,
      time,
      action: 'policy.registered',
      subject: { type: 'policy', id: parsed.digest },
      digests: { policy: parsed.digest },
      data: { name, file: parsed.file },
    }),
  );
  return record;
}
