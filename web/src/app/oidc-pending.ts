/**
 * An OIDC sign-in under way (app/oidc-sign-in.ts): what the tab must remember while the browser
 * is at the identity provider — the PKCE code verifier, `state` and `nonce` — kept in this tab's
 * sessionStorage and taken (read once, then removed) when the provider sends the browser back.
 * Small and free of the OAuth library, so the first visit does not load it.
 */
export interface PendingOidcSignIn {
  issuer: string;
  clientId: string;
  redirectUri: string;
  resource?: string;
  codeVerifier: string;
  state: string;
  nonce: string;
  /** Where the person was when they chose to sign in; they return there. */
  returnTo: string;
}

const pendingKey = 'clearance.oidc.pending';

export function rememberOidcSignIn(pending: PendingOidcSignIn): void {
  window.sessionStorage.setItem(pendingKey, JSON.stringify(pending));
}

/** Whether this page load is the provider sending the browser back to a sign-in of this tab. */
export function isOidcCallback(): boolean {
  const pending = readPending();
  return (
    pending !== undefined && new URL(pending.redirectUri).pathname === window.location.pathname
  );
}

/** The sign-in under way, removed so its code verifier, state and nonce serve one answer only. */
export function takeOidcSignIn(): PendingOidcSignIn | undefined {
  const pending = readPending();
  window.sessionStorage.removeItem(pendingKey);
  return pending;
}

function readPending(): PendingOidcSignIn | undefined {
  const text = window.sessionStorage.getItem(pendingKey);
  if (text === null) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isPending(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isPending(value: unknown): value is PendingOidcSignIn {
  if (value === null || typeof value !== 'object') return false;
  const record = value as Record<string, unknown>;
  const texts = ['issuer', 'clientId', 'redirectUri', 'codeVerifier', 'state', 'nonce', 'returnTo'];
  return texts.every((key) => typeof record[key] === 'string');
}
