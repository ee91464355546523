/**
 * The evidence pack download, bound to the app's deps. The pack carries the log's origin and
 * verifier key when the server has its signer (always, through `openRegistry`); a server built
 * without one (tests) still exports, without them.
 */
import { ClearanceError, type Principal } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import type { AuditSigner } from '../shared/ports.js';
import { checkEvidencePack, streamEvidencePack } from './evidence-pack.js';
import {
  type EvidencePackStream,
  evidencePackFilename,
  evidencePackStream,
} from './evidence-pack-archive.js';

/** Pack downloads one server streams at once when `evidencePackDownloads` is not set. */
const defaultDownloads = 4;
/** Seconds without the archive moving before a download is cut off, when not set. */
const defaultStallSeconds = 60;

export interface EvidencePackUseCases {
  /**
   * The version's evidence pack as a gzip-compressed tar, streamed; audited as
   * `evidence_pack.exported`. Refused `busy` while `evidencePackDownloads` packs are streaming.
   */
  evidencePack(
    principal: Principal,
    input: { model: string; version: string },
  ): Promise<EvidencePackStream>;
  /**
   * What a `HEAD` of the download answers: the pack's file name once the same refusals as
   * `evidencePack` were ruled out (access, version, every blob present). Reads no blob, writes no
   * export entry, and takes no download place: nothing is streamed.
   */
  evidencePackHead(
    principal: Principal,
    input: { model: string; version: string },
  ): Promise<{ filename: string }>;
}

export function bindEvidencePackUseCases(
  deps: AppDeps,
  signer: AuditSigner | undefined,
): EvidencePackUseCases {
  const limit = deps.evidencePackDownloads ?? defaultDownloads;
  let streaming = 0;
  return {
    async evidencePack(principal, input) {
      // Counted from the first read to the stream's close (ended, failed or abandoned), so the
      // places are taken before anything is read and given back whatever happens.
      if (streaming >= limit) throw busy(limit);
      streaming += 1;
      let release = () => {
        release = () => undefined;
        streaming -= 1;
      };
      try {
        const pack = await streamEvidencePack(deps, principal, {
          ...input,
          ...(signer ? { log: { origin: signer.origin, verifierKey: signer.verifierKey } } : {}),
        });
        const archive = evidencePackStream(pack, {
          stallMs: (deps.evidencePackStallSeconds ?? defaultStallSeconds) * 1000,
        });
        archive.stream.once('close', () => release());
        return archive;
      } catch (error) {
        release();
        throw error;
      }
    },
    async evidencePackHead(principal, input) {
      await checkEvidencePack(deps, principal, input);
      return { filename: evidencePackFilename(input.model, input.version) };
    },
  };
}

function busy(limit: number): ClearanceError {
  const message = `The server is busy: ${limit} evidence pack downloads are already under way.`;
  return new ClearanceError('busy', message, {
    problems: [
      {
        message,
        fix: 'Try again after the number of seconds in Retry-After, or ask an operator to raise maxConcurrentEvidencePacks.',
      },
    ],
  });
}
