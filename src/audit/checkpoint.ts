import { ClearanceError } from '../domain/index.js';
/**
 * C2SP tlog-checkpoint (github.com/C2SP/C2SP `tlog-checkpoint.md`): the signed statement "the log
 * `origin` has `size` entries with RFC 9162 root `rootHash`", as the body of a signed note.
 *
 * Body: origin line, decimal tree size (no leading zeros), base64 root hash, then optional
 * extension lines — every line ending in LF.
 */
import { hashSize } from './merkle.js';
import {
  type NoteSigner,
  signNote,
  strictBase64,
  type VerifierKey,
  verifyNote,
} from './signed-note.js';

/** A C2SP tlog-checkpoint body: log origin, tree size and RFC 9162 root hash. */
export interface Checkpoint {
  /** Identifies the log, e.g. `clearance/<install-id>`: no spaces, no "+". */
  origin: string;
  size: number;
  rootHash: Uint8Array;
  /** Extension lines after the root hash (C2SP: not recommended; kept, never interpreted). */
  extensions?: readonly string[];
}

/** Outcome of {@link verifyCheckpoint}. */
export type CheckpointVerification =
  | { ok: true; checkpoint: Checkpoint; verifiedBy: string[] }
  | { ok: false; reason: string };

/** The checkpoint body text (C2SP tlog-checkpoint, "Note text"). */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, size, rootHash, extensions = [] } = checkpoint;
  if (origin.length === 0 || /\s|\+/u.test(origin)) {
    throw invalid(`Checkpoint origin "${origin}" must be non-empty, without spaces or "+"`);
  }
  if (!Number.isSafeInteger(size) || size < 0)
    throw invalid(`Checkpoint size ${size} must be a non-negative integer`);
  if (rootHash.length !== hashSize)
    throw invalid(`Checkpoint root hash has ${rootHash.length} bytes, not ${hashSize}`);
  for (const line of extensions) {
    if (line.length === 0 || line.includes('\n'))
      throw invalid('Checkpoint extension lines must be non-empty single lines');
  }
  const lines = [origin, String(size), Buffer.from(rootHash).toString('base64'), ...extensions];
  return `${lines.join('\n')}\n`;
}

/**
 * Parses a checkpoint body (the text of a signed note, not the note itself). Throws
 * `ClearanceError('invalid_input')` naming the bad line.
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw invalid('Checkpoint text must end with a newline');
  const [origin, sizeText, rootText, ...extensions] = text.slice(0, -1).split('\n');
  if (origin === undefined || sizeText === undefined || rootText === undefined) {
    throw invalid('Checkpoint text needs an origin, a size and a root hash line');
  }
  if (origin.length === 0 || /\s|\+/u.test(origin))
    throw invalid(`Checkpoint origin line "${origin}" is not a log origin`);
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    throw invalid(
      `Checkpoint size line "${sizeText}" is not a decimal integer without leading zeros`,
    );
  }
  const rootHash = strictBase64(rootText);
  if (rootHash === undefined || rootHash.length !== hashSize) {
    throw invalid(`Checkpoint root line "${rootText}" is not a base64 SHA-256 hash`);
  }
  if (extensions.some((line) => line.length === 0))
    throw invalid('Checkpoint has an empty extension line');
  const checkpoint: Checkpoint = {
    origin,
    size: Number(sizeText),
    rootHash: new Uint8Array(rootHash),
  };
  return extensions.length > 0 ? { ...checkpoint, extensions } : checkpoint;
}

/** Formats and signs a checkpoint: a C2SP signed note whose text is the checkpoint body. */
export function signCheckpoint(checkpoint: Checkpoint, signer: NoteSigner): string {
  return signNote(formatCheckpoint(checkpoint), signer);
}

/**
 * Verifies a signed checkpoint note with `verifyNote` (C2SP signed-note rules) and parses its
 * body. When `origin` is given the checkpoint must name it, so a checkpoint of another log
 * signed by the same key is not accepted. Never throws.
 */
export function verifyCheckpoint(
  note: string,
  verifierKeys: readonly VerifierKey[],
  options: { origin?: string } = {},
): CheckpointVerification {
  const opened = verifyNote(note, verifierKeys);
  if (!opened.ok) return opened;
  let checkpoint: Checkpoint;
  try {
    checkpoint = parseCheckpoint(opened.text);
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  if (options.origin !== undefined && checkpoint.origin !== options.origin) {
    return {
      ok: false,
      reason: `the checkpoint is for log "${checkpoint.origin}", not "${options.origin}"`,
    };
  }
  return { ok: true, checkpoint, verifiedBy: opened.verifiedBy };
}

function invalid(message: string): ClearanceError {
  return new ClearanceError('invalid_input', message);
}
