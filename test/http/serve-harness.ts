/**
 * The Fastify server over an app harness's use cases, as most HTTP tests build it: the store's
 * identity directory, a 1 MiB body limit and the harness's clock; a test overrides what it tests.
 */
import type { FastifyInstance } from 'fastify';
import { bindUseCases, type UseCases } from '../../src/app/index.js';
import type { AppDeps } from '../../src/app/shared/app-deps.js';
import type { AuditSigner } from '../../src/app/shared/ports.js';
import { storeDirectory } from '../../src/compose.js';
import { buildServer, type HttpDeps } from '../../src/http/index.js';
import type { StoreHarness } from '../app/harness.js';

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
  return buildServer({
    useCases: wrap(bindUseCases(deps, auditSigner)),
    directory: storeDirectory(h.deps.store),
    bodyLimitBytes: 1024 * 1024,
    now: () => h.clock.now(),
    ...http,
  });
}
