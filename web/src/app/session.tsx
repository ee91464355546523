/**
 * The signed-in person: an API token kept in sessionStorage (gone when the tab closes), checked
 * with GET /api/v1/me, and the ApiClient built on it. A 401 from any call signs out and shows the
 * server's reason on the sign-in page.
 */
import { createContext, type ReactNode, useCallback, useContext, useMemo } from 'react';
import { type ApiClient, ApiError, createApiClient, type Paths } from '../api/client';

export type Me = Paths['/api/v1/me']['get']['responses'][200]['content']['application/json'];

const tokenKey = 'clearance.token';

interface SessionState {
  api: ApiClient;
  me: Me;
  /** Role names the person holds for a model (global roles and that model's bindings). */
  rolesOn(model?: string): ReadonlySet<string>;
  signOut(message?: string): void;
}

const SessionContext = createContext<SessionState | undefined>(undefined);

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside a signed-in page');
  return state;
}

export function useApi(): ApiClient {
  return useSession().api;
}

export function storedToken(): string | undefined {
  return window.sessionStorage.getItem(tokenKey) ?? undefined;
}

export function storeToken(token: string | undefined): void {
  if (token === undefined) window.sessionStorage.removeItem(tokenKey);
  else window.sessionStorage.setItem(tokenKey, token);
}

/** Builds a client for `token` and asks who it belongs to; throws ApiError when refused. */
export async function signIn(token: string): Promise<{ api: ApiClient; me: Me }> {
  let refused: string | undefined;
  const api = createApiClient({
    token,
    onUnauthorized: (message) => {
      refused = message;
    },
  });
  try {
    return { api, me: await api.get('/api/v1/me') };
  } catch (cause) {
    // A refusal says why (the server's reasons and fixes), not only that it happened.
    if (!(cause instanceof ApiError) || refused === undefined) throw cause;
    const { status, code, problems } = cause;
    throw new ApiError({ status, code, detail: refused, problems: [...problems] });
  }
}

export function SessionProvider(props: {
  token: string;
  me: Me;
  onSignOut(message?: string): void;
  children: ReactNode;
}) {
  const { token, me, onSignOut } = props;
  const signOut = useCallback(
    (message?: string) => {
      storeToken(undefined);
      onSignOut(message);
    },
    [onSignOut],
  );
  const api = useMemo(
    () =>
      createApiClient({
        token,
        onUnauthorized: (message) =>
          signOut(`You were signed out: ${message} Sign in again with a valid token.`),
      }),
    [token, signOut],
  );
  const rolesOn = useCallback(
    (model?: string) =>
      new Set(
        me.roles
          .filter((binding) => binding.model === undefined || binding.model === model)
          .map((binding) => binding.role),
      ),
    [me],
  );
  const state = useMemo(() => ({ api, me, rolesOn, signOut }), [api, me, rolesOn, signOut]);
  return <SessionContext.Provider value={state}>{props.children}</SessionContext.Provider>;
}
