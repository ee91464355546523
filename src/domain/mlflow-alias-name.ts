/**
 * MLflow's alias name rule (mlflow/utils/validation.py, `_validate_model_alias_name`) and the
 * folded form two spellings of one alias share. Pure, so the config check of
 * `mlflowGovernedAliases` and the MLflow routes apply the same rule.
 */

export const maxAliasLength = 255;

/** MLflow's `^[\w\-]*$` with Python's Unicode `\w`: letters, numbers, `_`; and `-`. */
const aliasCharacters = /^[\p{L}\p{N}_-]+$/u;

/** Why MLflow would refuse `alias` as an alias name; undefined when it takes it. */
export function aliasNameProblem(alias: string): string | undefined {
  if (!aliasCharacters.test(alias)) return `Invalid alias name: '${alias}'.`;
  if ([...alias].length > maxAliasLength)
    return `Alias name '${alias}' is longer than ${maxAliasLength} characters.`;
  if (/^(latest|v\d+)$/i.test(alias)) return `Alias name '${alias}' is reserved for lookups.`;
  return undefined;
}

export const aliasNameFix =
  `Use a name of 1 to ${maxAliasLength} letters, digits, underscores (_) and dashes (-), ` +
  "other than 'latest' and 'v<number>'.";

/** One alias in any case or Unicode width (`Production`, `ｐｒｏｄｕｃｔｉｏｎ` → `production`). */
export const foldedAlias = (alias: string): string => alias.normalize('NFKC').toLowerCase();
