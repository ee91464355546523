/**
 * A CLI newer than the server (a rolling upgrade; an auditor's laptop): servers before ADR 024
 * answer GET /api/v1/audit/state without `notes`. The CLI must render their answer, not crash.
 * The older server is a plain HTTP server on loopback answering exactly what such a server sent.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { renderStateCheck } from '../../src/cli/commands/audit-state-output.js';
import { createRemoteRegistry } from '../../src/cli/registry/remote-registry.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  server = undefined;
});

async function olderServer(): Promise<string> {
  server = createServer((request, reply) => {
    if (request.method === 'GET' && request.url === '/api/v1/audit/state') {
      reply.writeHead(200, { 'content-type': 'application/json' });
      reply.end(
        JSON.stringify({
          checkedAt: '2026-11-01T13:00:00.000Z',
          auditEntries: 5,
          disagreements: [],
          problems: [],
        }),
      );
      return;
    }
    reply.writeHead(404).end();
  });
  await new Promise<void>((listening) => server?.listen(0, '127.0.0.1', listening));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

it('renders the state check of a server that answers without notes', async () => {
  const registry = createRemoteRegistry({ server: await olderServer(), token: 't' });
  const check = await registry.auditState();
  expect(check.notes).toEqual([]);
  expect(renderStateCheck(check)).toContain('Database agrees with the audit log');
});
