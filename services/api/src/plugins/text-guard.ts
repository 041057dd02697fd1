/**
 * Text that cannot be stored, refused at the door (issue 14). PostgreSQL refuses U+0000 in `text`
 * and `jsonb`, and a lone UTF-16 surrogate in `jsonb`; a lone surrogate in `text` is silently
 * turned into U+FFFD by the driver. Sent to a route that stores or searches, such a string was a
 * 500 — a form that fails for no reason the admin can see — or text quietly changed. Bytes that
 * are not UTF-8 (a GBK body sent as UTF-8) were decoded into U+FFFD just as quietly.
 *
 * The choice: refuse, with 400 INVALID_TEXT in Chinese and the path of the field, rather than
 * clean. Everything here but the push of items is typed by a person into a form (a rule, a
 * silence, an incident, a register entry): nobody types U+0000 on purpose, so it means a broken
 * paste or a broken client, and saying so beats storing something other than what was sent — a
 * rule keyword with a character quietly dropped matches something else. Checked in one place,
 * before schema validation, for the body, the query string and the path parameters of every
 * route, so a new route is covered without thinking of it.
 *
 * The exception is the push of items (POST /api/items): another system forwarding what it
 * crawled, where a NUL or a lone surrogate comes from a badly made page, not from the caller, and
 * one bad character must not cost the whole batch. Those items are cleaned where every item is
 * stored (packages/db/src/storable.ts), like crawled ones; this guard leaves the route alone,
 * bytes that are not UTF-8 included (decoded to U+FFFD, as before).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isUtf8 } from 'node:buffer';
import { ApiError, type ErrorBody } from '../errors';

/** Routes (`METHOD url` as declared) whose text is cleaned where it is stored, not refused here. */
export const CLEANED_WHERE_STORED: ReadonlySet<string> = new Set(['POST /api/items']);

// U+0000, and a surrogate that is not half of a pair.
// eslint-disable-next-line no-control-regex -- matching U+0000 is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// eslint-disable-next-line no-control-regex -- the same, to blank out of a path we answer with
const UNSTORABLE_ALL = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const PARTS = [
  ['params', '路径参数'],
  ['query', '查询参数'],
  ['body', '请求体'],
] as const;

/** A JSON pointer segment of a key, with the offending characters shown as U+FFFD (never sent back raw). */
const segment = (key: string): string => key.replace(UNSTORABLE_ALL, '\uFFFD').replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * The JSON pointer of the first string (or object key) in `root` holding U+0000 or a lone
 * surrogate; null when there is none. Iterative: a body may be nested 100,000 deep.
 */
export function findUnstorableText(root: unknown): string | null {
  const stack: Array<[unknown, string]> = [[root, '']];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) return path || '/';
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}/${i}`]);
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, x] = entries[i]!;
        if (UNSTORABLE.test(k)) return `${path}/${segment(k)}`;
        stack.push([x, `${path}/${segment(k)}`]);
      }
    }
  }
  return null;
}

const cleansWhereStored = (req: FastifyRequest): boolean => CLEANED_WHERE_STORED.has(`${req.method} ${req.routeOptions.url ?? ''}`);

const notUtf8 = (where: string): ApiError => new ApiError(400, 'INVALID_TEXT', `${where}不是有效的 UTF-8 编码，请以 UTF-8 重新提交`);

/**
 * For Fastify's `frameworkErrors` option: a path whose percent-encoding is not UTF-8
 * (`/api/users/%FF`) is answered by the router before any hook or the error handler runs, in a
 * shape of Fastify's own and in English. This gives it the service's one error shape.
 */
export function frameworkErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  if (err.code === 'FST_ERR_BAD_URL') {
    void reply.code(400).send({ error: { code: 'INVALID_TEXT', message: '请求地址不是有效的 UTF-8 编码' } } satisfies ErrorBody);
    return;
  }
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply.code(414).send({ error: { code: 'URL_TOO_LONG', message: '请求地址过长' } } satisfies ErrorBody);
    return;
  }
  req.log.error({ err }, 'request failed in the router');
  void reply.code(500).send({ error: { code: 'INTERNAL', message: '服务器内部错误' } } satisfies ErrorBody);
}

/** The guard: a JSON parser that insists on UTF-8, and a check of every request's text. Register before the routes. */
export const textGuardPlugin = fp(
  async (app) => {
    // Fastify's own JSON parsing (limits, prototype poisoning as configured, its error codes),
    // given the bytes first, so that a body that is not UTF-8 is refused rather than decoded into
    // U+FFFD. The push of items keeps the lenient decoding (see the top of this file).
    const parseJson = app.getDefaultJsonParser(app.initialConfig.onProtoPoisoning ?? 'error', app.initialConfig.onConstructorPoisoning ?? 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
      const bytes = body as Buffer;
      if (!cleansWhereStored(req) && !isUtf8(bytes)) {
        done(notUtf8('请求体'), undefined);
        return;
      }
      parseJson(req, bytes.toString('utf8'), done);
    });

    // Before validation, so that the answer is the same whether or not the field is otherwise
    // valid; after authentication (onRequest), so that an anonymous caller still gets 401 first.
    app.addHook('preValidation', async (req, reply) => {
      if (req.is404 || cleansWhereStored(req)) return;
      for (const [part, name] of PARTS) {
        const at = findUnstorableText(req[part]);
        if (at === null) continue;
        const body: ErrorBody = {
          error: {
            code: 'INVALID_TEXT',
            message: `${name}含有无法保存的字符（空字符 U+0000 或不成对的代理字符），请删除后重新提交`,
            issues: [{ path: at, message: '含有空字符或不成对的代理字符' }],
          },
        };
        return reply.code(400).send(body);
      }
    });
  },
  { name: 'yuqing-text-guard', fastify: '5.x' },
);
