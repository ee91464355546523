/** One evidence file's bytes, as attached, for a download from the version page or the API. */
import { createHash } from 'node:crypto';
import {
  ClearanceError,
  checkMediaType,
  type EvidenceRecord,
  notFound,
  type Principal,
} from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { guardedRead } from '../shared/read-access.js';

export interface EvidenceContent {
  record: EvidenceRecord;
  bytes: Uint8Array;
  /** The file's own name (the last segment of its evidence path). */
  filename: string;
  /**
   * The `Content-Type` to serve: the recorded media type, or `application/octet-stream` for a
   * row stored before uploads were checked with one no header can carry (evidence rows are
   * immutable, so such a row stays; its bytes are still served).
   */
  mediaType: string;
}

/**
 * The bytes of the evidence file at `path` on a version (a role on the model, like the evidence
 * list and pack; a refusal is audited as `access.denied`). The bytes are read whole and checked against the
 * recorded digest and size before any is returned: a changed blob is refused
 * (`precondition_failed`), never served. Evidence files are bounded by the upload limits.
 */
export async function readEvidenceContent(
  deps: AppDeps,
  principal: Principal,
  input: { model: string; version: string; path: string },
): Promise<EvidenceContent> {
  const id = `${input.model}@${input.version}`;
  const read = {
    principal,
    action: 'evidence.read',
    subject: { type: 'registry', id: 'evidence.read' },
    model: input.model,
    what: `evidence of ${id}`,
  };
  const record = await guardedRead(deps, read, () =>
    deps.store.read(async (tx) => {
      if (!(await tx.versions.get(input.model, input.version)))
        throw notFound(`Version ${id}`, 'Check the model and version names.');
      const found = (await tx.evidence.list(input.model, input.version)).find(
        (e) => e.path === input.path,
      );
      if (!found)
        throw notFound(
          `Evidence ${input.path} of ${id}`,
          `List the version's evidence (GET /api/v1/models/${input.model}/versions/${input.version}/evidence) for its paths.`,
        );
      return found;
    }),
  );
  const bytes = await deps.blobs.get(record.digest);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (digest !== record.digest || bytes.length !== record.size) {
    const message = `Stored evidence ${record.path} (${record.digest}) now hashes to ${digest}: the blob store was changed.`;
    throw new ClearanceError('precondition_failed', message, {
      problems: [{ message, fix: 'Restore the blob from a backup; evidence is immutable.' }],
    });
  }
  return {
    record,
    bytes,
    filename: record.path.slice(record.path.lastIndexOf('/') + 1),
    mediaType:
      checkMediaType(record.mediaType) === undefined
        ? record.mediaType
        : 'application/octet-stream',
  };
}
