// `npm run build`: a clean dist/ (a file removed from src/ must not live on in the package), then
// the compiler, then the binary's bundle, then the web app (build-web.mjs), then the commit it was built from (build-info.mjs), then
// the stamp test/build-dist.ts compares with the sources' newest change.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, transform } from 'esbuild';
import { writeBuildInfo } from './build-info.mjs';
import { buildWeb } from './build-web.mjs';

const root = join(import.meta.dirname, '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });

// bin/clearance.js runs dist/bin/main.js: the compiled CLI bundled into a few chunks, split at
// its lazy imports, so `clearance check` reads a handful of files instead of ~300 modules (ours,
// zod's, yaml's, commander's). Resolving and compiling that many modules was a third of
// the command's start-up (bench/cli-startup.ts). Those three pure-JS libraries are bundled; every
// other dependency stays external (native addons, servers, drivers: loaded only by the commands
// that use them). gate-worker.js and blob-file-worker.js are entries of their own beside main.js,
// because the gate worker pool and the file blob store start them by URL relative to their own
// module. Chunks are plain ES modules; the banner gives the
// bundled CommonJS libraries their `require` for Node's built-ins.
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// Two imports of the bundled libraries that no command uses but every command paid for at start-up
// (CPU profile of `clearance check`, bench/results/cli-startup-before-after.md): zod's namespace of
// 60-odd translated error-message locales (370 kB of the bundle to compile; Clearance reports in
// English, which zod registers from its own `locales/en.js`, untouched here), and commander's
// eager `node:child_process` (which loads net, dgram and tty), needed only to run executable
// subcommands, which Clearance does not have; it is now loaded on first `spawn`.
const trimStartup = {
  name: 'trim-startup',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer) ? { path: 'zod-locales', namespace: 'trim' } : undefined,
    );
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]commander[\\/]/.test(args.importer)
        ? { path: 'commander-child-process', namespace: 'trim' }
        : undefined,
    );
    b.onLoad({ filter: /^zod-locales$/, namespace: 'trim' }, () => ({
      contents: 'export {};',
      loader: 'js',
    }));
    b.onLoad({ filter: /^commander-child-process$/, namespace: 'trim' }, () => ({
      contents: "exports.spawn = (...args) => require('node:child_process').spawn(...args);",
      loader: 'js',
    }));
  },
};
// re2js is not among them: src/domain/linear-regex.ts requires it (its CommonJS build, from
// node_modules) on the first compile, which a `check` of plain patterns and clean evidence skips.
const bundled = new Set(['commander', 'yaml', 'zod']);
await build({
  entryPoints: [
    join(root, 'dist', 'src', 'cli', 'main.js'),
    join(root, 'dist', 'src', 'gate-runs', 'gate-worker.js'),
    join(root, 'dist', 'src', 'evidence', 'blob-file-worker.js'),
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
  plugins: [trimStartup],
  logLevel: 'warning',
});

// Every chunk ASCII only. One character beyond ASCII (an em dash in a comment esbuild keeps, a
// minus sign in a regular expression) makes Node decode the whole file as UTF-8 and V8 scan it as
// a two-byte string: 5–6% of a `clearance check` went to decoding and the compile was slower
// (CPU profile, bench/results/cli-startup-before-after.md). Each such character becomes a
// \uXXXX escape, which means the same thing in comments, strings, cooked templates, identifiers
// and regular expressions; the minified program must come out identical, so an escape where it
// would not mean the same (a raw template, a regular expression, which esbuild prints verbatim)
// fails the build instead of changing the program. Write those as escapes in the source.
const binDir = join(root, 'dist', 'bin');
for (const name of readdirSync(binDir).filter((file) => file.endsWith('.js'))) {
  const path = join(binDir, name);
  const text = readFileSync(path, 'utf8');
  if (!/[\u0080-\uffff]/.test(text)) continue;
  const ascii = text.replace(
    /[\u0080-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  const options = { minify: true, charset: 'utf8', format: 'esm', target: 'node20' };
  const [before, after] = await Promise.all([transform(text, options), transform(ascii, options)]);
  if (before.code !== after.code) {
    const at = text.search(/[\u0080-\uffff]/);
    throw new Error(
      `dist/bin/${name}: a character beyond ASCII where an escape would change the program (near "${text.slice(Math.max(0, at - 40), at + 20)}"); write it as an escape in the source.`,
    );
  }
  writeFileSync(path, ascii);
}
await buildWeb(root);
writeBuildInfo(root);
writeFileSync(join(root, 'dist', '.built'), `${new Date().toISOString()}\n`);
