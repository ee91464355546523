import { z } from 'zod';
import { configSection } from './config-section.js';

/** The server's public URL and the MLflow aliases that are governed. */
export const mlflowConfig = configSection({
  schema: {
    publicUrl: z
      .url()
      .describe(
        'The server’s URL as people reach it; links in Slack messages and emails start with it.',
      ),
    mlflowGovernedAliases: z
      .string()
      .regex(/^\s*[A-Za-z0-9_-]+(\s*,\s*[A-Za-z0-9_-]+)*\s*$/, 'a comma-separated list of aliases')
      .describe(
        'MLflow aliases that name the production version (comma-separated): setting one through the MLflow API asks for a governed production transition (docs/mlflow-compatibility.md).',
      ),
  },
  defaults: {
    publicUrl: 'http://127.0.0.1:8080',
    mlflowGovernedAliases: 'production,champion',
  },
  environment: {
    publicUrl: ['CLEARANCE_PUBLIC_URL'],
    mlflowGovernedAliases: ['CLEARANCE_MLFLOW_GOVERNED_ALIASES'],
  },
});

/** `mlflowGovernedAliases` as a list. */
export function governedAliases(config: { readonly mlflowGovernedAliases: string }): string[] {
  return config.mlflowGovernedAliases
    .split(',')
    .map((alias) => alias.trim())
    .filter((alias) => alias !== '');
}
