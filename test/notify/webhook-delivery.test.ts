import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import {
  backoffCeilingMs,
  classifyStatus,
  deliverWithRetries,
  generateWebhookSecret,
  nextAttemptAt,
  parseRetryAfter,
  type RetrySchedule,
  sendWebhook,
} from '../../src/notify/index.js';
import { type Receiver, startReceiver } from './receiver.js';

const loopback = { allow: ['loopback'] } as const;
const fast: RetrySchedule = { baseDelayMs: 40, maxDelayMs: 400, minDelayMs: 5, deadlineMs: 10_000 };
let receiver: Receiver | undefined;

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('retry schedule', () => {
  it('doubles the ceiling per failure up to its cap, with full jitter below it', () => {
    expect([1, 2, 3, 4, 5, 6, 60].map((n) => backoffCeilingMs(n, fast))).toEqual([
      40, 80, 160, 320, 400, 400, 400,
    ]);
    const first = new Date('2026-12-04T00:00:00.000Z');
    const at = (failedAttempts: number, random: number) =>
      nextAttemptAt({
        failedAttempts,
        firstAttemptAt: first,
        failedAt: first,
        random: () => random,
        schedule: fast,
      })?.getTime();
    expect(at(3, 0.5)! - first.getTime()).toBe(80);
    expect(at(3, 0.999)! - first.getTime()).toBe(159);
    expect(at(3, 0)! - first.getTime()).toBe(5); // never below the minimum delay
  });

  it('gives up when the next attempt would fall after the deadline', () => {
    const first = new Date('2026-12-04T00:00:00.000Z');
    const late = new Date(first.getTime() + fast.deadlineMs - 10);
    expect(
      nextAttemptAt({
        failedAttempts: 9,
        firstAttemptAt: first,
        failedAt: late,
        random: () => 0.5,
        schedule: fast,
      }),
    ).toBeUndefined();
    expect(
      nextAttemptAt({
        failedAttempts: 9,
        firstAttemptAt: first,
        failedAt: late,
        random: () => 0,
        schedule: fast,
      }),
    ).toEqual(new Date(late.getTime() + 5));
  });

  it('defaults to 10 s doubling, capped at an hour, for a day', () => {
    expect(backoffCeilingMs(1)).toBe(10_000);
    expect(backoffCeilingMs(2)).toBe(20_000);
    expect(backoffCeilingMs(20)).toBe(3_600_000);
  });

  it('waits at least as long as Retry-After asks, up to the cap', () => {
    const now = new Date('2026-12-04T00:00:00.000Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Fri, 04 Dec 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    const next = nextAttemptAt({
      failedAttempts: 1,
      firstAttemptAt: now,
      failedAt: now,
      random: () => 0.5,
      schedule: fast,
      retryAfterMs: 300,
    });
    expect(next!.getTime() - now.getTime()).toBe(300);
  });

  it('classifies statuses: 2xx delivered, 408/429/5xx retried, the rest failed', () => {
    expect([200, 204, 299].map(classifyStatus)).toEqual(['delivered', 'delivered', 'delivered']);
    expect([408, 429, 500, 502, 503].map(classifyStatus)).toEqual([
      'retry',
      'retry',
      'retry',
      'retry',
      'retry',
    ]);
    expect([301, 400, 401, 404, 410, 413].map(classifyStatus)).toEqual([
      'failed',
      'failed',
      'failed',
      'failed',
      'failed',
      'failed',
    ]);
  });
});

describe('webhook delivery to a local receiver', () => {
  it('retries a receiver that fails three times, backing off as scheduled, then delivers', async () => {
    receiver = await startReceiver((index, response) => {
      response.statusCode = index < 3 ? 503 : 200;
      response.end(index < 3 ? 'busy' : 'ok');
    });
    const secret = generateWebhookSecret();
    const body = JSON.stringify({ type: 'gate.failed', id: 'evt_retry' });
    const slept: number[] = [];
    const result = await deliverWithRetries({
      attempt: () =>
        sendWebhook({
          url: receiver!.url,
          id: 'evt_retry',
          body,
          secrets: [secret],
          policy: loopback,
        }),
      schedule: fast,
      random: () => 0.5,
      sleep: async (ms) => {
        slept.push(ms);
        await new Promise((resolve) => setTimeout(resolve, ms));
      },
    });
    expect(result.outcome).toBe('delivered');
    expect(result.attempts.map((a) => [a.outcome, a.status])).toEqual([
      ['retry', 503],
      ['retry', 503],
      ['retry', 503],
      ['delivered', 200],
    ]);
    expect(result.attempts[0]?.responseSnippet).toBe('busy');
    // Half of each ceiling (random 0.5): 20, 40, 80 ms, less the time spent since the failure.
    expect(slept).toHaveLength(3);
    for (const [i, ms] of slept.entries()) expect(ms).toBeLessThanOrEqual([20, 40, 80][i]!);
    const gaps = receiver.received.slice(1).map((r, i) => r.at - receiver!.received[i]!.at);
    for (const [i, gap] of gaps.entries()) expect(gap).toBeGreaterThanOrEqual([20, 40, 80][i]! - 2);
    // Every attempt carries the same id and a signature the reference implementation accepts.
    for (const received of receiver.received) {
      expect(received.headers['webhook-id']).toBe('evt_retry');
      expect(
        new Webhook(secret).verify(received.body, received.headers as Record<string, string>),
      ).toEqual(JSON.parse(body));
    }
  });

  it('gives up at the deadline on a receiver that never recovers', async () => {
    receiver = await startReceiver((_, response) => {
      response.statusCode = 500;
      response.end();
    });
    const result = await deliverWithRetries({
      attempt: () =>
        sendWebhook({
          url: receiver!.url,
          id: 'evt_down',
          body: '{}',
          secrets: [generateWebhookSecret()],
          policy: loopback,
        }),
      schedule: { ...fast, deadlineMs: 150 },
      random: () => 0.5,
    });
    expect(result.outcome).toBe('gave_up');
    expect(result.attempts.length).toBeGreaterThanOrEqual(2);
    expect(result.attempts.at(-1)?.nextAt).toBeUndefined();
  });

  it('stops at once on a permanent refusal, and does not follow redirects', async () => {
    receiver = await startReceiver((index, response) => {
      response.statusCode = index === 0 ? 410 : 302;
      if (index > 0) response.setHeader('location', 'http://169.254.169.254/latest/meta-data/');
      response.end();
    });
    const attempt = () =>
      sendWebhook({
        url: receiver!.url,
        id: 'evt_gone',
        body: '{}',
        secrets: [generateWebhookSecret()],
        policy: loopback,
      });
    const gone = await deliverWithRetries({ attempt, schedule: fast });
    expect(gone.outcome).toBe('failed');
    expect(gone.attempts).toHaveLength(1);
    expect(await attempt()).toMatchObject({ outcome: 'failed', status: 302 });
    expect(receiver.received).toHaveLength(2);
  });

  it('retries a 429 no sooner than its Retry-After', async () => {
    receiver = await startReceiver((index, response) => {
      response.statusCode = index === 0 ? 429 : 204;
      if (index === 0) response.setHeader('retry-after', '0');
      response.end();
    });
    const result = await deliverWithRetries({
      attempt: () =>
        sendWebhook({
          url: receiver!.url,
          id: 'evt_429',
          body: '{}',
          secrets: [generateWebhookSecret()],
          policy: loopback,
        }),
      schedule: fast,
      random: () => 0,
    });
    expect(result.attempts.map((a) => a.status)).toEqual([429, 204]);
    expect(result.attempts[0]?.retryAfterMs).toBe(0);
  });

  it('times out a receiver that does not answer, as a retryable failure', async () => {
    receiver = await startReceiver(() => {
      // never answers
    });
    const attempt = await sendWebhook({
      url: receiver.url,
      id: 'evt_slow',
      body: '{}',
      secrets: [generateWebhookSecret()],
      policy: loopback,
      timeoutMs: 200,
    });
    expect(attempt).toMatchObject({ outcome: 'retry', error: 'No answer within 200 ms' });
    expect(attempt.durationMs).toBeGreaterThanOrEqual(190);
  });

  it('retries when nothing listens', async () => {
    receiver = await startReceiver((_, response) => response.end());
    const url = receiver.url;
    await receiver.close();
    receiver = undefined;
    const attempt = await sendWebhook({
      url,
      id: 'evt_refused',
      body: '{}',
      secrets: [generateWebhookSecret()],
      policy: loopback,
    });
    expect(attempt.outcome).toBe('retry');
    expect(attempt.error).toMatch(/ECONNREFUSED/);
  });
});

describe('a receiver that streams an endless answer', () => {
  it('is judged by its status, without waiting for the body to end', async () => {
    receiver = await startReceiver((_, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = 'x'.repeat(512);
      const timer = setInterval(() => response.write(chunk), 5);
      response.on('close', () => clearInterval(timer));
    });
    const attempt = await sendWebhook({
      url: receiver.url,
      id: 'evt_stream',
      body: '{}',
      secrets: [generateWebhookSecret()],
      policy: loopback,
      // Generous: a client that waited for the body would time out however long this is.
      timeoutMs: 30_000,
    });
    expect(attempt).toMatchObject({ outcome: 'delivered', status: 200 });
    expect(attempt.responseSnippet).toHaveLength(1024);
  });
});
