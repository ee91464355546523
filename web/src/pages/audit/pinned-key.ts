/**
 * The verifier key the browser trusts. Never the key the server sends with a checkpoint: a server
 * that rewrote its log could sign with a new key and send that. The key comes, in this order,
 * from the build (`VITE_CLEARANCE_VERIFIER_KEY` when `npm run build` makes the app: the operator
 * bakes the install's public key into the bundle it serves, so the page checks the server
 * against what it was built with), or from the auditor, who pastes the key they hold (from
 * `clearance audit key`, the operations runbook, or an earlier visit); a pasted key is kept in
 * this browser's localStorage so the next visit checks against the same one.
 */
const storageKey = 'clearance.pinnedVerifierKey';

export type PinnedKey = { key: string; source: 'build' | 'browser' } | undefined;

function builtIn(): string | undefined {
  const value: unknown = import.meta.env.VITE_CLEARANCE_VERIFIER_KEY;
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export function readPinnedKey(): PinnedKey {
  const build = builtIn();
  if (build) return { key: build, source: 'build' };
  const stored = window.localStorage.getItem(storageKey);
  return stored ? { key: stored, source: 'browser' } : undefined;
}

export function storePinnedKey(key: string | undefined): void {
  if (key === undefined || key.trim() === '') window.localStorage.removeItem(storageKey);
  else window.localStorage.setItem(storageKey, key.trim());
}
