/** A window of a trigger: [start, end), aligned to the rollout's start. */
export interface WindowBounds {
  /** 0 for the first window after the start. */
  index: number;
  start: number;
  end: number;
}

export function windowBounds(startedAt: number, periodMs: number, index: number): WindowBounds {
  const start = startedAt + index * periodMs;
  return { index, start, end: start + periodMs };
}

/** The window a timestamp falls in, or −1 before the rollout started. */
export function windowIndexOf(startedAt: number, periodMs: number, at: number): number {
  return at < startedAt ? -1 : Math.floor((at - startedAt) / periodMs);
}

/** A window is decided once its end plus the lateness allowance has passed. */
export function decisionTime(window: WindowBounds, latenessMs: number): number {
  return window.end + latenessMs;
}
