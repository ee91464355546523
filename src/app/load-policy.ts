import { ClearanceError, type Model, type Policy } from '../domain/index.js';
import { parsePolicy, policyDigest } from '../policy/index.js';
import type { Repositories } from './ports.js';

export function notFound(what: string, fix: string): ClearanceError {
  const message = `${what} does not exist.`;
  return new ClearanceError('not_found', message, { problems: [{ message, fix }] });
}

/** Parses a stored policy by digest; a stored text that no longer hashes to it is a bug or tampering. */
export async function loadPolicy(tx: Repositories, digest: string): Promise<Policy> {
  const record = await tx.policies.get(digest);
  if (!record) throw notFound(`Policy ${digest}`, 'Register the policy first.');
  const parsed = parsePolicy(record.text, `policy ${digest}`);
  if (!parsed.ok || policyDigest(parsed.policy) !== digest) {
    throw new Error(`stored policy ${digest} no longer parses to its digest`);
  }
  return parsed.policy;
}

export async function loadModel(
  tx: Repositories,
  name: string,
  options: { forUpdate?: boolean } = {},
): Promise<Model> {
  const model = await tx.models.get(name, options);
  if (!model) throw notFound(`Model ${name}`, 'Register the model first, or check the name.');
  return model;
}
