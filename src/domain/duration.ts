/**
 * Durations as written in policies: one or more `<integer><unit>` parts, largest unit first,
 * e.g. `90s`, `15m`, `48h`, `5d`, `2w`, `1h30m`. Integers only, so a duration always has one
 * exact value in milliseconds and `formatDuration` can round-trip it.
 */

const unitMs = {
  w: 7 * 24 * 60 * 60 * 1000,
  d: 24 * 60 * 60 * 1000,
  h: 60 * 60 * 1000,
  m: 60 * 1000,
  s: 1000,
  ms: 1,
} as const;

type Unit = keyof typeof unitMs;

/** Largest first: the order parts must appear in, and the order `formatDuration` writes them. */
const unitOrder: readonly Unit[] = ['w', 'd', 'h', 'm', 's', 'ms'];

const part = /(\d+)(ms|w|d|h|m|s)/y;

/** Examples shown in error messages about durations. */
export const durationExamples = ['90s', '15m', '48h', '5d', '2w', '1h30m'] as const;

/**
 * Parses a duration such as `15m` or `1h30m` into milliseconds.
 * Units: `w`, `d`, `h`, `m`, `s`, `ms`; each at most once, largest first. Returns `undefined` for
 * anything else (no bare numbers: `15` could mean seconds or minutes, so it is refused).
 */
export function parseDuration(text: string): number | undefined {
  if (text.length === 0 || text.length > 64) return undefined;
  let total = 0;
  let position = 0;
  let lastRank = -1;
  while (position < text.length) {
    part.lastIndex = position;
    const match = part.exec(text);
    if (!match) return undefined;
    const [whole, digits, unit] = match as unknown as [string, string, Unit];
    const rank = unitOrder.indexOf(unit);
    if (rank <= lastRank) return undefined;
    lastRank = rank;
    total += Number(digits) * unitMs[unit];
    position += whole.length;
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/** Writes milliseconds in the shortest `parseDuration` form: 5400000 → `1h30m`, 0 → `0s`. */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new Error(`formatDuration needs a non-negative whole number of milliseconds, got ${ms}`);
  }
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const unit of unitOrder) {
    const count = Math.floor(rest / unitMs[unit]);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * unitMs[unit];
    }
  }
  return text;
}
