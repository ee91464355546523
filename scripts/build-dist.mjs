// `npm run build`: a clean dist/ (a file removed from src/ must not live on in the package), then
// the compiler, then the binary's bundle, then the web app (build-web.mjs), then the commit it was built from (build-info.mjs), then
// the stamp test/build-dist.ts compares with the sources' newest change.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { writeBuildInfo } from './build-info.mjs';
import { buildWeb } from './build-web.mjs';

const root = join(import.meta.dirname, '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });

// bin/clearance.js runs dist/bin/main.js: the compiled CLI bundled into a few chunks, split at
// its lazy imports, so `clearance check` reads a handful of files instead of ~300 modules (ours,
// zod's, yaml's, commander's, re2js's). Resolving and compiling that many modules was a third of
// the command's start-up (bench/cli-startup.ts). Those four pure-JS libraries are bundled; every
// other dependency stays external (native addons, servers, drivers: loaded only by the commands
// that use them). gate-worker.js is an entry of its own beside main.js, because the worker pool
// starts it by URL relative to its own module. Chunks are plain ES modules; the banner gives the
// bundled CommonJS libraries their `require` for Node's built-ins.
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const bundled = new Set(['commander', 're2js', 'yaml', 'zod']);
await build({
  entryPoints: [
    join(root, 'dist', 'src', 'cli', 'main.js'),
    join(root, 'dist', 'src', 'gate-runs', 'gate-worker.js'),
  ],
  outdir: join(root, 'dist', 'bin'),
  entryNames: '[name]',
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)].filter(
    (name) => !bundled.has(name),
  ),
  banner: {
    js: "import { createRequire as __clearanceRequire } from 'node:module'; const require = __clearanceRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
await buildWeb(root);
writeBuildInfo(root);
writeFileSync(join(root, 'dist', '.built'), `${new Date().toISOString()}\n`);
