/**
 * The version list is serialised by the route's schema, or sent as kept (a page kept in memory
 * under its model's change count, `countedCache`, with its body and ETag made once), and its ETag
 * is its body's. A server that keeps pages must send the same bytes as one that keeps nothing.
 * The oracle for the bytes is the one-version route, which the `Version` schema's serialiser still
 * renders: the list must be exactly those bodies, in order, joined. The ETag must change whenever
 * the body does, and only then.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import {
  bindUseCases,
  bootstrapAdmin,
  createToken,
  createUser,
  grantRole,
  hotReads,
  registerVersion,
} from '../../src/app/index.js';
import { storeDirectory } from '../../src/compose.js';
import type { Lineage } from '../../src/domain/index.js';
import { buildServer } from '../../src/http/index.js';
import {
  forEachStore,
  people,
  type StoreHarness,
  seedProduction,
  setupModel,
} from '../app/harness.js';

const model = 'credit-risk-pd';

/** Lineages the schema serialiser reorders, escapes or passes through as they are. */
const lineages: Lineage[] = [
  {},
  { seed: 7, codeCommit: 'abc123', configDigest: 'sha256:00', dataSnapshotId: 'snap-1' },
  { seed: '42', trainedBy: 'ci', baseModel: 'bert', trainingRunId: 'run-1', zeta: [1, { b: 2 }] },
  {
    codeCommit: 'quote " back\\slash \n newline \u0001 ctl',
    état: 'été ✓ 😀',
    state: 'not-the-state',
  },
  { extra: { nested: { deep: [true, false, null, 1.5e-7] } }, dataSnapshotId: '' },
];

forEachStore('the version list’s bytes and ETag', (open) => {
  let app: FastifyInstance | undefined;
  let keeping: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    await keeping?.close();
    app = undefined;
    keeping = undefined;
  });

  async function serve(): Promise<{
    h: StoreHarness;
    get: (url: string, headers?: Record<string, string>) => Promise<LightMyRequestResponse>;
    getKept: (url: string) => Promise<LightMyRequestResponse>;
    register: (version: string, lineage: Lineage) => Promise<void>;
  }> {
    const h = await open();
    const server = buildServer({
      useCases: bindUseCases(h.deps),
      directory: storeDirectory(h.deps.store),
      bodyLimitBytes: 1024 * 1024,
      now: () => h.clock.now(),
    });
    app = server;
    keeping = buildServer({
      useCases: bindUseCases({ ...h.deps, hotReads: hotReads(h.deps.store) }),
      directory: storeDirectory(h.deps.store),
      bodyLimitBytes: 1024 * 1024,
      now: () => h.clock.now(),
    });
    await bootstrapAdmin(h.deps, { userId: people.admin.id });
    await setupModel(h, 'credit-risk', model, 'regulated');
    await createUser(h.deps, people.admin, { id: 'ada.auditor' });
    await grantRole(h.deps, people.admin, { userId: 'ada.auditor', role: 'auditor' });
    const token = await createToken(h.deps, people.admin, { userId: 'ada.auditor' });
    const register = async (version: string, lineage: Lineage) => {
      h.clock.advance(1000);
      await registerVersion(h.deps, people.ci, {
        model,
        version,
        artifactUri: `s3://models/${version}?q="x"`,
        artifactDigest: `sha256:${createHash('sha256').update(version).digest('hex')}`,
        lineage,
      });
    };
    const get = (url: string, headers: Record<string, string> = {}) =>
      server.inject({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${token.token}`, ...headers },
      });
    const kept = keeping;
    const getKept = (url: string) =>
      kept.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token.token}` } });
    return { h, get, getKept, register };
  }

  /** The list as the one-version route (the schema serialiser) renders each of its versions. */
  async function oldPath(get: Awaited<ReturnType<typeof serve>>['get'], names: string[]) {
    const bodies: string[] = [];
    for (const name of names) {
      const one = await get(`/api/v1/models/${model}/versions/${encodeURIComponent(name)}`);
      expect(one.statusCode).toBe(200);
      bodies.push(one.body);
    }
    return `[${bodies.join(',')}]`;
  }

  it('renders the list and its pages to the schema serialiser’s bytes, cold and warm', async () => {
    const { h, get, getKept, register } = await serve();
    const names = lineages.map((_, i) => `1.${i}.0+rc`);
    for (const [i, lineage] of lineages.entries()) await register(names[i] as string, lineage);
    await seedProduction(h, model, names[1] as string);

    const expected = await oldPath(get, names);
    for (const round of ['cold', 'warm']) {
      const all = await get(`/api/v1/models/${model}/versions`);
      expect(all.statusCode, round).toBe(200);
      expect(all.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(all.body, round).toBe(expected);
      const kept = await getKept(`/api/v1/models/${model}/versions`);
      expect(kept.body, `${round}, kept`).toBe(expected);
      expect(kept.headers.etag, `${round}, kept`).toBe(all.headers.etag);
      expect(kept.headers['content-type']).toBe('application/json; charset=utf-8');
    }
    const first = await get(`/api/v1/models/${model}/versions?limit=2`);
    expect(first.body).toBe(await oldPath(get, names.slice(0, 2)));
    const rest = await get(
      `/api/v1/models/${model}/versions?limit=10&after=${encodeURIComponent(names[1] as string)}`,
    );
    expect(rest.body).toBe(await oldPath(get, names.slice(2)));
    const empty = await get(
      `/api/v1/models/${model}/versions?limit=10&after=${encodeURIComponent(names.at(-1) as string)}`,
    );
    expect(empty.body).toBe('[]');
  });

  it('changes the ETag exactly when the body or the next link changes, and answers 304 while it holds', async () => {
    const { h, get, register } = await serve();
    const seen = new Map<string, string>(); // ETag → next link and body
    const urls = [`/api/v1/models/${model}/versions`, `/api/v1/models/${model}/versions?limit=2`];
    const observe = async () => {
      const tags: string[] = [];
      for (const url of urls) {
        const reply = await get(url);
        const etag = String(reply.headers.etag);
        expect(etag).toMatch(/^W\/"[\w-]{27}"$/);
        // What a client keeps from a 200 and reuses on a 304: the body and the next link.
        const kept = `${String(reply.headers.link ?? '')}\n${reply.body}`;
        const before = seen.get(`${url} ${etag}`);
        if (before !== undefined) expect(kept).toBe(before);
        // A reply seen before under another ETag would be a needless change; a new body or link
        // under an old ETag is caught above.
        for (const [key, known] of seen) {
          if (key.startsWith(`${url} `) && known === kept) expect(key).toBe(`${url} ${etag}`);
        }
        seen.set(`${url} ${etag}`, kept);
        const again = await get(url, { 'if-none-match': etag });
        expect(again.statusCode).toBe(304);
        expect(again.body).toBe('');
        tags.push(etag);
      }
      return tags;
    };

    const empty = await observe();
    await register('a', lineages[1] as Lineage);
    const one = await observe();
    expect(one[0]).not.toBe(empty[0]);
    expect(await observe()).toEqual(one); // nothing changed: same ETags
    await register('b', {});
    const two = await observe();
    expect(two[1]).not.toBe(one[1]); // the first page was not full yet
    await register('c', {});
    const three = await observe();
    expect(three[0]).not.toBe(two[0]);
    // The first page holds a and b still, but now names a next page: a new ETag.
    expect(three[1]).not.toBe(two[1]);
    expect(await observe()).toEqual(three); // nothing changed: same ETags
    h.clock.advance(5000);
    await seedProduction(h, model, 'b');
    const promoted = await observe();
    expect(promoted[0]).not.toBe(three[0]);
    expect(promoted[1]).not.toBe(three[1]);
  });
});
