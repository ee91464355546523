/**
 * Watches the statements sent to the store for inserts into one table, counting the longest run
 * of them sent with no `savepoint grouped_write` between: on PostgreSQL, writes run side by side
 * (ADRs 051, 053) send theirs with no savepoint each; writes run in turn open one each.
 */
import { watchStatements } from '../../src/store/index.js';

export function insertRunsInto(table: string): { longest(): number; stop(): void } {
  const insert = new RegExp(`\\binsert into "?${table}"?\\s`, 'i');
  let run = 0;
  let longest = 0;
  const stop = watchStatements((text) => {
    if (/\bsavepoint grouped_write\b/i.test(text)) run = 0;
    else if (insert.test(text)) longest = Math.max(longest, ++run);
  });
  return { longest: () => longest, stop };
}
