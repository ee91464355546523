/** A server over stub or real use cases, with an in-memory identity directory. */

import type { UseCases } from '../../src/app/index.js';
import {
  createApiToken,
  hashTokenSecret,
  type IdentityDirectory,
  type StoredToken,
} from '../../src/auth/index.js';
import type { RoleBinding } from '../../src/domain/index.js';
import { buildServer, type HttpDeps } from '../../src/http/index.js';

export interface TestIdentity {
  directory: IdentityDirectory;
  /** `Authorization` header value for a user, created on first use with the given roles. */
  bearer(userId: string, ...roles: string[]): string;
  /** The same, with role bindings that may name a model (`{ role, model }`). */
  bearerWith(userId: string, bindings: RoleBinding[]): string;
}

export function testIdentity(): TestIdentity {
  const tokens = new Map<string, StoredToken>();
  const roles = new Map<string, RoleBinding[]>();
  const issued = new Map<string, string>();
  return {
    directory: {
      findToken: async (id) => {
        const token = tokens.get(id);
        return token && { ...token, roles: roles.get(token.userId) ?? [] };
      },
      // Users made here are never disabled.
      findAccount: async (userId) => (roles.has(userId) ? {} : undefined),
    },
    bearer(userId, ...userRoles) {
      return this.bearerWith(
        userId,
        userRoles.map((role) => ({ role })),
      );
    },
    bearerWith(userId, bindings) {
      const existing = issued.get(userId);
      if (existing) return existing;
      const token = createApiToken();
      tokens.set(token.id, { hashedSecret: hashTokenSecret(token.secret), userId });
      roles.set(userId, bindings);
      const header = `Bearer ${token.display}`;
      issued.set(userId, header);
      return header;
    },
  };
}

/** Use cases that fail loudly unless a test provides them. */
export function stubUseCases(overrides: Partial<UseCases> = {}): UseCases {
  return new Proxy(overrides as UseCases, {
    get(target, property: string) {
      const provided = target[property as keyof UseCases];
      if (provided) return provided;
      return () => Promise.reject(new Error(`Use case ${property} is not stubbed in this test.`));
    },
  });
}

export function stubServer(
  overrides: Partial<UseCases> = {},
  options: Partial<HttpDeps> = {},
): { app: ReturnType<typeof buildServer>; identity: TestIdentity } {
  const identity = testIdentity();
  const app = buildServer({
    useCases: stubUseCases(overrides),
    directory: identity.directory,
    bodyLimitBytes: 1024,
    ...options,
  });
  return { app, identity };
}
