/**
 * One delivery attempt over HTTP: a JSON POST with a timeout to a target that passed the address
 * check, classified so the caller knows whether to stop, retry or give up. Redirects are not
 * followed (a redirect could lead to an address the check never saw). Node's `http.request` is
 * used rather than `fetch` because it takes a `lookup` hook, where the connect-time check lives.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parseRetryAfter } from './retry-schedule.js';
import {
  checkTarget,
  guardedLookup,
  RefusedTargetError,
  type Resolve,
  type TargetPolicy,
} from './target-guard.js';

/**
 * `delivered`: 2xx. `retry`: 5xx, 408, 429, a timeout or a network error. `failed`: anything the
 * receiver will answer the same way next time (other 4xx, 3xx) or a refused target.
 */
export type DeliveryOutcome = 'delivered' | 'retry' | 'failed';

export interface DeliveryAttempt {
  outcome: DeliveryOutcome;
  status?: number;
  /** What went wrong, for the delivery log; absent when delivered. */
  error?: string;
  durationMs: number;
  /** The first bytes of the response body, for the delivery log. */
  responseSnippet?: string;
  retryAfterMs?: number;
}

/** How a response status is handled (Standard Webhooks' and Slack's retry guidance). */
export function classifyStatus(status: number): DeliveryOutcome {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'failed';
}

export interface PostRequest {
  url: string;
  body: string;
  headers?: Record<string, string>;
  policy: TargetPolicy;
  /** Default 10 s, for the whole exchange. */
  timeoutMs?: number;
  /** For the up-front target check; the connect-time check always uses the system resolver. */
  resolve?: Resolve;
}

const snippetBytes = 1024;

/** Sends one attempt. Never throws for the receiver's or the network's failures. */
export async function postJson(req: PostRequest): Promise<DeliveryAttempt> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const target = await checkTarget(req.url, req.policy, req.resolve);
  if (!target.ok) {
    // A name that does not resolve now is a network error (retried); a refused address is not.
    const outcome = target.unresolved === true ? 'retry' : 'failed';
    return { outcome, error: target.reason, durationMs: elapsed() };
  }
  try {
    const response = await post(target.url, req);
    const retryAfterMs = parseRetryAfter(header(response.message, 'retry-after'), new Date());
    const outcome = classifyStatus(response.status);
    return {
      outcome,
      status: response.status,
      durationMs: elapsed(),
      responseSnippet: response.snippet,
      ...(outcome === 'delivered' ? {} : { error: `HTTP ${response.status}` }),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  } catch (error) {
    const refused = error instanceof RefusedTargetError;
    return {
      outcome: refused ? 'failed' : 'retry',
      error: (error as Error).message,
      durationMs: elapsed(),
    };
  }
}

function header(message: IncomingMessage, name: string): string | undefined {
  const value = message.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

interface PostResult {
  status: number;
  snippet: string;
  message: IncomingMessage;
}

function post(url: URL, req: PostRequest): Promise<PostResult> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const timeoutMs = req.timeoutMs ?? 10_000;
  const headers = {
    'user-agent': 'Clearance-Notifications/1',
    ...req.headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(req.body)),
  };
  return new Promise((resolve, reject) => {
    const outgoing = send(url, {
      method: 'POST',
      headers,
      lookup: guardedLookup(req.policy),
      agent: false,
      signal: AbortSignal.timeout(timeoutMs),
    });
    outgoing.on('error', (error) => {
      const timedOut = error.name === 'AbortError' || error.name === 'TimeoutError';
      reject(timedOut ? new Error(`No answer within ${timeoutMs} ms`) : error);
    });
    outgoing.on('response', (message) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      let finished = false;
      // The status decides; the body is read only as far as the log keeps it, so a receiver that
      // streams a long or endless answer cannot turn a delivered 2xx into a timeout.
      const finish = () => {
        if (finished) return;
        finished = true;
        const snippet = Buffer.concat(chunks).toString('utf8');
        resolve({ status: message.statusCode ?? 0, snippet, message });
        message.destroy();
      };
      message.on('data', (chunk: Buffer) => {
        chunks.push(chunk.subarray(0, snippetBytes - kept));
        kept += Math.min(chunk.length, snippetBytes - kept);
        if (kept >= snippetBytes) finish();
      });
      message.on('error', reject);
      message.on('end', finish);
    });
    outgoing.end(req.body);
  });
}
