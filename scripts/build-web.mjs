// The web app (web/) built by Vite into dist/web, which `clearance serve` serves at `/`; then its
// bundle sizes, and a refusal when the JavaScript a first visit loads exceeds the budget. "First
// visit" = the entry chunk and every chunk it imports statically (the manifest's `imports`),
// gzipped; pages and charts are lazy chunks, loaded when opened.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

export const initialJsBudgetBytes = 200 * 1024;

export async function buildWeb(root) {
  const webRoot = join(root, 'web');
  // Vite keeps an inherited NODE_ENV (vitest's global set-up runs this build with `test`), and
  // React would then ship its development build, nearly twice the size.
  process.env.NODE_ENV = 'production';
  await build({
    mode: 'production',
    configFile: join(webRoot, 'vite.config.ts'),
    logLevel: 'warn',
    build: { manifest: true },
  });
  const outDir = join(root, 'dist', 'web');
  const manifest = JSON.parse(readFileSync(join(outDir, '.vite', 'manifest.json'), 'utf8'));
  // Read here only: the server must not publish it.
  rmSync(join(outDir, '.vite'), { recursive: true });
  const gzipped = (file) => gzipSync(readFileSync(join(outDir, file))).length;
  const initial = new Set();
  const visit = (key) => {
    const chunk = manifest[key];
    if (!chunk || initial.has(chunk.file)) return;
    initial.add(chunk.file);
    for (const next of chunk.imports ?? []) visit(next);
  };
  for (const [key, chunk] of Object.entries(manifest)) if (chunk.isEntry) visit(key);
  const rows = Object.values(manifest)
    .filter((chunk) => chunk.file.endsWith('.js'))
    .map((chunk) => ({ file: chunk.file, gzip: gzipped(chunk.file) }))
    .sort((a, b) => b.gzip - a.gzip);
  const initialBytes = [...initial].reduce((sum, file) => sum + gzipped(file), 0);
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
  console.log('web bundle (gzip):');
  for (const row of rows) {
    console.log(`  ${initial.has(row.file) ? '*' : ' '} ${kb(row.gzip).padStart(9)}  ${row.file}`);
  }
  console.log(`  initial JavaScript (*): ${kb(initialBytes)} of ${kb(initialJsBudgetBytes)}`);
  if (initialBytes > initialJsBudgetBytes) {
    throw new Error(
      `The web app's initial JavaScript is ${kb(initialBytes)} gzipped, over the ${kb(initialJsBudgetBytes)} budget: load the heavy part lazily (import()).`,
    );
  }
  return { initialBytes, initialFiles: [...initial], chunks: rows };
}
