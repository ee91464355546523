/**
 * `perTargetLimiter`: at most `limit` sends per target at once, the rest in arrival order; a job
 * whose signal has ended sends nothing, whether it ended before it asked or while it waited.
 */
import { expect, it } from 'vitest';
import { perTargetLimiter } from '../../src/app/notifications/per-target-limiter.js';

function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

it('sends nothing for a job whose signal ended before it asked, even with a place free', async () => {
  const limited = perTargetLimiter(1);
  const ended = new AbortController();
  ended.abort(new Error('lease lost'));
  let sent = 0;
  await expect(limited('hook', ended.signal, async () => (sent += 1))).rejects.toThrow(
    'lease lost',
  );
  expect(sent).toBe(0);
  // The place is still free for the next job.
  expect(await limited('hook', new AbortController().signal, async () => 'sent')).toBe('sent');
});

it('passes places on in arrival order, and a wait its signal ends leaves without sending', async () => {
  const limited = perTargetLimiter(1);
  const order: string[] = [];
  const first = gate();
  const running = limited('hook', new AbortController().signal, async () => {
    await first.opened;
    order.push('first');
  });
  const stopped = new AbortController();
  const cancelled = limited('hook', stopped.signal, async () => order.push('cancelled'));
  const third = limited('hook', new AbortController().signal, async () => order.push('third'));
  stopped.abort(new Error('stopping'));
  await expect(cancelled).rejects.toThrow('stopping');
  first.open();
  await Promise.all([running, third]);
  expect(order).toEqual(['first', 'third']);
});
