import type { AuditEntry } from './audit-entry.js';

/**
 * The model an audit entry is about, for filtering the log by model: `data.model` when the action
 * records it, else a `model` subject's id, else the model of a `version` subject (`model@version`).
 * Undefined for entries about no model (users, tokens, checkpoints).
 */
export function entryModel(entry: Pick<AuditEntry, 'subject' | 'data'>): string | undefined {
  if (typeof entry.data.model === 'string') return entry.data.model;
  if (entry.subject.type === 'model') return entry.subject.id;
  if (entry.subject.type === 'version') {
    const at = entry.subject.id.lastIndexOf('@');
    return at > 0 ? entry.subject.id.slice(0, at) : undefined;
  }
  return undefined;
}
