/**
 * `order_by` keys as MLflow's SQL store reads them (mlflow/store/model_registry/sqlalchemy_store.py,
 * mlflow/utils/search_utils.py): for registered models `timestamp` is an alias of
 * `last_updated_timestamp`; for model versions the keys are `name`, `version_number`,
 * `creation_timestamp` and `last_updated_timestamp`, and anything else is refused.
 */
import { describe, expect, it } from 'vitest';
import type { MlflowModelVersion, MlflowRegisteredModel } from '../../src/app/index.js';
import { orderModels, orderVersions } from '../../src/app/mlflow/search-pages.js';

const model = (name: string, created: number, updated: number): MlflowRegisteredModel => ({
  name,
  creation_timestamp: created,
  last_updated_timestamp: updated,
  user_id: 'u',
  description: '',
  latest_versions: [],
  tags: [],
  aliases: [],
});

const version = (v: string, created: number, updated: number): MlflowModelVersion => ({
  name: 'm',
  version: v,
  creation_timestamp: created,
  last_updated_timestamp: updated,
  user_id: 'u',
  current_stage: 'None',
  description: '',
  source: 's',
  run_id: '',
  status: 'READY',
  status_message: '',
  run_link: '',
  tags: [],
  aliases: [],
});

describe('order_by of registered models', () => {
  // "old" was registered first but changed last; "new" was registered last and never changed.
  const models = () => [model('new', 2_000, 2_000), model('old', 1_000, 3_000)];

  it('reads timestamp as last_updated_timestamp, as MLflow does', () => {
    const names = (order: string[]) => orderModels(models(), order).map((m) => m.name);
    expect(names(['timestamp DESC'])).toEqual(['old', 'new']);
    expect(names(['timestamp ASC'])).toEqual(['new', 'old']);
    expect(names(['last_updated_timestamp DESC'])).toEqual(['old', 'new']);
    expect(names(['creation_timestamp DESC'])).toEqual(['new', 'old']);
  });
});

describe('order_by of model versions', () => {
  it('orders by the keys MLflow accepts and refuses timestamp, which it does not', () => {
    const versions = () => [version('1', 1_000, 3_000), version('2', 2_000, 2_000)];
    const order = (clause: string) => orderVersions(versions(), [clause]).map((v) => v.version);
    expect(order('creation_timestamp DESC')).toEqual(['2', '1']);
    expect(order('last_updated_timestamp DESC')).toEqual(['1', '2']);
    expect(() => order('timestamp DESC')).toThrow(/Invalid order_by clause 'timestamp DESC'/);
  });
});
