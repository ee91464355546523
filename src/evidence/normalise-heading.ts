/**
 * Section keys: "Intended use" → `intended_use`, "3. Out-of-scope / prohibited uses" →
 * `out_of_scope_prohibited_uses`. Policies name sections the same way, so gates and documents
 * agree whatever the capitalisation, numbering or punctuation.
 */
export function normaliseHeading(heading: string): string {
  return (
    heading
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '') // accents: "Modèle" → "modele"
      .toLowerCase()
      .replace(/^\s*(?:\d+(?:\.\d+)*[.)]?|[a-z][.)])\s+/, '') // "1.2 " / "a) " numbering
      .replace(/['\u2019`]/g, '') // "model's" → "models", not "model_s"
      .replace(/[^a-z0-9]+/g, '_')
      // The line above left at most one "_" at each end; `_+$` would be quadratic on a long run.
      .replace(/^_|_$/g, '')
  );
}
