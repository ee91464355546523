import { z } from 'zod';
import { aliasNameProblem, foldedAlias, type Problem } from '../domain/index.js';
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

/**
 * Governed aliases MLflow would take as alias names, each in its folded form (lower case, NFKC)
 * and once: the MLflow routes match what is asked against the configured spelling, and refuse
 * other spellings naming it (ADR 038, 044), so a configured `Production` could never be set, and
 * `production,Production` would be one alias twice.
 */
export function governedAliasProblems(config: {
  readonly mlflowGovernedAliases: string;
}): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, string>();
  for (const alias of governedAliases(config)) {
    const folded = foldedAlias(alias);
    const refused = aliasNameProblem(alias);
    if (refused !== undefined)
      problems.push({
        message: `mlflowGovernedAliases: ${refused} MLflow refuses it as an alias name.`,
        fix: "Name governed aliases with letters, digits, _ and -, up to 255 characters, other than 'latest' and 'v<number>' (CLEARANCE_MLFLOW_GOVERNED_ALIASES or mlflowGovernedAliases in the config file).",
      });
    else if (folded !== alias)
      problems.push({
        message: `mlflowGovernedAliases: '${alias}' is not in lower case; every other spelling of a governed alias is refused, so it must be configured in its folded form.`,
        fix: `Write it as '${folded}' in mlflowGovernedAliases (or CLEARANCE_MLFLOW_GOVERNED_ALIASES).`,
      });
    const first = seen.get(folded);
    if (first !== undefined)
      problems.push({
        message: `mlflowGovernedAliases: '${alias}' is '${first}' again (the same alias in any case).`,
        fix: `Give '${folded}' once in mlflowGovernedAliases (or CLEARANCE_MLFLOW_GOVERNED_ALIASES).`,
      });
    else seen.set(folded, alias);
  }
  return problems;
}
