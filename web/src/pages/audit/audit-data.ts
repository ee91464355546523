/**
 * What the audit explorer fetches and how it filters: every entry page of the public API, every
 * checkpoint, and filters by model, actor, action and time. Pure apart from the API calls.
 */
import type { ApiClient } from '../../api/client';
import type { FetchedEntry } from '../../lib/verify-log.js';

/** The fields of an entry the explorer shows (the API gives them as open JSON). */
export interface EntryView {
  seq: number;
  time: string;
  actor: { id: string; kind: string };
  action: string;
  subject: { type: string; id: string };
  reason?: string;
  ticket?: string;
  digests: Record<string, string>;
  data: Record<string, unknown>;
}

export interface AuditFilter {
  model: string;
  actor: string;
  action: string;
  /** `YYYY-MM-DD` (UTC), inclusive; empty for no bound. */
  from: string;
  to: string;
}

export const noFilter: AuditFilter = { model: '', actor: '', action: '', from: '', to: '' };

/** Every entry of the log, page by page (`next` is null after the last). */
export async function fetchAllEntries(api: ApiClient): Promise<FetchedEntry[]> {
  const all: FetchedEntry[] = [];
  let from: number | null = 0;
  while (from !== null) {
    const page: { entries: FetchedEntry[]; next: number | null } = await api.get(
      '/api/v1/audit/entries',
      { query: { from, limit: 1000 } },
    );
    all.push(...page.entries);
    from = page.next;
  }
  return all;
}

/** Every signed checkpoint note. */
export async function fetchCheckpointNotes(api: ApiClient): Promise<string[]> {
  const { checkpoints } = await api.get('/api/v1/audit/checkpoints');
  return checkpoints.map((c) => c.note);
}

/** The model an entry is about: a version `model@v`, the model itself, or `data.model`. */
export function entryModel(entry: EntryView): string | undefined {
  if (typeof entry.data.model === 'string') return entry.data.model;
  if (entry.subject.type === 'model') return entry.subject.id;
  if (entry.subject.type === 'version') return entry.subject.id.split('@')[0];
  return undefined;
}

/** Entries that match every non-empty filter field (actor and action by substring). */
export function filterEntries(entries: readonly EntryView[], filter: AuditFilter): EntryView[] {
  const actor = filter.actor.trim().toLowerCase();
  const action = filter.action.trim().toLowerCase();
  const model = filter.model.trim();
  return entries.filter(
    (e) =>
      (model === '' || entryModel(e) === model) &&
      (actor === '' || e.actor.id.toLowerCase().includes(actor)) &&
      (action === '' || e.action.toLowerCase().includes(action)) &&
      (filter.from === '' || e.time.slice(0, 10) >= filter.from) &&
      (filter.to === '' || e.time.slice(0, 10) <= filter.to),
  );
}
