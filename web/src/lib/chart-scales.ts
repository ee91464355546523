/**
 * Geometry for the hand-drawn SVG charts: linear scales, "nice" ticks, line paths, and the x
 * ranges of shaded bands. Pure, so the charts are tested without a DOM.
 */

/** A linear map from a data interval to a pixel interval, and back. */
export interface Scale {
  (value: number): number;
  domain: readonly [number, number];
  range: readonly [number, number];
  invert(pixel: number): number;
}

/** `linearScale([0, 1], [40, 400])`; a zero-width domain maps everything to the range's middle. */
export function linearScale(
  domain: readonly [number, number],
  range: readonly [number, number],
): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  const scale = ((value: number) =>
    span === 0 ? (r0 + r1) / 2 : r0 + ((value - d0) / span) * (r1 - r0)) as Scale;
  scale.domain = domain;
  scale.range = range;
  scale.invert = (pixel) => (r1 === r0 ? d0 : d0 + ((pixel - r0) / (r1 - r0)) * span);
  return scale;
}

/** The smallest and largest of the values (and of `include`), padded when they are equal. */
export function extent(
  values: readonly number[],
  include: readonly number[] = [],
): [number, number] {
  const all = [...values, ...include].filter(Number.isFinite);
  if (all.length === 0) return [0, 1];
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  if (lo !== hi) return [lo, hi];
  const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
  return [lo - pad, hi + pad];
}

/** The tick step of 1, 2 or 5 × a power of ten that gives about `count` ticks over `span`. */
function tickStep(span: number, count: number): number {
  const rough = span / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough * (1 - 1e-12)) ?? 10 * power;
}

/**
 * About `count` ticks at 1, 2 or 5 × a power of ten covering [lo, hi] (inclusive where they
 * fall on it). Values are rounded to the step's precision, so 0.1 + 0.2 shows as 0.3.
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || count < 1) return [];
  if (lo === hi) return [lo];
  const [a, b] = lo < hi ? [lo, hi] : [hi, lo];
  const step = tickStep(b - a, count);
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const ticks: number[] = [];
  for (let i = Math.ceil(a / step - 1e-9); i * step <= b + step * 1e-9; i++) {
    ticks.push(Number((i * step).toFixed(decimals)));
  }
  return ticks;
}

/** [lo, hi] widened outwards to the nearest nice ticks, so an axis starts and ends on one. */
export function niceDomain(lo: number, hi: number, count = 5): [number, number] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo >= hi) return [lo, hi];
  const step = tickStep(hi - lo, count);
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const fix = (n: number): number => Number(n.toFixed(decimals));
  return [fix(Math.floor(lo / step + 1e-9) * step), fix(Math.ceil(hi / step - 1e-9) * step)];
}

/** A point in data units. */
export interface Point {
  x: number;
  y: number;
}

/**
 * An SVG path through the points ("M x,y L x,y …"), rounded to 0.1 px. A point with a
 * non-finite coordinate breaks the line (a gap in the data), starting a new "M".
 */
export function linePath(points: readonly Point[], x: Scale, y: Scale): string {
  const parts: string[] = [];
  let pen = 'M';
  for (const p of points) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) {
      pen = 'M';
      continue;
    }
    parts.push(`${pen}${round(x(p.x))},${round(y(p.y))}`);
    pen = 'L';
  }
  return parts.join(' ');
}

/** The pixel rectangle of a band over [from, to) in data units along x, full chart height. */
export function bandRect(
  band: { from: number; to: number },
  x: Scale,
  y: Scale,
): { x: number; y: number; width: number; height: number } {
  const left = Math.min(x(band.from), x(band.to));
  const top = Math.min(...y.range);
  return {
    x: round(left),
    y: round(top),
    width: round(Math.abs(x(band.to) - x(band.from))),
    height: round(Math.abs(y.range[1] - y.range[0])),
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
