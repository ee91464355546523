/**
 * What the audit explorer fetches and how it filters: every entry page of the public API, every
 * checkpoint, and pages of entries filtered by the server. Pure apart from the API calls.
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

/** The newest seq there could be: a first newest-first page reads below it. */
const top = Number.MAX_SAFE_INTEGER;

/** Entries the explorer asks for per page. */
export const entryPageSize = 200;

/**
 * The entries route's query for a filter (the server filters: exact model, actor and action; days
 * as UTC instants, `to` inclusive), newest first below `before`.
 */
export function entryQuery(filter: AuditFilter, before = top) {
  const day = (d: string) => `${d}T00:00:00.000Z`;
  const dayAfter = (d: string) => new Date(Date.parse(day(d)) + 86_400_000).toISOString();
  const model = filter.model.trim();
  const actor = filter.actor.trim();
  const action = filter.action.trim();
  return {
    before,
    limit: entryPageSize,
    ...(model ? { model } : {}),
    ...(actor ? { actor } : {}),
    ...(action ? { action } : {}),
    ...(/^\d{4}-\d{2}-\d{2}$/.test(filter.from) ? { since: day(filter.from) } : {}),
    ...(/^\d{4}-\d{2}-\d{2}$/.test(filter.to) ? { until: dayAfter(filter.to) } : {}),
  };
}

/** A page of matching entries, newest first; `next` is the `before` of the older page. */
export async function fetchEntryPage(
  api: ApiClient,
  input: { filter: AuditFilter; before?: number },
): Promise<{ size: number; entries: EntryView[]; next: number | null }> {
  const page = await api.get('/api/v1/audit/entries', {
    query: entryQuery(input.filter, input.before),
  });
  return {
    size: page.size,
    entries: page.entries.map((e) => e.entry as unknown as EntryView),
    next: page.next,
  };
}
