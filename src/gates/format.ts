/**
 * Number and label formatting shared by every gate's one-sentence explanation, so a risk officer
 * reads the same style everywhere: up to three decimals (three significant digits below 0.001),
 * thousands separators, a real minus sign — and, where a figure is compared with a bound, as many
 * decimals as it takes for the shown figures to compare the way the real ones do.
 */

const decimals = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });
const tiny = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 });

/** `0.96234` → `0.962`, `2000` → `2,000`, `-0.002` → `−0.002`; NaN → `undefined`. */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'undefined';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  // Below 1e-12 a difference is floating-point rounding (e.g. 0.1 + 0.2 − 0.3), not a result.
  const magnitude = Math.abs(value);
  if (magnitude < 1e-12) return '0';
  // Very small non-zero values would round to "0" and hide the fact that they are not zero.
  if (value !== 0 && magnitude < 1e-4) return value.toExponential(1).replace(/-/g, '−');
  const text = value !== 0 && magnitude < 0.001 ? tiny.format(value) : decimals.format(value);
  return text.replace('-', '−');
}

/** The number a {@link formatNumber} text shows, to check what a reader would conclude from it. */
function shownValue(text: string): number {
  return Number(text.replace(/\u2212/g, '-').replace(/,/g, ''));
}

function formatDecimals(value: number, digits: number): string {
  if (Math.abs(value) < 1e-12) return '0';
  const text = new Intl.NumberFormat('en-US', { maximumFractionDigits: digits }).format(value);
  return text.replace('-', '−');
}

/**
 * A measured figure and the bound it is held to, formatted alike. Each keeps the usual style
 * unless that would hide the comparison (`0.74996` shown as `0.75` beside a minimum of `0.75`,
 * `−0.00247` and a bound of `−0.002456` both shown as `−0.002`): then both get the fewest decimals
 * (up to 15) at which the shown figures compare as the real ones do.
 */
export function formatAgainst(value: number, bound: number): { value: string; bound: string } {
  const plain = { value: formatNumber(value), bound: formatNumber(bound) };
  if (!Number.isFinite(value) || !Number.isFinite(bound)) return plain;
  const order = Math.sign(value - bound);
  const visible = (shown: { value: string; bound: string }) =>
    Math.sign(shownValue(shown.value) - shownValue(shown.bound)) === order;
  if (visible(plain)) return plain;
  for (let digits = 4; digits <= 15; digits++) {
    const shown = { value: formatDecimals(value, digits), bound: formatDecimals(bound, digits) };
    if (visible(shown)) return shown;
  }
  return plain;
}

/** Like {@link formatNumber} but always signed: `+0.006`, `−0.002`, `0`. */
export function formatSigned(value: number): string {
  const text = formatNumber(value);
  return value > 0 && text !== '0' ? `+${text}` : text;
}

/** A whole count with thousands separators: `2,000 rows`, `1 row`. */
export function formatCount(count: number, noun: string): string {
  return `${formatNumber(count)} ${noun}${count === 1 ? '' : 's'}`;
}

/** `0.95` → `95%`. */
export function formatPercent(fraction: number): string {
  return `${formatNumber(fraction * 100)}%`;
}

const acronyms: Record<string, string> = {
  auc: 'AUC',
  ks: 'KS',
  f1: 'F1',
  fpr: 'False-positive rate',
  tpr: 'True-positive rate',
  mae: 'MAE',
  rmse: 'RMSE',
  mape: 'MAPE',
  ctr: 'CTR',
};

/** A metric's name as a sentence starts with it: `auc` → `AUC`, `selection_rate` → `Selection rate`. */
export function metricLabel(name: string): string {
  const known = acronyms[name];
  if (known !== undefined) return known;
  const words = name.split(/[_\s]+/).map((word) => acronyms[word] ?? word);
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `a, b and c` — lists in explanations read as prose. */
export function formatList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The `threshold` text of a min/max gate: `>= 0.95`, `<= 120`, `>= 0.8 and <= 1.25`. */
export function boundsText(bounds: { min?: number | undefined; max?: number | undefined }): string {
  const parts: string[] = [];
  if (bounds.min !== undefined) parts.push(`>= ${bounds.min}`);
  if (bounds.max !== undefined) parts.push(`<= ${bounds.max}`);
  return parts.join(' and ');
}
