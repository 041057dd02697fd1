/**
 * One error shape for every response: `{"error": {"code", "message"}}` (plus `issues` for
 * validation errors). Server errors are logged in full and answered with a generic message, so no
 * stack, SQL or file path ever reaches a client.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/** An error meant for the client: a stable code, an HTTP status and a message safe to show. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The body every error response has. */
export interface ErrorBody {
  error: { code: string; message: string; issues?: Array<{ path: string; message: string }> };
}

const CONTEXT_NAMES: Record<string, string> = { body: '请求体', querystring: '查询参数', params: '路径参数', headers: '请求头' };

/** Installs the error and not-found handlers on the root instance (they apply to every route). */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = CONTEXT_NAMES[err.validationContext ?? ''] ?? '请求';
      const body: ErrorBody = {
        error: {
          code: 'VALIDATION_FAILED',
          message: `${where}无效`,
          issues: err.validation.map((v) => ({ path: v.instancePath || '/', message: v.message ?? 'invalid' })),
        },
      };
      return reply.code(400).send(body);
    }
    if (err instanceof ApiError) {
      return reply.code(err.statusCode).headers(err.headers).send({ error: { code: err.code, message: err.message } } satisfies ErrorBody);
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // fastify's own client errors (malformed JSON, wrong content type, body too large) describe
      // the request, not our internals; anything else 4xx gets a generic text.
      const fromFastify = typeof err.code === 'string' && err.code.startsWith('FST_');
      return reply.code(status).send({ error: { code: fromFastify ? err.code : 'BAD_REQUEST', message: fromFastify ? err.message : '请求无效' } } satisfies ErrorBody);
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: { code: 'INTERNAL', message: '服务器内部错误' } } satisfies ErrorBody);
  });

  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: { code: 'NOT_FOUND', message: '未找到' } } satisfies ErrorBody));
}
