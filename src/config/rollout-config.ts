import { z } from 'zod';
import { configSection } from './config-section.js';

/** The rollouts' KPI pull source. */
export const rolloutConfig = configSection({
  schema: {
    prometheusUrl: z
      .union([z.literal(''), z.url({ protocol: /^https?$/ })])
      .describe(
        'Prometheus HTTP API that rollouts pull KPI series from (`rollout.sources` in the policy holds the queries, never the URL); empty = no pull source.',
      ),
    prometheusTimeoutSeconds: z.coerce
      .number()
      .positive()
      .max(300)
      .describe(
        'Time one Prometheus query may take, connect to last byte; past it that series is missing data for the window, not a failed sweep.',
      ),
  },
  defaults: {
    prometheusUrl: '',
    prometheusTimeoutSeconds: 10,
  },
  environment: {
    prometheusUrl: ['CLEARANCE_PROMETHEUS_URL'],
    prometheusTimeoutSeconds: ['CLEARANCE_PROMETHEUS_TIMEOUT_SECONDS'],
  },
});
