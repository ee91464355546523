import { z } from 'zod';
import { configSection } from './config-section.js';

/** What the CLI's client commands send where. */
export const clientConfig = configSection({
  schema: {
    server: z.string().describe('URL of the Clearance server the CLI client commands talk to.'),
    token: z
      .string()
      .describe('API token the CLI client commands send (prefer the environment to a file).'),
    mlflowTrackingToken: z
      .string()
      .describe(
        'Bearer token `clearance import mlflow` sends to the MLflow server it reads (empty = none; MLflow clients read the same variable).',
      ),
  },
  defaults: {
    server: 'http://127.0.0.1:8080',
    token: '',
    mlflowTrackingToken: '',
  },
  environment: {
    server: ['CLEARANCE_SERVER'],
    token: ['CLEARANCE_TOKEN'],
    mlflowTrackingToken: ['MLFLOW_TRACKING_TOKEN'],
  },
});
