/**
 * Starts a worker thread on a module beside the caller. In a build the entry is the compiled
 * `.js` file the caller names; from TypeScript source (tests, `tsx`) it is the `.ts` file of the
 * same name, run through tsx's loader, which a worker must register itself before importing.
 * Callers write the entry as `new URL('./name.js', import.meta.url)`, literally: the build bundles
 * each such entry beside its chunks, and test/cli/binary-smoke.test.ts finds them by that text.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type ResourceLimits, Worker } from 'node:worker_threads';

export function startModuleWorker(
  entry: URL,
  callerUrl: string,
  options: { resourceLimits?: ResourceLimits } = {},
): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(entry, options);
  const source = pathToFileURL(fileURLToPath(entry).replace(/\.js$/, '.ts')).href;
  // Resolved here, not in the worker: an eval'd worker resolves bare names from the working
  // directory, which a test (or a CLI command) may have changed.
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(boot, { ...options, eval: true });
}
