import { useCallback, useEffect, useState } from 'react';
import { SignInPage } from '../pages/sign-in/sign-in-page';
import { Layout } from './layout';
import { matchPath } from './match-path';
import { ParamsProvider, useLocation } from './router';
import { notFoundPage, routes } from './routes';
import { type Me, SessionProvider, signIn, storedToken, storeToken } from './session';

type Auth =
  | { state: 'checking' }
  | { state: 'signed-out'; message?: string }
  | { state: 'signed-in'; token: string; me: Me };

/** Signs in (a stored token is checked once on load), then renders the page the path names. */
export function App() {
  const [auth, setAuth] = useState<Auth>(() =>
    storedToken() ? { state: 'checking' } : { state: 'signed-out' },
  );
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
