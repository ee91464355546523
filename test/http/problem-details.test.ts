import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ClearanceError, errorCodes } from '../../src/domain/index.js';
import { problemStatus } from '../../src/http/index.js';
import { stubServer } from './fixture.js';

const expectedStatus = {
  invalid_input: 400,
  invalid_policy: 422,
  invalid_evidence: 422,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  unauthenticated: 401,
  precondition_failed: 412,
  audit_unavailable: 503,
  quota_exceeded: 429,
  busy: 503,
} as const;

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

function serverThrowing(error: unknown) {
  const server = stubServer({
    getModel: async () => {
      throw error;
    },
  });
  close = () => server.app.close();
  return server;
}

describe('problem details', () => {
  it('maps every error code as docs/reference/errors.md says', () => {
    for (const code of errorCodes) expect(problemStatus[code]).toBe(expectedStatus[code]);
  });

  for (const code of errorCodes) {
    it(`answers ${code} with status ${expectedStatus[code]} and RFC 9457 fields`, async () => {
      const problem = { message: 'Model x is unknown.', fix: 'Check the name.' };
      const { app, identity } = serverThrowing(
        new ClearanceError(code, `Refused with ${code}.`, { problems: [problem] }),
      );
      const response = await app.inject({
        method: 'GET',
        url: '/api/v1/models/x',
        headers: { authorization: identity.bearer('ann', 'admin') },
      });
      expect(response.statusCode).toBe(expectedStatus[code]);
      // Only a refusal that passes with time says when to try again.
      expect(response.headers['retry-after']).toBe(code === 'busy' ? '5' : undefined);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toEqual({
        type: `https://clearance.dev/problems/${code}`,
        title: expect.any(String),
        status: expectedStatus[code],
        detail: `Refused with ${code}.`,
        instance: '/api/v1/models/x',
        code,
        problems: [problem],
      });
    });
  }

  it('answers a bug with 500, an error id and no internals', async () => {
    const { app, identity } = serverThrowing(
      new Error('secret connection string postgres://u:p@h'),
    );
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/models/x',
      headers: { authorization: identity.bearer('ann', 'admin') },
    });
    expect(response.statusCode).toBe(500);
    const body = response.json();
    expect(body.code).toBe('internal');
    expect(body.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.detail).toContain(body.errorId);
    expect(response.body).not.toContain('postgres://');
    expect(response.body).not.toContain('at ');
  });

  it('answers an unknown route with a problem', async () => {
    const { app } = serverThrowing(new Error('unused'));
    const response = await app.inject({ method: 'GET', url: '/api/v1/nope' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'route_not_found', status: 404 });
  });

  it('answers a body that fails the schema with 400 invalid_input listing the problems', async () => {
    const { app, identity } = serverThrowing(new Error('unused'));
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/models',
      headers: { authorization: identity.bearer('ann', 'admin') },
      payload: { name: 'x' },
    });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.code).toBe('invalid_input');
    expect(body.problems.length).toBeGreaterThan(0);
    expect(body.problems[0].message).toMatch(/ownerTeam|policy/);
  });

  it('answers malformed JSON with 400 and an unknown content type with 415', async () => {
    const { app, identity } = serverThrowing(new Error('unused'));
    const authorization = identity.bearer('ann', 'admin');
    const malformed = await app.inject({
      method: 'POST',
      url: '/api/v1/models',
      headers: { authorization, 'content-type': 'application/json' },
      payload: '{"name":',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().code).toBe('invalid_input');
    const unsupported = await app.inject({
      method: 'POST',
      url: '/api/v1/models',
      headers: { authorization, 'content-type': 'text/xml' },
      payload: '<model/>',
    });
    expect(unsupported.statusCode).toBe(415);
    expect(unsupported.json().code).toBe('unsupported_media_type');
  });
});

describe('refusals made before routing are problem details too', () => {
  it('answers a malformed percent-encoding (FST_ERR_BAD_URL) with 400 problem details', async () => {
    const { app, identity } = serverThrowing(new Error('unused'));
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/requests/%ED%A0%80?x=1',
      headers: { authorization: identity.bearer('ann', 'admin') },
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({
      code: 'invalid_input',
      status: 400,
      instance: '/api/v1/requests/%ED%A0%80',
      detail: expect.stringMatching(/percent-encoded sequence is not UTF-8/),
    });
  });

  it('answers a path parameter over 100 characters (FST_ERR_MAX_PARAM_LENGTH) with 414', async () => {
    const { app, identity } = serverThrowing(new Error('unused'));
    const response = await app.inject({
      method: 'GET',
      url: `/api/v1/models/${'a'.repeat(101)}`,
      headers: { authorization: identity.bearer('ann', 'admin') },
    });
    expect(response.statusCode).toBe(414);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ code: 'uri_too_long', status: 414 });
  });

  it('does not echo the query string in `instance` or a 404 detail', async () => {
    const { app } = serverThrowing(new Error('unused'));
    const response = await app.inject({ method: 'GET', url: '/api/v1/nope?secret=s3cr3t' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ instance: '/api/v1/nope' });
    expect(response.body).not.toContain('s3cr3t');
  });
});

describe('refusals Node makes before Fastify, over a real socket', () => {
  async function rawExchange(request: string): Promise<string> {
    const { app } = serverThrowing(new Error('unused'));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk.toString('utf8');
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(received));
      socket.write(request);
    });
  }

  function parse(raw: string) {
    const [head = '', body = ''] = raw.split('\r\n\r\n');
    return { head, body: JSON.parse(body) as Record<string, unknown> };
  }

  it('answers header fields over 16 KiB with 431 problem details', async () => {
    const raw = await rawExchange(
      `GET /api/v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    const { head, body } = parse(raw);
    expect(head).toMatch(/^HTTP\/1\.1 431 /);
    expect(head).toMatch(/content-type: application\/problem\+json/i);
    expect(body).toMatchObject({ code: 'header_too_large', status: 431 });
  });

  it('answers bytes that are not HTTP with 400 problem details', async () => {
    const raw = await rawExchange('NOT HTTP AT ALL\r\n\r\n');
    const { head, body } = parse(raw);
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect(body).toMatchObject({ code: 'invalid_input', status: 400 });
  });
});
