/**
 * A small history-API router: the route table is a list of `{ path, page }` with `:param`
 * segments (app/routes.tsx). Pages read their parameters with `useParams()` and the query with
 * `useSearch()`, and move with `<Link to>` or `useNavigate()`.
 */
import {
  type AnchorHTMLAttributes,
  createContext,
  type MouseEvent,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
} from 'react';
import type { PathParams } from './match-path';

interface Location {
  pathname: string;
  search: string;
}

interface RouterState {
  location: Location;
  params: PathParams;
  navigate(to: string, options?: { replace?: boolean }): void;
}

const RouterContext = createContext<RouterState | undefined>(undefined);

function currentLocation(): Location {
  return { pathname: window.location.pathname, search: window.location.search };
}

/** Holds the location; children get it with `params` filled in by `<Routes>`. */
export function Router({ children }: { children: ReactNode }) {
  const [location, setLocation] = useState(currentLocation);
  useEffect(() => {
    const onPop = () => setLocation(currentLocation());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((to: string, options?: { replace?: boolean }) => {
    if (options?.replace) window.history.replaceState(null, '', to);
    else window.history.pushState(null, '', to);
    setLocation(currentLocation());
    window.scrollTo(0, 0);
  }, []);
  const state = useMemo(() => ({ location, params: {}, navigate }), [location, navigate]);
  return <RouterContext.Provider value={state}>{children}</RouterContext.Provider>;
}

/** Gives the matched route's parameters to everything below it. */
export function ParamsProvider({ params, children }: { params: PathParams; children: ReactNode }) {
  const parent = useRouter();
  const state = useMemo(() => ({ ...parent, params }), [parent, params]);
  return <RouterContext.Provider value={state}>{children}</RouterContext.Provider>;
}

function useRouter(): RouterState {
  const state = useContext(RouterContext);
  if (!state) throw new Error('useRouter outside <Router>');
  return state;
}

export function useLocation(): Location {
  return useRouter().location;
}

export function useParams(): PathParams {
  return useRouter().params;
}

/** The query string as URLSearchParams; change it with `navigate('?…')`. */
export function useSearch(): URLSearchParams {
  const { search } = useRouter().location;
  return useMemo(() => new URLSearchParams(search), [search]);
}

export function useNavigate(): RouterState['navigate'] {
  return useRouter().navigate;
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string };

/** An ordinary link (new tab, copy address work) that navigates in place on a plain click. */
export function Link({ to, onClick, children, ...rest }: LinkProps) {
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    const modified = event.metaKey || event.ctrlKey || event.shiftKey || event.altKey;
    if (event.defaultPrevented || event.button !== 0 || modified) return;
    event.preventDefault();
    navigate(to);
  };
  const current = pathname === to ? { 'aria-current': 'page' as const } : {};
  return (
    <a href={to} onClick={handle} {...current} {...rest}>
      {children}
    </a>
  );
}
