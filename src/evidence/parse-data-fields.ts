/**
 * `data_fields.json`: the columns of the training/evaluation data, for PII checks. Accepts
 * `["age", "zip"]`, `{"fields": [...]}` and `[{"name": "age"}, ...]` (a data dictionary).
 */
import { evidenceError } from './evidence-error.js';

export function parseDataFields(value: unknown, file: string): string[] {
  const list =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>).fields
      : value;
  if (Array.isArray(list)) {
    const names = list.map((f) =>
      typeof f === 'string'
        ? f
        : typeof f === 'object' && f !== null && typeof (f as { name?: unknown }).name === 'string'
          ? (f as { name: string }).name
          : undefined,
    );
    const bad = names.indexOf(undefined);
    if (bad < 0) return names as string[];
    throw evidenceError(
      { file, field: `[${bad}]` },
      `entry ${bad} is not a field name.`,
      'List field names as strings, or objects with a "name".',
    );
  }
  throw evidenceError(
    { file },
    'must be a JSON array of field names (or {"fields": [...]}).',
    'Write e.g. ["age", "income", "zip_code"].',
  );
}
