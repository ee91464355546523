/**
 * Requests as MLflow's Python client puts them on the wire, from reading its sources:
 * `rest_store.py` builds each request message and `message_to_json` turns it into a dict (proto
 * field order, unset fields and empty lists left out, int64 as JSON numbers); `call_endpoint`
 * sends a GET's dict as `requests` query parameters (`urlencode` with `quote_plus`, a list as a
 * repeated parameter, a number as its decimal text) and any other method's as a `json=` body
 * (`json.dumps`: `", "` and `": "` separators, non-ASCII escaped); `http_request` adds
 * `User-Agent: mlflow-python-client/<version>` and `Authorization: Bearer <MLFLOW_TRACKING_TOKEN>`,
 * and `requests` its own `Accept`, `Accept-Encoding` and `Connection`. Sent with node:http so
 * nothing else is added.
 */
import { request } from 'node:http';
import { gunzipSync, inflateSync } from 'node:zlib';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Python's `json.dumps` with its default separators and `ensure_ascii`. */
function pythonJsonDumps(value: Json): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string')
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  const fields = Object.entries(value).map(
    ([k, v]) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(v)}`,
  );
  return `{${fields.join(', ')}}`;
}

/** `urllib.parse.quote_plus`: everything but letters, digits and `_.-~` escaped, space as `+`. */
function quotePlus(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** `requests`' encoding of a `params` dict: lists repeat the key, in order. */
export function pythonQuery(params: Readonly<Record<string, Json | undefined>>): string {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value])
      pairs.push(`${quotePlus(key)}=${quotePlus(String(item))}`);
  }
  return pairs.join('&');
}

export interface WireAnswer {
  status: number;
  contentType: string | undefined;
  text: string;
  /** The body parsed, or undefined when it is not JSON. */
  json: unknown;
}

export interface PythonClientOptions {
  trackingUri: string;
  token?: string;
  /** The client version in User-Agent (`mlflow-python-client/<version>`). */
  version?: string;
}

/** One call: `message` is the request message as `message_to_json` gives it. */
export function pythonClientCall(
  options: PythonClientOptions,
  call: {
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
    path: string;
    message: Record<string, Json | undefined>;
  },
): Promise<WireAnswer> {
  const url = new URL(`/api/2.0${call.path}`, options.trackingUri);
  const headers: Record<string, string> = {
    'User-Agent': `mlflow-python-client/${options.version ?? '2.17.2'}`,
    'Accept-Encoding': 'gzip, deflate',
    Accept: '*/*',
    Connection: 'keep-alive',
  };
  if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  let target = url.pathname;
  const defined = Object.fromEntries(
    Object.entries(call.message).filter(([, v]) => v !== undefined),
  ) as Record<string, Json>;
  if (call.method === 'GET') {
    const query = pythonQuery(defined);
    if (query !== '') target += `?${query}`;
  } else {
    body = pythonJsonDumps(defined);
    headers['Content-Length'] = String(Buffer.byteLength(body));
    headers['Content-Type'] = 'application/json';
  }
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method: call.method, path: target, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          // `requests` undoes the encoding it asked for.
          const raw = Buffer.concat(chunks);
          const encoding = res.headers['content-encoding'];
          const bytes =
            encoding === 'gzip' ? gunzipSync(raw) : encoding === 'deflate' ? inflateSync(raw) : raw;
          const text = bytes.toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'],
            text,
            json,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
