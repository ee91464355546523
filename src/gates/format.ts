/**
 * Number and label formatting shared by every gate's one-sentence explanation, so a risk officer
 * reads the same style everywhere: up to three decimals, thousands separators, a real minus sign.
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
