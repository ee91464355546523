/**
 * Governed aliases against look-alikes (ADR 044): a name that reads as `production` or `champion`
 * — another case or width, or letters of another script that look like Latin ones (TR39's
 * skeleton) — is refused naming the governed spelling, while aliases in other scripts that look
 * like no governed alias are taken as MLflow takes them. An alias stored before such names were
 * refused is listed and deletable, but not resolved as if it were the governed alias.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { governedAliasOf, isGovernedAlias } from '../../src/app/mlflow/mlflow-aliases.js';
import { forEachStore, setupModel } from '../app/harness.js';
import { testIdentity } from '../http/fixture.js';
import { serveHarness } from '../http/serve-harness.js';

const governed = ['production', 'champion'];

/** Look-alikes, each with the governed alias it reads as; written out code point by code point. */
const lookAlikes: [string, string, string][] = [
  ['pr\u043eduction', 'production', 'Cyrillic о'],
  ['\u0440r\u043edu\u0441ti\u043en', 'production', 'Cyrillic р, о, с'],
  ['pr\u03bfducti\u03bfn', 'production', 'Greek ο'],
  ['\u03f2hampion', 'champion', 'Greek lunate sigma ϲ'],
  ['\uff43\uff48\uff41\uff4d\uff50\uff49\uff4f\uff4e', 'champion', 'fullwidth'],
  ['\u0441h\u0430mpi\u043en', 'champion', 'Cyrillic с, а, о'],
  ['prod\u057dction', 'production', 'Armenian ս'],
  ['pr0duction', 'production', 'digit zero'],
  ['Production', 'production', 'capital'],
];

describe('which governed alias a name reads as', () => {
  it('finds the governed alias behind look-alike letters of Cyrillic, Greek, Armenian and fullwidth', () => {
    for (const [alias, name, why] of lookAlikes) {
      expect(governedAliasOf(alias, governed), why).toBe(name);
      expect(() => isGovernedAlias(alias, governed), why).toThrow(
        `Alias '${alias}' is the governed alias '${name}' spelled differently`,
      );
    }
    expect(isGovernedAlias('production', governed)).toBe(true);
    expect(isGovernedAlias('champion', governed)).toBe(true);
  });

  it('takes aliases of other scripts that look like no governed alias', () => {
    for (const alias of [
      '\u043f\u0440\u043e\u0434\u0430\u043a\u0448\u043d', // продакшн, Cyrillic for "production"
      '\u03c0\u03b1\u03c1\u03b1\u03b3\u03c9\u03b3\u03ae', // παραγωγή, Greek
      '\u672c\u756a', // 本番, Japanese
      '\u043c\u043e\u0434\u0435\u043b\u044c-v2', // модель-v2, Cyrillic and Latin
      'qualit\u00e9_v2-candidate',
      'produc\u0442ion', // Cyrillic т looks like a small capital T, not like t
      'productions',
      'champ',
    ]) {
      expect(governedAliasOf(alias, governed), alias).toBeUndefined();
      expect(isGovernedAlias(alias, governed), alias).toBe(false);
    }
  });
});

const model = 'home-feed';
const api = '/api/2.0/mlflow';
const servers: FastifyInstance[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

forEachStore('MLflow governed look-alikes', (open) => {
  async function serve() {
    const h = await open();
    await setupModel(h, 'recommender', model, 'medium');
    const identity = testIdentity();
    const server = serveHarness(h, { directory: identity.directory });
    servers.push(server);
    const ci = identity.bearer('ci', 'mlops');
    const call = async (method: 'GET' | 'POST' | 'DELETE', path: string, payload?: object) => {
      const response = await server.inject({
        method,
        url: `${api}${path}`,
        headers: { authorization: ci },
        ...(payload === undefined ? {} : { payload }),
      });
      return {
        status: response.statusCode,
        body: response.json() as { error_code?: string; message?: string } & Record<
          string,
          unknown
        >,
      };
    };
    await call('POST', '/model-versions/create', { name: model, source: 's3://m/1' });
    return { h, call };
  }

  const aliasesOf = async (s: Awaited<ReturnType<typeof serve>>) => {
    const got = await s.call('GET', `/registered-models/get?name=${model}`);
    return (got.body.registered_model as { aliases?: { alias: string }[] }).aliases ?? [];
  };

  it('refuses to set a look-alike of a governed alias, naming it, and writes nothing', async () => {
    const s = await serve();
    const before = await s.h.deps.store.read((tx) => tx.audit.size());
    for (const [alias, name, why] of lookAlikes) {
      const refused = await s.call('POST', '/registered-models/alias', {
        name: model,
        alias,
        version: '1',
      });
      expect([refused.status, refused.body.error_code], why).toEqual([
        400,
        'INVALID_PARAMETER_VALUE',
      ]);
      expect(refused.body.message, why).toContain(`the governed alias '${name}'`);
    }
    expect(await s.h.deps.store.read((tx) => tx.audit.size())).toBe(before);
    const russian = '\u043f\u0440\u043e\u0434\u0430\u043a\u0448\u043d';
    const set = await s.call('POST', '/registered-models/alias', {
      name: model,
      alias: russian,
      version: '1',
    });
    expect(set.status).toBe(200);
    const got = await s.call(
      'GET',
      `/registered-models/alias?name=${model}&alias=${encodeURIComponent(russian)}`,
    );
    expect((got.body.model_version as { version: string }).version).toBe('1');
  });

  it('lists an alias stored before look-alikes were refused, does not resolve it, and deletes it', async () => {
    const s = await serve();
    const stale = 'Production';
    await s.h.deps.store.transaction((tx) =>
      tx.metadata.setAlias({
        model,
        alias: stale,
        version: '1',
        at: s.h.clock.now().toISOString(),
      }),
    );
    expect(await aliasesOf(s)).toContainEqual({ alias: stale, version: '1' });
    const resolved = await s.call('GET', `/registered-models/alias?name=${model}&alias=${stale}`);
    expect([resolved.status, resolved.body.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect(resolved.body.message).toContain(
      `Alias ${stale} of model ${model} reads as the governed alias 'production' but is a plain alias on version 1`,
    );
    expect(resolved.body.message).toContain(
      `delete '${stale}' with DELETE registered-models/alias`,
    );
    const removed = await s.call('DELETE', '/registered-models/alias', {
      name: model,
      alias: stale,
    });
    expect(removed.status).toBe(200);
    expect(await aliasesOf(s)).toEqual([]);
  });
});
