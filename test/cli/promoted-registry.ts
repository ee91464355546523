/**
 * A registry on disk where credit-risk-pd 2026.2 was promoted to production with three sign-offs,
 * written directly through the use cases, for the CLI tests to export and backtest.
 */
import { openRegistry } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import { type Harness, promoteCreditRisk } from '../app/harness.js';
import { fixedClock } from '../fakes/fixed-clock.js';

export const promotedModel = 'credit-risk-pd';

export async function populatePromotedRegistry(database: string, dataDir: string): Promise<void> {
  const model = promotedModel;
  const registry = await openRegistry(loadConfig({ env: {}, flags: { database, dataDir } }));
  const h = {
    deps: registry.deps,
    store: registry.store,
    clock: fixedClock(),
  } as unknown as Harness;
  try {
    await promoteCreditRisk(h, { model });
  } finally {
    await registry.close();
  }
}
