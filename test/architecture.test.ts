import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Dependencies point one way (DESIGN.md §3, STYLE.md): domain ← pure modules ← app ← edges.
 * This test reads every import in src/ and fails on an arrow the wrong way.
 */
const srcRoot = join(import.meta.dirname, '..', 'src');

const pureModules = ['domain', 'stats', 'policy', 'gates', 'rollout'] as const;

/** Which top-level modules each module may import from (besides itself). */
const allowed: Record<string, readonly string[]> = {
  domain: [],
  stats: ['domain'],
  policy: ['domain'],
  gates: ['domain', 'stats', 'policy'],
  rollout: ['domain', 'stats'],
  audit: ['domain'],
  app: ['domain', 'stats', 'policy', 'gates', 'rollout', 'audit'],
  evidence: ['domain', 'app'],
  'gate-runs': ['domain', 'app', 'evidence'],
  store: ['domain', 'app', 'audit'],
  notify: ['domain', 'app'],
  jobs: ['domain', 'app'],
  'kpi-sources': ['domain', 'app', 'rollout'],
  auth: ['domain', 'app'],
  http: ['domain', 'app', 'auth'],
  cli: ['domain', 'stats', 'policy', 'gates', 'evidence', 'app', 'audit', 'config', 'compose'],
  config: ['domain'],
  compose: [
    'domain',
    'app',
    'audit',
    'policy',
    'gates',
    'evidence',
    'gate-runs',
    'store',
    'notify',
    'jobs',
    'kpi-sources',
    'auth',
    'http',
    'config',
  ],
};

/** Node built-ins and packages that do I/O or belong to an edge; pure modules must not import them. */
const ioImports =
  /^(node:)?(fs|fs\/promises|net|http|https|http2|child_process|stream|dgram|worker_threads|readline|os)$|^(kysely|fastify|pg|better-sqlite3|commander)/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
    if (match[1]) found.push(match[1]);
  }
  for (const match of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    if (match[1]) found.push(match[1]);
  }
  return found;
}

function moduleOf(file: string): string {
  const rel = relative(srcRoot, file).split('/');
  return rel.length > 1 ? (rel[0] ?? '') : (rel[0] ?? '').replace(/\.ts$/, '');
}

function targetModule(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = relative(srcRoot, join(file, '..', specifier)).split('/');
  return target.length > 1 ? target[0] : target[0]?.replace(/\.js$/, '');
}

/**
 * The folders that belong to a root file (`compose/` to `compose.ts`, `config/` to `config.ts`):
 * the one named by an import that reaches into either, or undefined.
 */
function innerFolderOf(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = relative(srcRoot, join(file, '..', specifier)).split('/');
  return target.length > 1 && (target[0] === 'compose' || target[0] === 'config')
    ? target[0]
    : undefined;
}

/**
 * Inside app/, each capability has a folder (DESIGN.md §3). They form layers too: a folder may
 * import `shared/` and the folders listed here, never one that imports it back, so no cycle can
 * form. `app/index.ts` and `app/use-cases.ts` sit above them all. `shared/app-deps.ts` is the one
 * exception: it assembles every capability's dependencies, so it names their types.
 */
const appFolders: Record<string, readonly string[]> = {
  shared: [],
  identity: [],
  'gate-evaluation': [],
  'audit-log': ['identity'],
  transitions: ['identity', 'gate-evaluation', 'audit-log'],
  reviews: ['identity', 'gate-evaluation', 'audit-log', 'transitions'],
  registry: ['identity', 'gate-evaluation', 'audit-log', 'transitions', 'reviews'],
  replay: ['gate-evaluation', 'transitions', 'registry'],
  'scheduled-work': [
    'identity',
    'gate-evaluation',
    'audit-log',
    'transitions',
    'reviews',
    'registry',
    'rollouts',
  ],
  'evidence-pack': ['audit-log', 'transitions', 'registry', 'replay'],
  rollouts: ['identity', 'gate-evaluation', 'audit-log', 'transitions', 'reviews', 'registry'],
  notifications: ['identity', 'audit-log', 'transitions', 'reviews', 'registry', 'rollouts'],
  mlflow: ['identity', 'audit-log', 'transitions', 'reviews', 'registry', 'rollouts'],
  board: ['transitions'],
};
const appRoot = join(srcRoot, 'app');

/** The capability folder of a file under app/, or undefined for app/'s own top-level files. */
function appFolderOf(file: string): string | undefined {
  const rel = relative(appRoot, file).split('/');
  return rel.length > 1 ? rel[0] : undefined;
}

/**
 * The app's authorisation: every function `app/shared/authorise.ts` and `read-access.ts` export,
 * and every `assert…` the app's public face offers. Edges call use cases, which authorise inside.
 */
function authorisationNames(): string[] {
  const names = new Set<string>();
  for (const file of ['authorise.ts', 'read-access.ts']) {
    const text = readFileSync(join(srcRoot, 'app', 'shared', file), 'utf8');
    for (const match of text.matchAll(/^export (?:async )?function (\w+)/gm))
      if (match[1]) names.add(match[1]);
  }
  const face = readFileSync(join(srcRoot, 'app', 'index.ts'), 'utf8');
  for (const match of face.matchAll(/\b(assert\w+)\b/g)) if (match[1]) names.add(match[1]);
  return [...names];
}

/** The Store port in use: its types, a transaction, or a store reached through deps. */
const storePortUse = /\b(Repositories|Store)\b|\.transaction\(|\.store\./;

/** Calls of any of `names` in `text`. */
function callsOf(text: string, names: readonly string[]): string[] {
  return names.filter((name) => new RegExp(`\\b${name}\\s*[(<]`).test(text));
}

describe('architecture', () => {
  const files = sourceFiles(srcRoot);

  it('finds the source files it checks', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it('knows every top-level module of src/, so a new folder gets its rule before its first import', () => {
    const modules = readdirSync(srcRoot)
      .filter((name) => !name.endsWith('.test.ts'))
      .map((name) => name.replace(/\.ts$/, ''));
    expect(modules.filter((name) => !(name in allowed))).toEqual([]);
    expect(Object.keys(allowed).filter((name) => !modules.includes(name))).toEqual([]);
  });

  it('keeps every import pointing inward', () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = moduleOf(file);
      for (const specifier of importsOf(file)) {
        const to = targetModule(file, specifier);
        if (to === undefined || to === from) continue;
        const ok = allowed[from]?.includes(to) ?? false;
        if (!ok)
          violations.push(`${relative(srcRoot, file)} imports ${specifier} (${from} → ${to})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('keeps compose/ and config/ behind compose.ts and config.ts, their one public face', () => {
    const violations: string[] = [];
    for (const file of files) {
      for (const specifier of importsOf(file)) {
        const inner = innerFolderOf(file, specifier);
        if (inner === undefined) continue;
        const insideOrRoot = moduleOf(file) === inner;
        if (!insideOrRoot) violations.push(`${relative(srcRoot, file)} imports ${specifier}`);
      }
    }
    expect(violations).toEqual([]);
    // The checker itself: the CLI reaching past compose.ts is flagged, compose.ts itself is not.
    const cli = join(srcRoot, 'cli', 'x.ts');
    expect(innerFolderOf(cli, '../compose/uuid-v7.js')).toBe('compose');
    expect(innerFolderOf(cli, '../compose.js')).toBeUndefined();
  });

  it('keeps pure modules free of I/O and edge libraries', () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = moduleOf(file);
      if (!(pureModules as readonly string[]).includes(from)) continue;
      for (const specifier of importsOf(file)) {
        if (ioImports.test(specifier))
          violations.push(`${relative(srcRoot, file)} imports ${specifier}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('keeps app/ grouped by capability, with no file left loose in app/', () => {
    const appFiles = files.filter((file) => moduleOf(file) === 'app');
    const loose = appFiles
      .filter((file) => appFolderOf(file) === undefined)
      .map((file) => relative(appRoot, file))
      .filter((name) => name !== 'index.ts' && name !== 'use-cases.ts');
    expect(loose).toEqual([]);
    const unknown = appFiles
      .map(appFolderOf)
      .filter((folder): folder is string => folder !== undefined && !(folder in appFolders));
    expect([...new Set(unknown)]).toEqual([]);
  });

  it('keeps imports between app/ capability folders pointing one way', () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = appFolderOf(file);
      if (moduleOf(file) !== 'app' || from === undefined) continue;
      for (const specifier of importsOf(file)) {
        if (!specifier.startsWith('.')) continue;
        const target = join(file, '..', specifier);
        if (moduleOf(target) !== 'app') continue;
        const to = appFolderOf(target);
        if (to === from || to === 'shared') continue;
        if (from === 'shared' && file.endsWith('app-deps.ts')) continue;
        const ok = to !== undefined && (appFolders[from]?.includes(to) ?? false);
        if (!ok)
          violations.push(
            `${relative(srcRoot, file)} imports ${specifier} (${from} → ${to ?? 'app/'})`,
          );
      }
    }
    expect(violations).toEqual([]);
  });

  it('keeps authorisation and store access out of the HTTP edge', () => {
    expect(allowed.http).not.toContain('store');
    const names = authorisationNames();
    const violations = files
      .filter((file) => moduleOf(file) === 'http')
      .flatMap((file) =>
        callsOf(readFileSync(file, 'utf8'), names).map(
          (name) => `${relative(srcRoot, file)} calls ${name}`,
        ),
      );
    expect(violations).toEqual([]);
    // Nor the Store port: a route that opened a transaction would be a use case in the wrong place.
    const storeUse = files
      .filter((file) => moduleOf(file) === 'http')
      .filter((file) => storePortUse.test(readFileSync(file, 'utf8')))
      .map((file) => relative(srcRoot, file));
    expect(storeUse).toEqual([]);
    expect(storePortUse.test('await deps.store.transaction(async (tx) => tx.models.get(n))')).toBe(
      true,
    );
    expect(storePortUse.test('import type { Repositories } from "../app/index.js";')).toBe(true);
  });

  it('declares HTTP routes under the /api/v1 prefix, never with it spelled out in a path', () => {
    const spelled = files
      .filter((file) => moduleOf(file) === 'http')
      .flatMap((file) =>
        [
          ...readFileSync(file, 'utf8').matchAll(
            /\.(?:get|post|put|patch|delete|route)\(\s*['"`](\/api\/v1[^'"`]*)/g,
          ),
        ].map((match) => `${relative(srcRoot, file)}: ${match[1]}`),
      );
    expect(spelled).toEqual([]);
  });

  it('detects an authorisation call in a sample', () => {
    const names = authorisationNames();
    expect(names).toEqual(
      expect.arrayContaining(['assertAnyRole', 'guarded', 'guardedRead', 'assertAuditReader']),
    );
    expect(callsOf('await guardedRead(deps, read, () => x);', names)).toEqual(['guardedRead']);
    expect(callsOf("assertAuditReader(principal); // 'guarded' in a comment", names)).toEqual([
      'assertAuditReader',
    ]);
  });

  it("names every folder of src/ in README's Layout section, and every app/ folder and adapter in docs/architecture/layout.md", () => {
    const readme = readFileSync(join(srcRoot, '..', 'README.md'), 'utf8');
    const layoutSection = readme.slice(
      readme.indexOf('## Layout'),
      readme.indexOf('\n## ', readme.indexOf('## Layout') + 1),
    );
    const entries = readdirSync(srcRoot, { withFileTypes: true }).map((entry) =>
      entry.isDirectory() ? `src/${entry.name}/` : `src/${entry.name}`,
    );
    expect(entries.filter((entry) => !layoutSection.includes(entry))).toEqual([]);
    const layoutDoc = readFileSync(
      join(srcRoot, '..', 'docs', 'architecture', 'layout.md'),
      'utf8',
    );
    const folders = readdirSync(appRoot, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `\`app/${entry.name}/\``);
    expect(folders.length).toBeGreaterThan(5);
    expect(folders.filter((folder) => !layoutDoc.includes(folder))).toEqual([]);
    const adapters = Object.keys(allowed).filter(
      (name) =>
        !(pureModules as readonly string[]).includes(name) &&
        !['app', 'http', 'cli', 'config', 'compose'].includes(name),
    );
    expect(adapters.filter((name) => !layoutDoc.includes(`\`src/${name}/\``))).toEqual([]);
  });

  it('reads the environment in src/config.ts alone (STYLE.md)', () => {
    const readsEnv = /\bprocess\.env\b/;
    const readers = sourceFiles(srcRoot)
      .filter((file) => readsEnv.test(readFileSync(file, 'utf8')))
      .map((file) => relative(srcRoot, file));
    expect(readers).toEqual(['config.ts']);
    expect(readsEnv.test('const debug = process.env.CLEARANCE_DEBUG;')).toBe(true);
  });

  it('detects a wrong-way import in a sample', () => {
    // Guards the checker itself: a domain file importing from cli must be flagged.
    const fake = join(srcRoot, 'domain', 'x.ts');
    expect(targetModule(fake, '../cli/main.js')).toBe('cli');
    expect(allowed.domain?.includes('cli')).toBe(false);
    expect(ioImports.test('node:fs')).toBe(true);
    expect(ioImports.test('node:crypto')).toBe(false);
    // And inside app/: shared must not reach up into a capability, nor identity into transitions.
    expect(appFolderOf(join(appRoot, 'shared', 'x.ts'))).toBe('shared');
    expect(appFolders.shared?.includes('registry')).toBe(false);
    expect(appFolders.identity?.includes('transitions')).toBe(false);
  });
});
