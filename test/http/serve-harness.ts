/**
 * The Fastify server over an app harness's use cases, as most HTTP tests build it: the store's
 * identity directory, a 1 MiB body limit and the harness's clock; a test overrides what it tests.
 */
import type { FastifyInstance } from 'fastify';
import { bindClaimingUseCases, bindUseCases, type UseCases } from '../../src/app/index.js';
import type { AppDeps } from '../../src/app/shared/app-deps.js';
import type { AuditSigner } from '../../src/app/shared/ports.js';
import { storeDirectory } from '../../src/compose.js';
import { buildServer, type HttpDeps } from '../../src/http/index.js';
import { type StoreHarness, setupModel } from '../app/harness.js';

export interface ServeOverrides extends Partial<Omit<HttpDeps, 'useCases'>> {
  /** The dependencies the use cases run on, when not the harness's own (a wrapped store, a quota). */
  deps?: AppDeps;
  /** Signs audit checkpoints (`bindUseCases`'s second argument). */
  auditSigner?: AuditSigner;
  /** Decorates the bound use cases (to watch what each returned, say). */
  wrap?: (useCases: UseCases) => UseCases;
}

export function serveHarness(h: StoreHarness, overrides: ServeOverrides = {}): FastifyInstance {
  const { deps = h.deps, auditSigner, wrap = (u) => u, ...http } = overrides;
  const { idempotency } = http;
  return buildServer({
    useCases: wrap(bindUseCases(deps, auditSigner)),
    // As `clearance serve` wires it: a request with a key acts over a store that claims it.
    ...(idempotency === undefined
      ? {}
      : {
          keyedUseCases: (scope) =>
            bindClaimingUseCases({ ...deps, store: idempotency.claiming(deps.store, scope) }),
        }),
    directory: storeDirectory(h.deps.store),
    bodyLimitBytes: 1024 * 1024,
    now: () => h.clock.now(),
    ...http,
  });
}

/**
 * The server over `h`, with `model` set up from the credit-risk example and its version 1
 * registered over HTTP by `bearer` (an mlops token of `directory`): what the evidence route tests
 * start from. The server is pushed onto `servers` for the test's `afterEach` to close.
 */
export async function servedWithVersion(
  h: StoreHarness,
  input: {
    model: string;
    bearer: string;
    directory: HttpDeps['directory'];
    servers: FastifyInstance[];
  },
): Promise<FastifyInstance> {
  await setupModel(h, 'credit-risk', input.model, 'regulated');
  const app = serveHarness(h, { directory: input.directory });
  input.servers.push(app);
  const registered = await app.inject({
    method: 'POST',
    url: `/api/v1/models/${input.model}/versions`,
    headers: { authorization: input.bearer },
    payload: {
      version: '1',
      artifactUri: 's3://models/1',
      artifactDigest: `sha256:${'ab'.repeat(32)}`,
      lineage: { seed: 1 },
    },
  });
  if (registered.statusCode !== 201) {
    throw new Error(`registering version 1 answered ${registered.statusCode}: ${registered.body}`);
  }
  return app;
}
