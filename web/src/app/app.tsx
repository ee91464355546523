import { useCallback, useEffect, useRef, useState } from 'react';
import { SignInPage } from '../pages/sign-in/sign-in-page';
import { Layout } from './layout';
import { matchPath } from './match-path';
import { isOidcCallback } from './oidc-pending';
import { ParamsProvider, useLocation, useNavigate } from './router';
import { notFoundPage, routes } from './routes';
import { type Me, SessionProvider, signIn, storedToken, storeToken } from './session';

type Auth =
  | { state: 'checking' }
  | { state: 'completing-oidc' }
  | { state: 'signed-out'; message?: string }
  | { state: 'signed-in'; token: string; me: Me };

function initialAuth(): Auth {
  if (isOidcCallback()) return { state: 'completing-oidc' };
  return storedToken() ? { state: 'checking' } : { state: 'signed-out' };
}

/**
 * Signs in (a stored token is checked once on load; an OIDC sign-in coming back from the issuer
 * is completed), then renders the page the path names.
 */
export function App() {
  const [auth, setAuth] = useState<Auth>(initialAuth);
  const navigate = useNavigate();
  const completing = useRef(false);
  useEffect(() => {
    if (auth.state !== 'completing-oidc' || completing.current) return;
    completing.current = true;
    completeOidc().then(
      ({ token, me, returnTo }) => {
        storeToken(token);
        navigate(returnTo, { replace: true });
        setAuth({ state: 'signed-in', token, me });
      },
      (error: unknown) => {
        const why = error instanceof Error ? error.message : String(error);
        navigate('/', { replace: true });
        setAuth({ state: 'signed-out', message: `OIDC sign-in failed. ${why}` });
      },
    );
  }, [auth.state, navigate]);
  useEffect(() => {
    const token = storedToken();
    if (!token || auth.state !== 'checking') return;
    signIn(token).then(
      ({ me }) => setAuth({ state: 'signed-in', token, me }),
      (error: unknown) => {
        storeToken(undefined);
        const why = error instanceof Error ? error.message : String(error);
        setAuth({ state: 'signed-out', message: `Your session ended: ${why}` });
      },
    );
  }, [auth.state]);
  const onSignOut = useCallback(
    (message?: string) =>
      setAuth(message === undefined ? { state: 'signed-out' } : { state: 'signed-out', message }),
    [],
  );
  if (auth.state === 'checking') return <p className="muted">Checking your session…</p>;
  if (auth.state === 'completing-oidc') {
    return <p className="muted">Completing your sign-in with your identity provider…</p>;
  }
  if (auth.state === 'signed-out') {
    return (
      <SignInPage
        {...(auth.message ? { message: auth.message } : {})}
        onSignedIn={(token, me) => {
          storeToken(token);
          setAuth({ state: 'signed-in', token, me });
        }}
      />
    );
  }
  return (
    <SessionProvider token={auth.token} me={auth.me} onSignOut={onSignOut}>
      <Layout>
        <CurrentPage />
      </Layout>
    </SessionProvider>
  );
}

/** The access token of the OIDC sign-in this page load completes, checked with the API. */
async function completeOidc(): Promise<{ token: string; me: Me; returnTo: string }> {
  const { completeOidcSignIn } = await import('./oidc-sign-in');
  const { accessToken, returnTo } = await completeOidcSignIn();
  const { me } = await signIn(accessToken);
  return { token: accessToken, me, returnTo };
}

function CurrentPage() {
  const { pathname } = useLocation();
  for (const route of routes) {
    const params = matchPath(route.path, pathname);
    if (params) {
      const Page = route.page;
      return (
        <ParamsProvider params={params}>
          <Page key={pathname} />
        </ParamsProvider>
      );
    }
  }
  const NotFound = notFoundPage;
  return <NotFound />;
}
