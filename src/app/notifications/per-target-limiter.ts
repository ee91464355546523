/**
 * At most `limit` sends per target at once; the rest wait in arrival order. A job whose signal has
 * ended (budget, lost lease, stop) sends nothing, and a wait its signal ends leaves the queue
 * without sending.
 */
export function perTargetLimiter(limit: number) {
  const targets = new Map<string, { active: number; waiting: (() => void)[] }>();
  return async function limited<T>(
    target: string,
    signal: AbortSignal,
    send: () => Promise<T>,
  ): Promise<T> {
    // A job already ended (budget, lost lease, stop) sends nothing: a listener added now would
    // never hear the abort.
    signal.throwIfAborted();
    const slot = targets.get(target) ?? { active: 0, waiting: [] };
    targets.set(target, slot);
    if (slot.active >= limit) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          slot.waiting.splice(slot.waiting.indexOf(go), 1);
          reject(signal.reason);
        };
        const go = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        slot.waiting.push(go);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    } else {
      slot.active += 1;
    }
    try {
      return await send();
    } finally {
      // The place passes straight to the next in line, or frees up.
      const next = slot.waiting.shift();
      if (next !== undefined) next();
      else {
        slot.active -= 1;
        if (slot.active === 0) targets.delete(target);
      }
    }
  };
}
