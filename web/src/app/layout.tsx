import { type ReactNode, Suspense } from 'react';
import { Link, useLocation } from './router';
import { routes } from './routes';
import { useSession } from './session';

/** Header with navigation and the signed-in person; the page in <main>. */
export function Layout({ children }: { children: ReactNode }) {
  const { me, signOut } = useSession();
  const { pathname } = useLocation();
  const name = me.user?.displayName ?? me.id;
  const roles = [...new Set(me.roles.map((binding) => binding.role))].sort();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <Link to="/" className="brand">
          Clearance
        </Link>
        <nav aria-label="Main">
          <ul>
            {routes
              .filter((route) => route.nav)
              .map((route) => (
                <li key={route.path}>
                  <Link to={route.path} aria-current={pathname === route.path ? 'page' : undefined}>
                    {route.nav}
                  </Link>
                </li>
              ))}
          </ul>
        </nav>
        <div className="who">
          <span>
            Signed in as <strong>{name}</strong>
            {roles.length > 0 && <span className="muted"> ({roles.join(', ')})</span>}
          </span>
          <button type="button" onClick={() => signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main">
        <Suspense
          fallback={
            <p className="muted" aria-live="polite">
              Loading…
            </p>
          }
        >
          {children}
        </Suspense>
      </main>
    </>
  );
}
