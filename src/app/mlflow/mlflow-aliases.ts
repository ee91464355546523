/**
 * Alias names as MLflow checks them (domain/mlflow-alias-name.ts), and which governed alias a name
 * stands for. A governed alias names the production version, so a name that reads as one to a
 * person or a deployment tool — another case or Unicode width (`Production`, `ＣＨＡＭＰＩＯＮ`,
 * ADR 038), or look-alike letters of another script (Cyrillic `о` in `prоduction`, ADR 044) —
 * would move without approval: it is refused, naming the governed spelling.
 */
import { createRequire } from 'node:module';
import { aliasNameFix, aliasNameProblem, foldedAlias, invalidInput } from '../../domain/index.js';

export function assertAliasName(alias: string): void {
  const problem = aliasNameProblem(alias);
  if (problem !== undefined) throw invalidInput(problem, aliasNameFix);
}

type Unhomoglyph = typeof import('unhomoglyph').default;
let unhomoglyphModule: Unhomoglyph | undefined;

/**
 * unhomoglyph (confusables.txt as a 100 kB table compiled into one replacement pattern, tens of
 * milliseconds) is loaded on the first alias compared, not with this module: the app's barrel is
 * loaded by every command and by each gate worker, which never compare an alias. Its CommonJS
 * build is required synchronously, so every caller stays synchronous.
 */
function unhomoglyph(text: string): string {
  unhomoglyphModule ??= createRequire(import.meta.url)('unhomoglyph') as Unhomoglyph;
  return unhomoglyphModule(text);
}

/**
 * Unicode TR39's skeleton (NFD, each character replaced by its prototype in confusables.txt, NFD
 * again), lower-cased, since the prototypes of some letters and digits are capitals (`0` → `O`).
 * Two strings that look alike have one.
 */
const skeleton = (text: string) =>
  unhomoglyph(text.normalize('NFD')).normalize('NFD').toLowerCase();

/**
 * What an alias looks like: the skeletons of its spelling and of its folded form. Both, because
 * NFKC can turn a look-alike into a letter that no longer is one (Greek lunate sigma `ϲ`, which
 * looks like `c`, becomes final sigma `ς`), and skeletons miss some width variants NFKC folds.
 */
const looksOf = (alias: string) => new Set([skeleton(alias), skeleton(foldedAlias(alias))]);

/**
 * The governed alias `alias` stands for — its configured spelling, or one it reads as (another
 * case, width or script's look-alike letters) — or undefined for a plain alias.
 */
export function governedAliasOf(alias: string, governed: readonly string[]): string | undefined {
  if (governed.includes(alias)) return alias;
  const looks = looksOf(alias);
  return governed.find((name) => [...looksOf(name)].some((look) => looks.has(look)));
}

/** A governed alias spelled otherwise than configured: the refusal names the spelling to use. */
function lookAlikeRefusal(alias: string, governed: string) {
  return invalidInput(
    `Alias '${alias}' is the governed alias '${governed}' spelled differently (in case, width or look-alike letters).`,
    `Set '${governed}' itself: it names the production version, so setting it asks for the version's promotion.`,
  );
}

/** Refuses a governed alias spelled otherwise than configured; answers whether it is governed. */
export function isGovernedAlias(alias: string, governed: readonly string[]): boolean {
  const name = governedAliasOf(alias, governed);
  if (name === undefined) return false;
  if (name !== alias) throw lookAlikeRefusal(alias, name);
  return true;
}
