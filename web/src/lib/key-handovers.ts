/**
 * Following the log's key rotations in the browser, as the server's `src/audit/key-rotation.ts`
 * does: a handover checkpoint carries `clearance-key-retired <key>` and `clearance-key-next <key>`
 * extension lines and is signed by both keys. From the pinned keys, trust follows each handover
 * whose two signatures verify, in either direction; a retired key signs nothing larger than its
 * handover; a trusted key handed over twice, to two different keys, is refused (a leaked key
 * grafting a second chain).
 */
import {
  parseCheckpoint,
  parseVerifierKey,
  type VerifierKey,
  verifyCheckpoint,
} from './checkpoint.js';

const retiredPrefix = 'clearance-key-retired ';
const nextPrefix = 'clearance-key-next ';

export interface BrowserKeyTrust {
  problem?: string;
  /** The keys valid for a checkpoint of `size`: trusted and not retired below it. */
  validAt(size: number): VerifierKey[];
  /** Every trusted key. */
  all: VerifierKey[];
}

interface Handover {
  retired: string;
  next: string;
  size: number;
}

async function openHandover(note: string): Promise<Handover | undefined> {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return undefined;
  const body = parseCheckpoint(note.slice(0, split + 1));
  if (typeof body === 'string') return undefined;
  const line = (prefix: string) =>
    body.extensions
      .find((l) => l.startsWith(prefix))
      ?.slice(prefix.length)
      .trim();
  const retired = line(retiredPrefix);
  const next = line(nextPrefix);
  if (retired === undefined || next === undefined) return undefined;
  const keys = await Promise.all([parseVerifierKey(retired), parseVerifierKey(next)]);
  for (const key of keys) {
    if (typeof key === 'string' || !(await verifyCheckpoint(note, [key])).ok) return undefined;
  }
  return { retired, next, size: body.size };
}

/** Trust from `pinned` (C2SP verifier-key texts, already checked) through the notes' handovers. */
export async function followHandovers(
  pinned: readonly string[],
  notes: readonly string[],
): Promise<BrowserKeyTrust> {
  const handovers = (await Promise.all(notes.map(openHandover))).filter(
    (h): h is Handover => h !== undefined,
  );
  const trusted = new Set(pinned.map((k) => k.trim()));
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
    if (earlier !== undefined && earlier !== next) {
      problem = `a key was handed over twice, to two different keys (at size ${size} and earlier)`;
    }
    successor.set(retired, next);
    retiredAt.set(retired, Math.min(size, retiredAt.get(retired) ?? size));
  }
  const parsed: [string, VerifierKey][] = [];
  for (const text of trusted) {
    const key = await parseVerifierKey(text);
    if (typeof key !== 'string') parsed.push([text, key]);
  }
  return {
    ...(problem === undefined ? {} : { problem }),
    all: parsed.map(([, key]) => key),
    validAt: (size) =>
      parsed.filter(([text]) => size <= (retiredAt.get(text) ?? size)).map(([, key]) => key),
  };
}
