/**
 * The evidence pack download, bound to the app's deps. The pack carries the log's origin and
 * verifier key when the server has its signer (always, through `openRegistry`); a server built
 * without one (tests) still exports, without them.
 */
import type { Principal } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import type { AuditSigner } from '../shared/ports.js';
import { buildEvidencePack } from './evidence-pack.js';
import { type EvidencePackStream, evidencePackStream } from './evidence-pack-archive.js';

export interface EvidencePackUseCases {
  /**
   * The version's evidence pack as a gzip-compressed tar, streamed; audited as
   * `evidence_pack.exported`.
   */
  evidencePack(
    principal: Principal,
    input: { model: string; version: string },
  ): Promise<EvidencePackStream>;
}

export function bindEvidencePackUseCases(
  deps: AppDeps,
  signer: AuditSigner | undefined,
): EvidencePackUseCases {
  return {
    async evidencePack(principal, input) {
      const pack = await buildEvidencePack(deps, principal, {
        ...input,
        ...(signer ? { log: { origin: signer.origin, verifierKey: signer.verifierKey } } : {}),
      });
      return evidencePackStream(pack);
    },
  };
}
