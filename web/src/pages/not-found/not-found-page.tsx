import { PageHeading } from '../../app/page-state';

/** Placeholder: this page is being built. */
export function NotFoundPage() {
  return (
    <>
      <PageHeading title="Page not found">Page not found</PageHeading>
      <p className="muted">This page is not built yet.</p>
    </>
  );
}
