import type { KpiSource } from '../app/index.js';
import type { Config } from '../config.js';
import { prometheusKpiSource } from '../kpi-sources/index.js';

/** The rollouts' KPI pull source of the configuration, or undefined when no Prometheus is set. */
export function kpiSourceOf(config: Config): KpiSource | undefined {
  if (config.prometheusUrl === '') return undefined;
  return prometheusKpiSource({
    url: config.prometheusUrl,
    timeoutMs: config.prometheusTimeoutSeconds * 1000,
  });
}
