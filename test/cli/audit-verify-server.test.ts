/**
 * `clearance audit verify --server`: an auditor without database access verifies the log through
 * the API. The server is built in-process over stub use cases that serve a generated, signed log,
 * so a test can tamper with what the server answers.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckpointView } from '../../src/app/index.js';
import {
  type AuditEntry,
  entryLeafHash,
  generateSigningKey,
  MerkleAccumulator,
  signCheckpoint,
} from '../../src/audit/index.js';
import { stubServer } from '../http/fixture.js';
import { runCli } from './run-cli.js';

const origin = 'clearance/test-install';
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

function entry(seq: number): AuditEntry {
  return {
    seq,
    time: new Date(Date.UTC(2026, 10, 1, 12, 0, 0, seq)).toISOString(),
    actor: { id: 'ana', kind: 'user' },
    action: 'approval.recorded',
    subject: { type: 'transition_request', id: `req-${seq}` },
    reason: `sign-off ${seq}`,
    digests: {},
    data: { role: 'risk_officer' },
  };
}

/** A signed log of `size` entries with checkpoints at `checkpointAt`, as the API serves it. */
function signedLog(size: number, checkpointAt: number[]) {
  const key = generateSigningKey(origin);
  const accumulator = new MerkleAccumulator();
  const entries = Array.from({ length: size }, (_, i) => entry(i));
  const checkpoints: CheckpointView[] = [];
  entries.forEach((e, i) => {
    accumulator.append(entryLeafHash(e));
    if (checkpointAt.includes(i + 1)) {
      const rootHash = accumulator.root();
      checkpoints.push({
        origin,
        size: i + 1,
        rootHash: b64(rootHash),
        note: signCheckpoint({ origin, size: i + 1, rootHash }, key),
        createdAt: '2026-11-01T13:00:00.000Z',
        verifierKey: key.verifierKey,
      });
    }
  });
  // The leaf hashes as stored at append time: a later edit of an entry does not change them.
  const leafHashes = entries.map((e) => b64(entryLeafHash(e)));
  return { key, entries, leafHashes, checkpoints };
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function serve(
  log: ReturnType<typeof signedLog>,
  more: Partial<Parameters<typeof stubServer>[0]> = {},
) {
  const server = stubServer({
    ...more,
    checkpoints: async () => ({ checkpoints: log.checkpoints }),
    auditEntries: async (_principal, input) => {
      const from = input.from ?? 0;
      const limit = Math.min(input.limit ?? 100, 1000);
      const size = log.entries.length;
      return {
        size,
        entries: log.entries
          .slice(from, from + limit)
          .map((e, i) => ({ entry: e, leafHash: log.leafHashes[from + i] ?? '' })),
        next: from + limit < size ? from + limit : null,
      };
    },
  });
  app = server.app;
  const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  return { url, token: server.identity.bearer('aud', 'auditor').replace(/^Bearer /, '') };
}

async function verify(args: string[]) {
  const run = await runCli(['audit', 'verify', ...args]);
  return { code: run.status, out: run.stdout + run.stderr };
}

describe('clearance audit verify --server', () => {
  it('verifies a log of several pages against the pinned key and exits 0', async () => {
    const log = signedLog(2500, [1000, 2400]);
    const { url, token } = await serve(log);
    const run = await verify(['--server', url, '--token', token, '--key', log.key.verifierKey]);
    expect(run.out).toContain('verifies: 2500 entries');
    expect(run.out).toContain('2400 covered by 2 signed checkpoint(s)');
    expect(run.out).not.toContain('pin the key');
    expect(run.code).toBe(0);
  });

  it('exits 1 naming the first tampered entry', async () => {
    const log = signedLog(30, [30]);
    const tampered = log.entries[17];
    if (tampered) tampered.reason = 'rewritten';
    const { url, token } = await serve(log);
    const run = await verify(['--server', url, '--token', token, '--key', log.key.verifierKey]);
    expect(run.code).toBe(1);
    expect(run.out).toContain('does NOT verify');
    expect(run.out).toContain('(leaf_hash_mismatch) at entry 17');
  });

  it('exits 1 when the checkpoints are not signed by the pinned key', async () => {
    const log = signedLog(10, [10]);
    const { url, token } = await serve(log);
    const other = generateSigningKey(origin);
    const run = await verify([
      '--server',
      url,
      '--token',
      token,
      '--key',
      other.verifierKey,
      '--format',
      'json',
    ]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.out).result.ok).toBe(false);
  });

  it('without --key, trusts the key the server names and says so', async () => {
    const log = signedLog(5, [5]);
    const { url, token } = await serve(log);
    const run = await verify(['--server', url, '--token', token]);
    expect(run.code).toBe(0);
    expect(run.out).toContain('pass --key to pin the key you trust');
  });
});

describe('clearance audit verify --server --since and --state', () => {
  it('finds a served log cut back with its checkpoints, which plain --server verifies', async () => {
    const log = signedLog(30, [20, 30]);
    const keptFile = join(mkdtempSync(join(tmpdir(), 'clearance-kept-')), 'checkpoint.txt');
    writeFileSync(keptFile, log.checkpoints[1]?.note ?? '');
    const cut = {
      ...log,
      entries: log.entries.slice(0, 20),
      checkpoints: log.checkpoints.slice(0, 1),
    };
    const { url, token } = await serve(cut);
    const key = ['--key', log.key.verifierKey];
    const plain = await verify(['--server', url, '--token', token, ...key]);
    expect(plain.code).toBe(0);
    const since = await verify(['--server', url, '--token', token, ...key, '--since', keptFile]);
    expect(since.code).toBe(1);
    expect(since.out).toContain('(truncated) at entry 20');
    expect(since.out).toContain('The checkpoint you kept signs 30 entries but the log has 20');
  });

  it('says the served log is consistent with the kept checkpoint when it grew past it', async () => {
    const log = signedLog(30, [20, 30]);
    const keptFile = join(mkdtempSync(join(tmpdir(), 'clearance-kept-')), 'checkpoint.txt');
    writeFileSync(keptFile, log.checkpoints[0]?.note ?? '');
    const { url, token } = await serve(log);
    const run = await verify([
      '--server',
      url,
      '--token',
      token,
      '--key',
      log.key.verifierKey,
      '--since',
      keptFile,
    ]);
    expect(run.code).toBe(0);
    expect(run.out).toContain('Consistent with the checkpoint you kept (size 20)');
  });

  it('exits 1 naming each row GET /api/v1/audit/state reports', async () => {
    const log = signedLog(5, [5]);
    const disagreement = {
      table: 'approvals' as const,
      key: 'a-1',
      field: 'row',
      expected: null,
      found: 'approve by ghost as tech_lead on request r-1',
    };
    const { url, token } = await serve(log, {
      auditState: async () => ({
        checkedAt: '2026-11-01T13:00:00.000Z',
        auditEntries: 5,
        disagreements: [disagreement],
        problems: [],
        notes: [],
      }),
    });
    const args = ['--server', url, '--token', token, '--key', log.key.verifierKey, '--state'];
    const text = await verify(args);
    expect(text.code).toBe(1);
    expect(text.out).toContain(
      'approvals a-1: the row has no audit entry (found approve by ghost as tech_lead on request r-1).',
    );
    const json = await verify([...args, '--format', 'json']);
    expect(JSON.parse(json.out).state.disagreements).toEqual([disagreement]);
  });

  it('exits 0 with the notes GET /api/v1/audit/state reports beside no disagreement', async () => {
    const log = signedLog(5, [5]);
    const note =
      '1 version was registered before version.registered logged a lineage digest (m@1): its lineage cannot be compared with the log.';
    const { url, token } = await serve(log, {
      auditState: async () => ({
        checkedAt: '2026-11-01T13:00:00.000Z',
        auditEntries: 5,
        disagreements: [],
        problems: [],
        notes: [note],
      }),
    });
    const args = ['--server', url, '--token', token, '--key', log.key.verifierKey, '--state'];
    const text = await verify(args);
    expect(text.code).toBe(0);
    expect(text.out).toContain('Database agrees with the audit log');
    expect(text.out).toContain(`Note: ${note}`);
  });
});
