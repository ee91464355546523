/**
 * `knownAuditActions` names every action the service writes, and nothing else. The written actions
 * are read from the source, not copied: the app writes audit entries only through `auditRecord`,
 * whose `action` is typed `AuditAction` (so the compiler already refuses an unknown one); this
 * test reads the same writes to catch the other drift too, a name listed that nothing writes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionPattern, knownAuditActions } from '../../src/audit/index.js';

const appDir = join(import.meta.dirname, '..', '..', 'src', 'app');

const sources = readdirSync(appDir, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
  .map((file) => ({ file, text: readFileSync(join(appDir, file), 'utf8') }));

/** The text of the call's arguments that opens at `open` (the index of its `(`). */
function argumentsAt(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth += 1;
    else if (text[i] === ')') {
      depth -= 1;
      if (depth === 0) return text.slice(open + 1, i);
    }
  }
  throw new Error(`unbalanced call at ${open}`);
}

/** The quoted names in each `action:` value of `text` (a literal, or a choice of literals). */
function actionLiterals(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/\baction:\s*([^,\n}]+)/g)) {
    for (const literal of (match[1] ?? '').matchAll(/'([^']*)'/g)) {
      if (actionPattern.test(literal[1] ?? '')) found.push(literal[1] ?? '');
    }
  }
  return found;
}

/**
 * `text` without its authorisation checks — `guarded(…)` calls and `changeModel`'s
 * `audit: { action, subject }` — whose `action` names what was asked, not an entry.
 */
function withoutAuthorisation(text: string): string {
  let out = text.replace(/\baudit:\s*\{[^}]*\}/g, '');
  for (;;) {
    const call = /\bguarded(?:Read)?\(/.exec(out);
    if (!call) return out;
    const open = call.index + call[0].length - 1;
    const args = argumentsAt(out, open);
    out = out.slice(0, call.index) + out.slice(open + args.length + 2);
  }
}

function writtenActions(): Set<string> {
  const written = new Set<string>();
  for (const { text } of sources) {
    // Entries made here: the arguments of every auditRecord call.
    for (const call of text.matchAll(/\bauditRecord\(/g)) {
      const args = argumentsAt(text, (call.index ?? 0) + call[0].length - 1);
      for (const action of actionLiterals(args)) written.add(action);
    }
    // Actions handed to a helper that writes the entry: a file typing them `AuditFacts['action']`.
    if (text.includes("AuditFacts['action']")) {
      for (const action of actionLiterals(withoutAuthorisation(text))) written.add(action);
    }
    // Actions looked up in a constant map: `action: someActions[key]`.
    for (const lookup of text.matchAll(/\baction:\s*(\w+)\[/g)) {
      const map = new RegExp(`const ${lookup[1]} = \\{([^}]*)\\}`).exec(text);
      for (const literal of map?.[1]?.matchAll(/:\s*'([^']*)'/g) ?? []) {
        written.add(literal[1] ?? '');
      }
    }
  }
  return written;
}

describe('knownAuditActions', () => {
  it('names every action the app writes, and only those', () => {
    const written = writtenActions();
    // The scan finds the writes at all (a broken scan must not pass as "nothing missing").
    expect(written.size).toBeGreaterThan(40);
    const known = new Set<string>(knownAuditActions);
    expect([...written].filter((action) => !known.has(action)).sort()).toEqual([]);
    expect([...known].filter((action) => !written.has(action)).sort()).toEqual([]);
  });

  it('lists each action once, each a noun.verb name', () => {
    expect(new Set(knownAuditActions).size).toBe(knownAuditActions.length);
    for (const action of knownAuditActions) expect(action).toMatch(actionPattern);
  });
});
