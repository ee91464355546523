import type { z } from 'zod';

/**
 * One area's keys of the config schema, each with its default and environment variables, so a
 * key is added in one place. `src/config.ts` joins the sections in order into the one schema.
 */
export interface ConfigSection<Shape extends z.ZodRawShape> {
  /** The keys' schemas; each `.describe()` is its row in docs/reference/config.md. */
  schema: Shape;
  defaults: SectionValues<Shape>;
  environment: { [Key in keyof Shape]: readonly string[] };
}

/** The parsed values of a section's keys. */
export type SectionValues<Shape extends z.ZodRawShape> = z.output<z.ZodObject<Shape>>;

/** Checks a section's defaults and environment names against its schema. */
export function configSection<Shape extends z.ZodRawShape>(
  section: ConfigSection<Shape>,
): ConfigSection<Shape> {
  return section;
}
