import { z } from 'zod';
import { configSection } from './config-section.js';

/** OIDC bearer tokens and the web app's sign-in. */
export const oidcConfig = configSection({
  schema: {
    oidcIssuer: z
      .string()
      .describe('OIDC issuer whose JWTs are accepted as bearer tokens (empty = off).'),
    oidcAudience: z.string().describe('Required `aud` of accepted JWTs.'),
    oidcRolesClaim: z
      .string()
      .describe(
        'JWT claim holding the caller’s Clearance roles (a list of `role` or `role:model`).',
      ),
    oidcClientId: z
      .string()
      .describe(
        'Client id of the web app at the OIDC issuer, registered as a public client (no secret) using the authorization code flow with PKCE; set, the sign-in page offers "Sign in with OIDC" (empty = paste a token only).',
      ),
    oidcRedirectPath: z
      .string()
      .regex(/^\/[A-Za-z0-9._~/-]*$/, 'a path such as /sign-in/oidc')
      .refine((path) => !/^\/(api|assets)(\/|$)|^\/(metrics|healthz)$/.test(path), {
        message: 'a path of the web app, not of the API, /assets, /metrics or /healthz',
      })
      .describe(
        'Path of the web app the issuer sends the browser back to; the client’s registered redirect URI is the app’s address as the browser reaches it with this path (`https://clearance.example.com/sign-in/oidc`).',
      ),
    oidcScope: z
      .string()
      .refine((scope) => scope.split(/\s+/).includes('openid'), 'must include `openid`')
      .describe('Scopes the web app asks the issuer for (space-separated; must include `openid`).'),
    oidcResource: z
      .string()
      .describe(
        'Resource indicator (RFC 8707) the web app sends so the access token is issued for this server (empty = none; set it when the issuer picks the audience by resource).',
      ),
  },
  defaults: {
    oidcIssuer: '',
    oidcAudience: 'clearance',
    oidcRolesClaim: 'clearance_roles',
    oidcClientId: '',
    oidcRedirectPath: '/sign-in/oidc',
    oidcScope: 'openid',
    oidcResource: '',
  },
  environment: {
    oidcIssuer: ['CLEARANCE_OIDC_ISSUER'],
    oidcAudience: ['CLEARANCE_OIDC_AUDIENCE'],
    oidcRolesClaim: ['CLEARANCE_OIDC_ROLES_CLAIM'],
    oidcClientId: ['CLEARANCE_OIDC_CLIENT_ID'],
    oidcRedirectPath: ['CLEARANCE_OIDC_REDIRECT_PATH'],
    oidcScope: ['CLEARANCE_OIDC_SCOPE'],
    oidcResource: ['CLEARANCE_OIDC_RESOURCE'],
  },
});
