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
    /**
     * Besides the roles, the static bearer token METRICS_TOKEN is accepted (Prometheus, which
     * cannot log in and should not hold a user's token). Only with roles, never on a public route.
     */
    metricsToken?: boolean;
  }
  interface FastifyInstance {
    /** The access of routes in this plugin scope that declare none (see declareScopeAccess). */
    routeAccessDefault?: ScopeAccess;
  }
}

/** An access declaration for a whole plugin scope. */
export type ScopeAccess = { public: true } | { roles: readonly Role[] };

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
  app.addHook('onRoute', function (route) {
    // A route of a third-party plugin (which cannot take our config) gets the access its scope declared.
    const scope = this.routeAccessDefault;
    if (scope && route.config?.public === undefined && route.config?.roles === undefined) route.config = { ...route.config, ...scope };
    if (route.config?.metricsToken && !route.config.roles) throw new RouteAccessError(route.method, route.url, 'accepts the metrics token but declares no roles');
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

/**
 * Declares the access of every route registered in `scope` (an encapsulated plugin) that declares
 * none itself: for third-party plugins whose routes we cannot give a `config` (the docs UI). Routes
 * outside the scope are unaffected, and a route without a declaration anywhere else still stops
 * the app.
 */
export function declareScopeAccess(scope: FastifyInstance, access: ScopeAccess): void {
  scope.decorate<ScopeAccess | undefined, 'routeAccessDefault'>('routeAccessDefault', access);
}
