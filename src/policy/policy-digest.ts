import { createHash } from 'node:crypto';
import { canonicalJson } from '../domain/canonical-json.js';
import type { Policy } from '../domain/policy.js';

/**
 * `sha256:` + hex SHA-256 of the RFC 8785 canonical JSON of the normalised policy. Hashing the
 * normalised form rather than the YAML bytes means comments, key order, formatting and spelled-out
 * defaults do not change the digest; any change in meaning does.
 */
export function policyDigest(policy: Policy): string {
  return `sha256:${createHash('sha256').update(canonicalJson(policy), 'utf8').digest('hex')}`;
}
