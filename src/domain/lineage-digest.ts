import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { Lineage } from './evidence.js';

/**
 * The digest `version.registered` logs of the lineage typed at registration: SHA-256 of its RFC
 * 8785 canonical JSON, so the stored column can be proven against the log (ADR 024) without
 * keeping the lineage itself in every entry. Key order and whitespace do not change it.
 */
export function lineageDigest(lineage: Lineage): string {
  return `sha256:${createHash('sha256').update(canonicalJson(lineage)).digest('hex')}`;
}
