import { type FormEvent, useEffect, useState } from 'react';
import { asApiError } from '../../api/use-resource';
import type { OidcBrowserClient } from '../../app/oidc-sign-in';
import type { Me } from '../../app/session';
import { signIn } from '../../app/session';

/**
 * Sign in with an API token (`clr_<id>_<secret>`, from `clearance token create` or an admin), or
 * an OIDC access token when the server accepts them — at the issuer itself when the server names
 * the app's client there. The token is kept for this tab only.
 */
export function SignInPage(props: { message?: string; onSignedIn(token: string, me: Me): void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const oidc = useOidcIssuer();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const value = token.trim();
    if (value === '') {
      setError('Enter your API token.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const { me } = await signIn(value);
      props.onSignedIn(value, me);
    } catch (cause) {
      const failure = asApiError(cause);
      setError(
        failure.status === 401
          ? `That token was refused: ${failure.detail}`
          : `Could not sign in: ${failure.detail}`,
      );
      setBusy(false);
    }
  };
  return (
    <main id="main" className="sign-in">
      <h1>Sign in to Clearance</h1>
      {props.message && (
        <p role="status" className="notice notice-warning">
          {props.message}
        </p>
      )}
      <form onSubmit={submit} noValidate>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={token}
          onChange={(event) => setToken(event.target.value)}
          aria-describedby="token-help"
          aria-invalid={error ? true : undefined}
        />
        <p id="token-help" className="muted">
          An API token looks like <code>clr_…</code>. Create one with{' '}
          <code>clearance admin token create --user you</code>, or ask an administrator. The token
          is kept in this browser tab only and forgotten when you close it.
        </p>
        {oidc && !oidc.browser && (
          <p className="muted">
            This server also accepts OIDC access tokens: sign in to your identity provider (
            <code>{oidc.issuer}</code>), get an access token for the audience{' '}
            <code>{oidc.audience}</code> (for example with your organisation's CLI login) and paste
            it here.
          </p>
        )}
        {error && (
          <p role="alert" className="notice notice-error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {oidc?.browser && <OidcSignIn client={{ issuer: oidc.issuer, ...oidc.browser }} />}
    </main>
  );
}

/** Sends the browser to the identity provider (the OAuth code is loaded only on this click). */
function OidcSignIn(props: { client: OidcBrowserClient }) {
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const start = async () => {
    setBusy(true);
    setError(undefined);
    const here = window.location.pathname + window.location.search;
    const returnTo = window.location.pathname === props.client.redirectPath ? '/' : here;
    try {
      const { startOidcSignIn } = await import('../../app/oidc-sign-in');
      await startOidcSignIn(props.client, returnTo);
    } catch (cause) {
      setError(
        `Could not reach ${props.client.issuer}: ${cause instanceof Error ? cause.message : String(cause)}`,
      );
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="oidc-heading" className="oidc-sign-in">
      <h2 id="oidc-heading">Or sign in with your organisation</h2>
      <p className="muted">
        Signs you in at <code>{props.client.issuer}</code> and brings you back here.
      </p>
      {error && (
        <p role="alert" className="notice notice-error">
          {error}
        </p>
      )}
      <button type="button" onClick={start} disabled={busy}>
        {busy ? 'Going to your identity provider…' : 'Sign in with OIDC'}
      </button>
    </section>
  );
}

interface OidcSettings {
  issuer: string;
  audience: string;
  browser?: Omit<OidcBrowserClient, 'issuer'>;
}

/** The OIDC issuer the server accepts, from the public GET /api/v1/sign-in (none on failure). */
function useOidcIssuer(): OidcSettings | undefined {
  const [oidc, setOidc] = useState<OidcSettings | undefined>();
  useEffect(() => {
    let current = true;
    fetch('/api/v1/sign-in', { headers: { accept: 'application/json' } })
      .then((response) => (response.ok ? response.json() : undefined))
      .then((body: { oidc?: OidcSettings } | undefined) => {
        if (current && body?.oidc) setOidc(body.oidc);
      })
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, []);
  return oidc;
}
