/**
 * Alias names as MLflow checks them (mlflow/utils/validation.py, `_validate_model_alias_name`),
 * and which governed alias a name stands for. A governed alias names the production version, so
 * a name that differs from one only in case or Unicode width (`Production`, `ＣＨＡＭＰＩＯＮ`)
 * would read as governed to a person or a deployment tool while moving without approval: it is
 * refused, naming the governed spelling (ADR 038).
 */
import { invalidInput } from '../../domain/index.js';

const maxAliasLength = 255;

/** MLflow's `^[\w\-]*$` with Python's Unicode `\w`: letters, numbers, `_`; and `-`. */
const aliasCharacters = /^[\p{L}\p{N}_-]+$/u;

export function assertAliasName(alias: string): void {
  const fix =
    `Use a name of 1 to ${maxAliasLength} letters, digits, underscores (_) and dashes (-), ` +
    "other than 'latest' and 'v<number>'.";
  if (!aliasCharacters.test(alias)) throw invalidInput(`Invalid alias name: '${alias}'.`, fix);
  if ([...alias].length > maxAliasLength)
    throw invalidInput(`Alias name '${alias}' is longer than ${maxAliasLength} characters.`, fix);
  if (/^(latest|v\d+)$/i.test(alias))
    throw invalidInput(`Alias name '${alias}' is reserved for lookups.`, fix);
}

const folded = (alias: string) => alias.normalize('NFKC').toLowerCase();

/** The governed alias `alias` stands for, in any case or width; undefined for a plain alias. */
export function governedAliasOf(alias: string, governed: readonly string[]): string | undefined {
  const wanted = folded(alias);
  return governed.find((name) => folded(name) === wanted);
}

/** Refuses a governed alias spelled otherwise than configured; answers whether it is governed. */
export function isGovernedAlias(alias: string, governed: readonly string[]): boolean {
  const name = governedAliasOf(alias, governed);
  if (name === undefined) return false;
  if (name !== alias)
    throw invalidInput(
      `Alias '${alias}' is the governed alias '${name}' spelled differently.`,
      `Set '${name}' itself: it names the production version, so setting it asks for the version's promotion.`,
    );
  return true;
}
