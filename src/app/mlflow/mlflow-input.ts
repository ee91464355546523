/** MLflow request fields checked as MLflow checks them; failures are INVALID_PARAMETER_VALUE. */
import { invalidInput } from '../../domain/index.js';
import { type FilterClause, type FilterTarget, parseSearchFilter } from './search-filter.js';

export function assertFilter(text: string | undefined, target: FilterTarget): FilterClause[] {
  const parsed = parseSearchFilter(text, target);
  if (parsed.ok) return parsed.clauses;
  throw invalidInput(
    `Invalid filter '${text ?? ''}': ${parsed.message}.`,
    "Write clauses such as name = 'my-model' or tags.team = 'risk', joined by AND.",
  );
}

/**
 * MLflow's tags as a record; a key given twice keeps the last value, as MLflow's store does.
 * Built with `Object.fromEntries`, which defines each key as the record's own property, so
 * `__proto__` is stored like any other key (an assignment would set the prototype instead).
 */
export function tagRecord(
  tags: readonly { key: string; value?: string | undefined }[] | undefined,
): Record<string, string> {
  const record = new Map<string, string>();
  for (const tag of tags ?? []) {
    if (tag.key.trim() === '')
      throw invalidInput('A tag has an empty key.', 'Give every tag a non-empty key.');
    record.set(tag.key, tag.value ?? '');
  }
  return Object.fromEntries(record);
}
