/**
 * GET and HEAD …/evidence-pack and POST /api/v1/policies/backtest over HTTP, on the real use cases
 * and the in-memory store: the download is the pack the CLI writes, a HEAD answers its head without
 * exporting or reading a blob, refusals are audited, a bad policy is named by file, line and column.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvidencePackArchive, signAuditCheckpoint } from '../../src/app/index.js';
import type { BlobStore } from '../../src/app/shared/ports.js';
import { loadAuditSigner } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import {
  examplesDir,
  type Harness,
  harness,
  people,
  promoteCreditRisk,
  readAudit,
} from '../app/harness.js';
import { stubServer, testIdentity } from './fixture.js';
import { serveHarness } from './serve-harness.js';

const model = 'credit-risk-pd';
const ticket = 'RISK-12';
const packUrl = `/api/v1/models/${model}/versions/2026.2/evidence-pack`;
const policy = readFileSync(join(examplesDir, 'credit-risk', 'policy.yaml'), 'utf8');
const stricter = policy.replace('min: 0.8', 'min: 0.8\n        max: 1.0');

const identity = testIdentity();
const as = {
  auditor: identity.bearer('ada.auditor', 'auditor'),
  owner: identity.bearer('olga.owner', 'model_owner'),
  risk: identity.bearer('rob.risk', 'risk_officer'),
  tech: identity.bearer('tess.tech', 'tech_lead'),
  nobody: identity.bearer('nick.nobody'),
  elsewhere: identity.bearer('otis.owner'),
};
// A model owner, but of another model only.
const directory = {
  findToken: async (id: string) => {
    const found = await identity.directory.findToken(id);
    return found?.userId === 'otis.owner'
      ? { ...found, roles: [{ role: 'model_owner', model: 'another-model' }] }
      : found;
  },
  findAccount: (userId: string) => identity.directory.findAccount(userId),
};

let h: Harness;
let app: FastifyInstance;
/** Blob reads by the server: `get` and `stream` read bytes, `has` only looks. */
const reads = { get: 0, stream: 0 };

function counted(inner: BlobStore): BlobStore {
  return {
    ...inner,
    has: (digest) => inner.has(digest),
    get: (digest) => {
      reads.get += 1;
      return inner.get(digest);
    },
    stream: (digest) => {
      reads.stream += 1;
      return inner.stream(digest);
    },
  };
}

async function promote(): Promise<void> {
  await promoteCreditRisk(h, { model, ticket });
}

beforeAll(async () => {
  h = harness();
  const dataDir = mkdtempSync(join(tmpdir(), 'clearance-pack-routes-'));
  const signer = loadAuditSigner(
    loadConfig({ flags: { dataDir, database: `sqlite:${join(dataDir, 'unused.db')}` }, env: {} }),
  );
  app = serveHarness(h, {
    auditSigner: signer,
    directory,
    deps: { ...h.deps, blobs: counted(h.blobs) },
  });
  await promote();
  await signAuditCheckpoint(h.deps, signer, { principal: people.admin });
}, 60_000);
afterAll(() => app?.close());

const lastEntry = async () => (await readAudit(h)).at(-1);

describe('GET /api/v1/models/{name}/versions/{version}/evidence-pack', () => {
  it('downloads the pack as a gzip-compressed tar whose files match the manifest', async () => {
    const response = await app.inject({
      method: 'GET',
      url: packUrl,
      headers: { authorization: as.auditor },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('application/gzip');
    expect(response.headers['content-disposition']).toBe(
      'attachment; filename="credit-risk-pd-2026.2-evidence-pack.tar.gz"',
    );
    expect(response.headers['cache-control']).toBe('private, no-store');
    const tar = gunzipSync(response.rawPayload);
    // ustar magic in the first header, and the single top-level directory.
    expect(tar.subarray(257, 262).toString()).toBe('ustar');
    expect(tar.subarray(0, 40).toString()).toContain('credit-risk-pd-2026.2-evidence-pack/');
    const pack = await readEvidencePackArchive(new Uint8Array(response.rawPayload));
    const paths = pack.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['manifest.json', 'evidence/predictions.csv']));
    expect(paths).toEqual(expect.arrayContaining(['audit/checkpoint.note', 'report.html']));
    expect(pack.manifest.createdBy).toBe('ada.auditor');
    expect(pack.manifest.audit.proven).toBeGreaterThan(0);
    expect(pack.manifest.audit.verifierKey).toMatch(/^clearance\//);
  });

  it('records the export with the caller as actor and the pack digest', async () => {
    const response = await app.inject({
      method: 'GET',
      url: packUrl,
      headers: { authorization: as.owner },
    });
    expect(response.statusCode).toBe(200);
    const pack = await readEvidencePackArchive(new Uint8Array(response.rawPayload));
    const entry = await lastEntry();
    expect(entry?.action).toBe('evidence_pack.exported');
    expect(entry?.actor.id).toBe('olga.owner');
    expect(entry?.subject).toEqual({ type: 'version', id: `${model}@2026.2` });
    expect(entry?.digests.pack).toBe(pack.manifest.packDigest);
  });

  it('refuses a caller with no role on the model, and audits the refusal', async () => {
    for (const authorization of [as.nobody, as.elsewhere]) {
      const response = await app.inject({
        method: 'GET',
        url: packUrl,
        headers: { authorization },
      });
      expect(response.statusCode).toBe(403);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json().code).toBe('forbidden');
      const entry = await lastEntry();
      expect(entry?.action).toBe('access.denied');
      expect(entry?.data.attempted).toBe('evidence_pack.export');
    }
    expect((await lastEntry())?.actor.id).toBe('otis.owner');
  });

  it('answers 404 for an unknown version and 401 without a token', async () => {
    const missing = await app.inject({
      method: 'GET',
      url: `/api/v1/models/${model}/versions/9.9/evidence-pack`,
      headers: { authorization: as.auditor },
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('not_found');
    expect((await app.inject({ method: 'GET', url: packUrl })).statusCode).toBe(401);
  });
});

describe('HEAD /api/v1/models/{name}/versions/{version}/evidence-pack', () => {
  const head = (url: string, authorization?: string) =>
    app.inject({ method: 'HEAD', url, headers: authorization ? { authorization } : {} });

  it("answers the GET's status and headers with no body, exporting nothing and reading no blob", async () => {
    const before = (await readAudit(h)).length;
    const readsBefore = { ...reads };
    const response = await head(packUrl, as.auditor);
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload.length).toBe(0);
    expect(await readAudit(h)).toHaveLength(before);
    expect(reads).toEqual(readsBefore);

    const got = await app.inject({
      method: 'GET',
      url: packUrl,
      headers: { authorization: as.auditor },
    });
    expect(got.statusCode).toBe(200);
    expect((await readAudit(h)).at(-1)?.action).toBe('evidence_pack.exported');
    expect(reads.stream).toBeGreaterThan(readsBefore.stream);
    // The same head but the framing: the GET is chunked (a gzip stream has no length to
    // announce), and a HEAD has no body to frame; neither sends a Content-Length.
    const { date: _d1, ...headHeaders } = response.headers;
    const { date: _d2, 'transfer-encoding': chunked, ...getHeaders } = got.headers;
    expect(chunked).toBe('chunked');
    expect(headHeaders).toEqual(getHeaders);
    expect(headHeaders['content-length']).toBeUndefined();
    expect(getHeaders['content-disposition']).toBe(
      'attachment; filename="credit-risk-pd-2026.2-evidence-pack.tar.gz"',
    );
  });

  it('refuses as the GET would: 403 audited as access.denied, 404, 401; never an export', async () => {
    const readsBefore = { ...reads };
    for (const authorization of [as.nobody, as.elsewhere]) {
      const response = await head(packUrl, authorization);
      expect(response.statusCode).toBe(403);
      const entry = await lastEntry();
      expect(entry?.action).toBe('access.denied');
      expect(entry?.data.attempted).toBe('evidence_pack.export');
    }
    const before = (await readAudit(h)).length;
    const missing = await head(`/api/v1/models/${model}/versions/9.9/evidence-pack`, as.auditor);
    expect(missing.statusCode).toBe(404);
    expect((await head(packUrl)).statusCode).toBe(401);
    expect(await readAudit(h)).toHaveLength(before);
    expect(reads).toEqual(readsBefore);
  });
});

describe('POST /api/v1/policies/backtest', () => {
  const backtest = (authorization: string, payload: object) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/policies/backtest',
      headers: { authorization },
      payload,
    });

  it('reports no difference for the policy in force, and audits the backtest by the caller', async () => {
    const response = await backtest(as.risk, { policy, since: '90d' });
    expect(response.statusCode, response.body).toBe(200);
    const report = response.json();
    expect(report.evaluated).toBeGreaterThan(0);
    expect(report.differing).toEqual([]);
    expect(report.since).toBe(new Date(h.clock.now().getTime() - 90 * 86_400_000).toISOString());
    expect((await lastEntry())?.action).toBe('policy.backtested');
    expect((await lastEntry())?.actor.id).toBe('rob.risk');
  });

  it('names the gate when a stricter policy would deny past promotions', async () => {
    const response = await backtest(as.auditor, { policy: stricter, model });
    expect(response.statusCode, response.body).toBe(200);
    const report = response.json();
    expect(report.model).toBe(model);
    expect(report.differing.length).toBe(2);
    const promotion = report.differing.find((d: { kind: string }) => d.kind === 'transition');
    expect(promotion.after.blockingGates).toEqual(['approval-rate-parity']);
    expect(promotion.why[0].why).toContain('Gate approval-rate-parity now blocks');
    expect(typeof promotion.why[0].after.observed).toBe('number');
  });

  it('answers 422 naming file, line and column for a malformed policy', async () => {
    const bad = 'apiVersion: clearance/v1\nkind: Policy\nmetadata: { name: x\n';
    const response = await backtest(as.auditor, { policy: bad, file: 'stricter.yaml' });
    expect(response.statusCode).toBe(422);
    const problem = response.json();
    expect(problem.code).toBe('invalid_policy');
    expect(problem.detail).toMatch(/stricter\.yaml:\d+:\d+/);
    expect(problem.problems[0].location).toMatchObject({ file: 'stricter.yaml' });
    expect(problem.problems[0].location.line).toBeGreaterThan(0);
  });

  it('answers 400 for a since that is neither a duration nor a date, or no policy', async () => {
    const since = await backtest(as.auditor, { policy, since: 'last spring' });
    expect(since.statusCode).toBe(400);
    expect(since.json().detail).toContain('since last spring');
    expect((await backtest(as.auditor, {})).statusCode).toBe(400);
  });

  it('refuses a role that does not own or review policies, and audits the refusal', async () => {
    const response = await backtest(as.tech, { policy });
    expect(response.statusCode).toBe(403);
    expect(response.json().code).toBe('forbidden');
    const entry = await lastEntry();
    expect(entry?.action).toBe('access.denied');
    expect(entry?.actor.id).toBe('tess.tech');
    expect(entry?.data.attempted).toBe('policy.backtest');
  });

  it('refuses a body over the limit with 413 before the use case runs', async () => {
    const { app: small, identity: id } = stubServer();
    const response = await small.inject({
      method: 'POST',
      url: '/api/v1/policies/backtest',
      headers: { authorization: id.bearer('ada.auditor', 'auditor') },
      payload: { policy: 'x'.repeat(4096) },
    });
    expect(response.statusCode).toBe(413);
    expect(response.json().code).toBe('body_too_large');
    await small.close();
  });
});
