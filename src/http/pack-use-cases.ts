/**
 * The evidence pack download and the policy backtest, bound to the app's deps. The pack carries
 * the log's origin and verifier key when the server has its signer (always, through
 * `openRegistry`); a server built without one (tests) still exports, without them.
 */
import {
  type AppDeps,
  type AuditSigner,
  type BacktestReport,
  backtestPolicy,
  buildEvidencePack,
  type EvidencePackStream,
  evidencePackStream,
  parseSince,
} from '../app/index.js';
import type { Principal } from '../domain/index.js';

export interface BacktestBody {
  /** The changed policy, as YAML. */
  policy: string;
  /** Named in problems (`file:line:column`); default `policy.yaml`. */
  file?: string;
  model?: string;
  /** A duration ago (`90d`) or a date. */
  since?: string;
}

export interface PackUseCases {
  /**
   * The version's evidence pack as a gzip-compressed tar, streamed; audited as
   * `evidence_pack.exported`.
   */
  evidencePack(
    principal: Principal,
    input: { model: string; version: string },
  ): Promise<EvidencePackStream>;
  backtestPolicy(principal: Principal, input: BacktestBody): Promise<BacktestReport>;
}

export function bindPackUseCases(deps: AppDeps, signer: AuditSigner | undefined): PackUseCases {
  return {
    async evidencePack(principal, input) {
      const pack = await buildEvidencePack(deps, principal, {
        ...input,
        ...(signer ? { log: { origin: signer.origin, verifierKey: signer.verifierKey } } : {}),
      });
      return evidencePackStream(pack);
    },
    backtestPolicy: (principal, input) =>
      backtestPolicy(deps, principal, {
        policyText: input.policy,
        policyFile: input.file ?? 'policy.yaml',
        ...(input.model === undefined ? {} : { model: input.model }),
        ...(input.since === undefined
          ? {}
          : { since: parseSince(input.since, deps.clock.now(), 'since') }),
      }),
  };
}
