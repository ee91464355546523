import { type Model, notFound, type Policy } from '../../domain/index.js';
import { parsePolicy, policyDigest } from '../../policy/index.js';
import type { Repositories } from './ports.js';

/**
 * Policies already parsed, by their exact stored text and digest. Parsing the YAML and hashing
 * it costs about a millisecond and one promotion loads the same policy a dozen times. Keyed by
 * the text read from the store each time, so a text changed behind the service's back is parsed
 * (and refused) afresh. The cached policies are frozen: shared, they must not be changed.
 */
const parsed = new Map<string, Policy>();
const maxParsed = 256;

/** Parses a stored policy by digest; a stored text that no longer hashes to it is a bug or tampering. */
export async function loadPolicy(tx: Repositories, digest: string): Promise<Policy> {
  const record = await tx.policies.get(digest);
  if (!record) throw notFound(`Policy ${digest}`, 'Register the policy first.');
  const key = `${digest}\u0000${record.text}`;
  const known = parsed.get(key);
  if (known) return known;
  const result = parsePolicy(record.text, `policy ${digest}`);
  if (!result.ok || policyDigest(result.policy) !== digest) {
    throw new Error(`stored policy ${digest} no longer parses to its digest`);
  }
  const policy = deepFreeze(result.policy);
  parsed.set(key, policy);
  // Oldest first out: Map keeps insertion order.
  if (parsed.size > maxParsed) parsed.delete(parsed.keys().next().value as string);
  return policy;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
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
