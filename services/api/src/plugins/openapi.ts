/**
 * OpenAPI generated from the routes' zod schemas (@fastify/swagger + fastify-type-provider-zod's
 * jsonSchemaTransform), and the Swagger UI at /docs, whose scripts, styles and icons come from the
 * @fastify/swagger-ui package itself: nothing is loaded from another host (intranets have none),
 * and the UI's online validator (validator.swagger.io) stays off.
 *
 * Access: /docs and /docs/json are for every signed-in role, not public. The document only
 * describes the API (the source is open anyway) and every operation still checks its own roles,
 * but an anonymous caller on the bureau's network learns nothing about us, not even which
 * endpoints exist — the same rule as 401 before validation in the auth plugin. A browser signed in
 * on / reads the docs with its session cookie; another system with its token
 * (`curl -H 'Authorization: Bearer yq_…' /docs/json`).
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { ANY_ROLE, declareScopeAccess } from '../route-access';

/** Where the UI lives; the document is at `${DOCS_PREFIX}/json` (and /yaml). */
export const DOCS_PREFIX = '/docs';

const transform: typeof jsonSchemaTransform = (doc) => {
  const out = jsonSchemaTransform(doc);
  const access = doc.route.config;
  if (!access || out.schema?.hide) return out;
  // Who may call it, in the document: public routes need no credentials; the others name their roles.
  const roles = access.public ? '公开（无需登录）' : `角色：${(access.roles ?? []).join('、')}${access.metricsToken ? '，或 METRICS_TOKEN' : ''}`;
  const description = [out.schema?.description, roles].filter(Boolean).join('\n\n');
  const security: Array<Record<string, string[]>> = access.public ? [] : [{ bearer: [] }, { session: [] }];
  return { ...out, schema: { ...out.schema, description, security } };
};

/**
 * Collects every route's schema. Registered on the root before any route (its onRoute hook only
 * sees routes added after it).
 */
export const openApiPlugin = fp<{ cookieName: string }>(
  async (app, { cookieName }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: '舆情监测预警 API',
          description: '涉警舆情监测预警系统的接口。凭据：`Authorization: Bearer yq_…`（API 令牌）或登录后的会话 Cookie。错误统一为 `{"error": {"code", "message"}}`；401 未登录，403 角色无权。',
          version: '0.1.0',
        },
        components: {
          securitySchemes: {
            bearer: { type: 'http', scheme: 'bearer', description: 'API 令牌（yuqing tokens create）' },
            session: { type: 'apiKey', in: 'cookie', name: cookieName, description: '浏览器登录会话（POST /api/auth/login）' },
          },
        },
      },
      transform,
      transformObject: jsonSchemaTransformObject,
    });
  },
  { name: 'yuqing-openapi', fastify: '5.x' },
);

/** The Swagger UI and the document, readable by every signed-in role (see the top of this file). */
export const docsRoutes: FastifyPluginAsync = async (app: FastifyInstance) => {
  // @fastify/swagger-ui's routes take no config of ours: the whole scope declares their access.
  declareScopeAccess(app, { roles: ANY_ROLE });
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    uiConfig: { deepLinking: true, docExpansion: 'list' },
    // Same-origin only: the bundle's scripts and styles, no remote fonts, no online validator.
    staticCSP: "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'self'",
    theme: { title: '舆情监测预警 API 文档' },
  });
};
