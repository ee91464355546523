/**
 * Numbers, changes, dates and digests written for people: rounded to what matters, signs in
 * words ("FPR rose by 0.003"), UTC dates that do not depend on the reader's locale. Pure.
 */

/** A number rounded to `digits` significant digits (default 3), trailing zeros dropped. */
export function formatNumber(value: number, digits = 3): string {
  if (Number.isNaN(value)) return 'not a number';
  if (!Number.isFinite(value)) return value > 0 ? 'infinity' : 'minus infinity';
  if (value === 0) return '0';
  const rounded = Number(value.toPrecision(digits));
  if (Math.abs(rounded) >= 1e6 || Math.abs(rounded) < 1e-6) return rounded.toExponential();
  return String(rounded);
}

/** A fraction as a percentage: 0.0523 → "5.23%". */
export function formatPercent(fraction: number, digits = 3): string {
  return `${formatNumber(fraction * 100, digits)}%`;
}

/**
 * A change in words: `describeChange('FPR', 0.041, 0.044)` → "FPR rose by 0.003";
 * "fell by" for a decrease, "did not change" when equal at the shown precision.
 */
export function describeChange(metric: string, before: number, after: number, digits = 3): string {
  // Rounds the difference, not each side: 0.041 → 0.044 is "0.003", never "0.0030000000000000027".
  const delta = Number((after - before).toPrecision(digits));
  if (delta === 0 || !Number.isFinite(delta)) return `${metric} did not change`;
  return `${metric} ${delta > 0 ? 'rose' : 'fell'} by ${formatNumber(Math.abs(delta), digits)}`;
}

/** A comparison in words: "0.81 is at least the limit 0.8" / "is below the limit". */
export function describeBound(observed: number, op: '>=' | '<=', limit: number): string {
  const ok = op === '>=' ? observed >= limit : observed <= limit;
  const word = op === '>=' ? (ok ? 'is at least' : 'is below') : ok ? 'is at most' : 'is above';
  return `${formatNumber(observed)} ${word} the limit ${formatNumber(limit)}`;
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An instant as "5 Dec 2026, 04:30 UTC"; the input text itself when it is not a date. */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const hh = String(date.getUTCHours()).padStart(2, '0');
  const mm = String(date.getUTCMinutes()).padStart(2, '0');
  return `${date.getUTCDate()} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()}, ${hh}:${mm} UTC`;
}

/** How far an instant is from `now`: "just now", "5 min ago", "in 3 h", "2 days ago". */
export function formatRelative(iso: string, now: Date): string {
  const ms = new Date(iso).getTime() - now.getTime();
  if (Number.isNaN(ms)) return iso;
  const abs = Math.abs(ms);
  const minute = 60_000;
  if (abs < minute) return 'just now';
  const [amount, unit] =
    abs < 60 * minute
      ? [Math.round(abs / minute), 'min']
      : abs < 48 * 60 * minute
        ? [Math.round(abs / (60 * minute)), 'h']
        : [Math.round(abs / (24 * 60 * minute)), 'days'];
  return ms < 0 ? `${amount} ${unit} ago` : `in ${amount} ${unit}`;
}

/** A duration in seconds as "15 min", "2 h 30 min", "45 s". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** `sha256:9f86d081884c7d65…` shortened to `sha256:9f86d081…`; other text unchanged. */
export function shortDigest(digest: string, hexDigits = 12): string {
  const match = /^([a-z0-9-]+):([0-9a-f]+)$/.exec(digest);
  if (!match?.[1] || !match[2] || match[2].length <= hexDigits) return digest;
  return `${match[1]}:${match[2].slice(0, hexDigits)}…`;
}
