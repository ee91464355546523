/**
 * A registry on disk where credit-risk-pd 2026.2 was promoted to production with three sign-offs,
 * written directly through the use cases, for the CLI tests to export and backtest.
 */
import { executeTransition, recordApproval, requestTransition } from '../../src/app/index.js';
import { openRegistry } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import type { Principal } from '../../src/domain/index.js';
import {
  addVersion,
  type Harness,
  people,
  seedProduction,
  setupModel,
  toStaging,
} from '../app/harness.js';
import { fixedClock } from '../fakes/fixed-clock.js';

export const promotedModel = 'credit-risk-pd';

export async function populatePromotedRegistry(database: string, dataDir: string): Promise<void> {
  const model = promotedModel;
  const ticket = 'RISK-3';
  const registry = await openRegistry(loadConfig({ env: {}, flags: { database, dataDir } }));
  const h = {
    deps: registry.deps,
    store: registry.store,
    clock: fixedClock(),
  } as unknown as Harness;
  try {
    await setupModel(h, 'credit-risk', model, 'regulated');
    await addVersion(h, { model, version: '2026.1', dir: 'credit-risk/baseline' });
    await seedProduction(h, model, '2026.1');
    await addVersion(h, { model, version: '2026.2', dir: 'credit-risk/candidates/passing' });
    await toStaging(h, model, '2026.2');
    const { request } = await requestTransition(h.deps, people.mlops, {
      model,
      version: '2026.2',
      to: 'production',
      reason: 'Quarterly refresh',
      ticket,
    });
    const sign = (who: Principal, role: string) =>
      recordApproval(h.deps, who, {
        requestId: request.id,
        role,
        decision: 'approve',
        comment: 'Reviewed',
        ticket,
        riskClass: 'medium',
      });
    await sign(people.owner, 'model_owner');
    await sign(people.risk, 'risk_officer');
    await sign(people.compliance, 'compliance_officer');
    await executeTransition(h.deps, people.mlops, { requestId: request.id });
  } finally {
    await registry.close();
  }
}
