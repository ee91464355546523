/**
 * Links from a notification event into the HTTP API. Paths only: the server's public URL is
 * configuration, so renderers (Slack, email) prefix it and the event itself stays the same on
 * every installation.
 */
export interface EventLinks {
  /**
   * What a button or "open" link should show: the request when there is one, else the rollout,
   * else the version, else the model.
   */
  api: string;
  model?: string;
  version?: string;
  request?: string;
  rollout?: string;
  decision?: string;
  webhook?: string;
}

const apiRoot = '/api/v1';

function segment(value: string): string {
  return encodeURIComponent(value);
}

export function eventLinks(subject: {
  model?: string | undefined;
  version?: string | undefined;
  requestId?: string | undefined;
  rolloutId?: string | undefined;
  decisionId?: string | undefined;
  webhookId?: string | undefined;
}): EventLinks {
  const links: Omit<EventLinks, 'api'> = {};
  if (subject.model !== undefined) links.model = `${apiRoot}/models/${segment(subject.model)}`;
  if (subject.model !== undefined && subject.version !== undefined)
    links.version = `${apiRoot}/models/${segment(subject.model)}/versions/${segment(subject.version)}`;
  if (subject.requestId !== undefined)
    links.request = `${apiRoot}/requests/${segment(subject.requestId)}`;
  if (subject.rolloutId !== undefined)
    links.rollout = `${apiRoot}/rollouts/${segment(subject.rolloutId)}`;
  if (subject.decisionId !== undefined)
    links.decision = `${apiRoot}/decisions/${segment(subject.decisionId)}`;
  if (subject.webhookId !== undefined)
    links.webhook = `${apiRoot}/webhooks/${segment(subject.webhookId)}`;
  const api =
    links.request ??
    links.rollout ??
    links.version ??
    links.model ??
    links.decision ??
    links.webhook ??
    `${apiRoot}/audit/checkpoints/latest`;
  return { api, ...links };
}

/** An absolute URL for a link path, given the server's public URL (`https://clearance.example`). */
export function absoluteLink(publicUrl: string, path: string): string {
  return `${publicUrl.replace(/\/+$/u, '')}${path}`;
}
