/**
 * Every route states who may call it: `config: { roles: [...] }`, or `config: { public: true }`
 * for the few anyone may call (health checks, login). A route with neither stops the app at
 * start, so no route becomes public by someone forgetting a line.
 */
import { ROLES, type Role } from '@yuqing/db';
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles allowed to call the route. */
    roles?: readonly Role[];
    /** Anyone may call the route, without credentials. */
    public?: boolean;
  }
}

/** Every role: for routes any signed-in user may call (who am I, log out). */
export const ANY_ROLE: readonly Role[] = ROLES;

/** Thrown at start for a route without a valid access declaration. */
export class RouteAccessError extends Error {
  constructor(method: string | string[], url: string, problem: string) {
    super(`route ${[method].flat().join(',')} ${url} ${problem}`);
    this.name = 'RouteAccessError';
  }
}

/**
 * Checks each route as it is added. Must be called on the root instance before any route is
 * registered, because onRoute hooks only see routes added after them.
 */
export function enforceRouteAccessDeclarations(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const isPublic = route.config?.public === true;
    const roles = route.config?.roles;
    if (isPublic && roles) throw new RouteAccessError(route.method, route.url, 'is declared both public and with roles');
    if (isPublic) return;
    if (!Array.isArray(roles) || roles.length === 0) {
      throw new RouteAccessError(route.method, route.url, 'declares no roles: add config.roles, or config.public: true if anyone may call it');
    }
    const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
    if (unknown.length) throw new RouteAccessError(route.method, route.url, `names unknown roles: ${unknown.join(', ')}`);
  });
}
