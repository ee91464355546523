/** The common shapes of a page: loading, refused or failed (with the server's fixes), loaded. */
import { type ReactNode, useEffect } from 'react';
import type { ApiError } from '../api/client';
import type { Resource } from '../api/use-resource';

export function ErrorMessage({ error, title }: { error: ApiError; title?: string }) {
  return (
    <div role="alert" className="notice notice-error">
      <p>
        <strong>{title ?? errorTitle(error)}</strong> {error.detail}
      </p>
      {error.problems.length > 0 && (
        <ul>
          {error.problems.map((problem) => (
            <li key={`${problem.path ?? ''}${problem.message}`}>
              {problem.message}
              {problem.fix ? ` ${problem.fix}` : ''}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function errorTitle(error: ApiError): string {
  if (error.code === 'forbidden') return 'Not allowed.';
  if (error.code === 'not_found') return 'Not found.';
  if (error.status === 0) return 'No answer.';
  return 'Refused.';
}

/** Renders `children(data)` once the resource is ready; loading and error states otherwise. */
export function Loaded<T>(props: { resource: Resource<T>; children(data: T): ReactNode }) {
  const { resource } = props;
  if (resource.status === 'loading') {
    return (
      <p className="muted" aria-live="polite">
        Loading…
      </p>
    );
  }
  if (resource.status === 'error') return <ErrorMessage error={resource.error} />;
  return <>{props.children(resource.data)}</>;
}

/** Sets the document title and renders the page heading. */
export function PageHeading({ children, title }: { children: ReactNode; title: string }) {
  useEffect(() => {
    document.title = `${title} · Clearance`;
  }, [title]);
  return <h1 tabIndex={-1}>{children}</h1>;
}
