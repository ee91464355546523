import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { EvidenceItem } from './evidence.js';

/**
 * One digest for a version's whole evidence set: SHA-256 of the canonical JSON (RFC 8785) of the
 * items' paths and digests, sorted by path. Approvals bind to it, so any added, removed or changed
 * file makes earlier approvals stop counting.
 */
export function evidenceSetDigest(items: readonly Pick<EvidenceItem, 'path' | 'digest'>[]): string {
  const entries = items
    .map((i) => ({ path: i.path, digest: i.digest }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return `sha256:${createHash('sha256').update(canonicalJson(entries)).digest('hex')}`;
}
