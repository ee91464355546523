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
  auth: ['domain', 'app'],
  http: ['domain', 'app', 'auth', 'policy', 'audit', 'config'],
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

describe('architecture', () => {
  const files = sourceFiles(srcRoot);

  it('finds the source files it checks', () => {
    expect(files.length).toBeGreaterThan(5);
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

  it('detects a wrong-way import in a sample', () => {
    // Guards the checker itself: a domain file importing from cli must be flagged.
    const fake = join(srcRoot, 'domain', 'x.ts');
    expect(targetModule(fake, '../cli/main.js')).toBe('cli');
    expect(allowed.domain?.includes('cli')).toBe(false);
    expect(ioImports.test('node:fs')).toBe(true);
    expect(ioImports.test('node:crypto')).toBe(false);
  });
});
