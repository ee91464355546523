/**
 * Rotating the key that signs a log's checkpoints without breaking verification. The rotation
 * is one **handover checkpoint** whose body carries two extension lines (C2SP tlog-checkpoint
 * allows them) naming the retiring and the next verifier key, and which **both** keys sign. Each
 * signature covers both lines, so each key vouches for the other; a third party cannot attach a
 * key to an existing checkpoint. From a verifier's pinned keys, trust follows every handover
 * whose two signatures verify, in either direction (an auditor who pinned the first key reaches
 * the current one; the server, which knows only its current key, reaches the old ones). A key is
 * valid up to the size of the handover that retired it: a checkpoint signed only by a retired key
 * after its handover is refused. Pure.
 */
import { type Checkpoint, parseCheckpoint } from './checkpoint.js';
import { parseVerifierKey, type VerifierKey, verifyNote } from './signed-note.js';

const retiredPrefix = 'clearance-key-retired ';
const nextPrefix = 'clearance-key-next ';

/** The two keys of a handover, as C2SP verifier-key text. */
export interface KeyHandover {
  retired: string;
  next: string;
}

/** The extension lines of a handover checkpoint. */
export function handoverExtensions(handover: KeyHandover): string[] {
  parseVerifierKey(handover.retired);
  parseVerifierKey(handover.next);
  return [`${retiredPrefix}${handover.retired}`, `${nextPrefix}${handover.next}`];
}

/** The handover a checkpoint announces, if any (undefined for a plain checkpoint). */
export function handoverOf(checkpoint: Checkpoint): KeyHandover | undefined {
  const lines = checkpoint.extensions ?? [];
  const retired = lines
    .find((l) => l.startsWith(retiredPrefix))
    ?.slice(retiredPrefix.length)
    .trim();
  const next = lines
    .find((l) => l.startsWith(nextPrefix))
    ?.slice(nextPrefix.length)
    .trim();
  return retired !== undefined && next !== undefined ? { retired, next } : undefined;
}

/** Keys a log's checkpoints may be verified with, and up to which size each is valid. */
export interface KeyTrust {
  /**
   * Why the handovers cannot be trusted at all, when they cannot: a trusted key handed over
   * twice (to two different keys) is the mark of a leaked key used to graft a second chain.
   */
  problem?: string;
  /** Every trusted key, as verifier-key text. */
  keys: readonly string[];
  /** The keys valid for a checkpoint of `size`: trusted and not retired below it. */
  validAt(size: number): VerifierKey[];
  /** The size at which a key was retired, when it was. */
  retiredAt(key: string): number | undefined;
}

/**
 * Follows the handovers among `notes` from the `pinned` keys. A handover counts only when both
 * of its keys' signatures verify on it; malformed notes are skipped here (verification of the
 * checkpoints themselves reports them).
 */
export function followKeyHandovers(pinned: readonly string[], notes: readonly string[]): KeyTrust {
  const handovers = notes.flatMap((note) => {
    const found = openHandover(note);
    return found === undefined ? [] : [found];
  });
  const trusted = new Set(pinned.map((key) => parseVerifierKey(key) && key.trim()));
  for (let grew = true; grew; ) {
    grew = false;
    for (const { retired, next } of handovers) {
      if (trusted.has(retired) !== trusted.has(next)) {
        trusted.add(retired);
        trusted.add(next);
        grew = true;
      }
    }
  }
  const retiredAt = new Map<string, number>();
  const successor = new Map<string, string>();
  let problem: string | undefined;
  for (const { retired, next, size } of handovers) {
    if (!trusted.has(retired) || !trusted.has(next)) continue;
    const earlier = successor.get(retired);
    // A key is retired once, to one successor. Anyone holding a leaked key could sign a second
    // handover to a key of their own; that fork is refused, not followed.
    if (earlier !== undefined && earlier !== next) {
      problem = `a key was handed over twice, to two different keys (at size ${size} and earlier): a leaked key was used to start a second chain`;
    }
    successor.set(retired, next);
    retiredAt.set(retired, Math.min(size, retiredAt.get(retired) ?? size));
  }
  const parsed = new Map([...trusted].map((key) => [key, parseVerifierKey(key)]));
  return {
    ...(problem === undefined ? {} : { problem }),
    keys: [...trusted],
    validAt: (size) =>
      [...parsed].filter(([key]) => size <= (retiredAt.get(key) ?? size)).map(([, k]) => k),
    retiredAt: (key) => retiredAt.get(key),
  };
}

function openHandover(note: string): (KeyHandover & { size: number }) | undefined {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return undefined;
  let checkpoint: Checkpoint;
  let handover: KeyHandover | undefined;
  let keys: [VerifierKey, VerifierKey];
  try {
    checkpoint = parseCheckpoint(note.slice(0, split + 1));
    handover = handoverOf(checkpoint);
    if (handover === undefined) return undefined;
    keys = [parseVerifierKey(handover.retired), parseVerifierKey(handover.next)];
  } catch {
    return undefined;
  }
  const signedByBoth = keys.every((key) => verifyNote(note, [key]).ok);
  return signedByBoth ? { ...handover, size: checkpoint.size } : undefined;
}

/** Which of `keys` signed `note` (the first whose signature verifies), if any. */
export function keySigning(note: string, keys: readonly string[]): string | undefined {
  return keys.find((key) => verifyNote(note, [parseVerifierKey(key)]).ok);
}
