/**
 * Where an MLflow version lands in Clearance: its stage mapped onto the model's policy states,
 * and which Production version (if any) becomes the model's production baseline. Pure.
 */
import type { MlflowModelVersion } from './mlflow-records.js';

/** The first of `wanted` the policy has, else its first state (normally `draft`). */
function firstOf(states: readonly string[], wanted: readonly string[]): string {
  return wanted.find((s) => states.includes(s)) ?? states[0] ?? 'draft';
}

/**
 * The state a version is registered in, from MLflow's `current_stage` (`None`, `Staging`,
 * `Production`, `Archived`; anything else reads as `None`). The baseline is registered in the first state and then
 * imported to production as `version import-production` does; any other Production version
 * (MLflow 2.x allows several) is a former production version, so `deprecated`.
 */
export function stateForStage(stage: string, states: readonly string[]): string {
  switch (stage) {
    case 'Staging':
      return firstOf(states, ['staging']);
    case 'Production':
      return firstOf(states, ['deprecated']);
    case 'Archived':
      return firstOf(states, ['archived', 'deprecated']);
    default:
      return firstOf(states, []);
  }
}

/** MLflow numbers versions 1, 2, …; compare numerically when both are numbers. */
export function compareVersionNumbers(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (Number.isInteger(x) && Number.isInteger(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The version that serves production now: the READY version holding `alias` when one is given
 * and held (MLflow 3.x's alias workflow, e.g. `champion`), else the newest READY version in
 * stage Production (2.x's stage workflow).
 */
export function baselineOf(
  versions: readonly MlflowModelVersion[],
  alias?: string,
): string | undefined {
  const ready = versions.filter((v) => v.status === 'READY');
  const aliased = alias === undefined ? undefined : ready.find((v) => v.aliases.includes(alias));
  if (aliased) return aliased.version;
  const production = ready
    .filter((v) => v.current_stage === 'Production')
    .map((v) => v.version)
    .sort(compareVersionNumbers);
  return production.at(-1);
}
