/**
 * The route table. Pages are loaded lazily, each into its own chunk, so the first page a person
 * opens pays only for itself. Each page module exports its page component by name (`AuditPage`
 * from pages/audit/audit-page.tsx); web-parts owns pages/audit, pages/rollout and pages/policy.
 */
import { type ComponentType, type LazyExoticComponent, lazy } from 'react';

export interface Route {
  path: string;
  /** Shown in the navigation when set. */
  nav?: string;
  page: LazyExoticComponent<ComponentType>;
}

function page<K extends string>(
  load: () => Promise<Record<K, ComponentType>>,
  name: K,
): LazyExoticComponent<ComponentType> {
  return lazy(() => load().then((module) => ({ default: module[name] })));
}

export const routes: readonly Route[] = [
  {
    path: '/',
    nav: 'Release board',
    page: page(() => import('../pages/board/board-page'), 'BoardPage'),
  },
  {
    path: '/inbox',
    nav: 'Approvals',
    page: page(() => import('../pages/inbox/inbox-page'), 'InboxPage'),
  },
  {
    path: '/audit',
    nav: 'Audit log',
    page: page(() => import('../pages/audit/audit-page'), 'AuditPage'),
  },
  {
    path: '/models/:name/versions/:version',
    page: page(() => import('../pages/version/version-page'), 'VersionPage'),
  },
  {
    path: '/models/:name/policy',
    page: page(() => import('../pages/policy/policy-page'), 'PolicyPage'),
  },
  {
    path: '/rollouts/:id',
    page: page(() => import('../pages/rollout/rollout-page'), 'RolloutPage'),
  },
];

export const notFoundPage = page(() => import('../pages/not-found/not-found-page'), 'NotFoundPage');
