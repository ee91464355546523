/** Child process for sqlite-processes.test.ts: appends audit entries to one SQLite file. */
import { createStore } from '../../src/store/index.js';
import { auditInput } from './fixtures.js';

const [file, count] = process.argv.slice(2);
if (file === undefined || count === undefined) throw new Error('usage: <file> <count>');
const store = await createStore({ engine: 'sqlite', file });
for (let i = 0; i < Number(count); i += 1) {
  await store.transaction((tx) => tx.audit.append(auditInput(`pid-${process.pid}`)));
}
await store.close();
