/**
 * Managing sources from the page (admins only): the health of every source, a test fetch of a
 * source before it is saved, adding, changing (enable/disable, name, interval, authority,
 * jurisdiction tags), removing, and importing an OPML file. Every change is audited in the
 * transaction that makes it, with the same actions as the CLI (`source.add`, `source.enable`,
 * `source.disable`, `source.update`, `source.remove`, `source.import`).
 *
 * A test fetch goes through the crawler's own fetcher and address policy: an admin can make the
 * API request any URL, so loopback, private and link-local addresses are refused unless listed in
 * FETCH_ALLOWLIST (a source URL must not become a way to probe the bureau's network). Adding a
 * source checks the same policy when it is saved, so the admin learns at once, not from a failing
 * source later; the crawler still checks every connection (DNS may answer differently later).
 */
import type { Config } from '@yuqing/config';
import { listSelectorsSchema } from '@yuqing/crawler/list-page';
import { createPreviewDeps, previewSource } from '@yuqing/crawler/preview';
import {
  findSource,
  getSource,
  insertSource,
  intervalSchema,
  routeOf,
  listSourceHealth,
  recordAudit,
  removeSource,
  setSourceEnabled,
  sourceInputSchema,
  updateSourceSettings,
  withTransaction,
  type NewSource,
  type Pool,
  type Source,
} from '@yuqing/db';
import { checkDestination, type AddressPolicy, type LookupAll } from '@yuqing/net';
import * as cheerio from 'cheerio';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActor } from '../audit-actor';
import { ApiError, type ErrorBody } from '../errors';
import { idParams } from '../schemas';

const ADMIN = { roles: ['admin'] } as const;

/** Largest OPML document accepted (characters): feed readers' exports are a few kB to a few hundred. */
export const OPML_MAX_CHARS = 2 * 1024 * 1024;

const patchBody = z
  .object({
    enabled: z.boolean().optional(),
    name: z.string().trim().min(1, '名称不能为空').max(200, '名称最多 200 字').optional(),
    /** Seconds, or a duration such as 90s, 10m, 2h (10 s to 7 days). */
    pollInterval: intervalSchema.optional(),
    authority: z.number().min(0, '权重应在 0 到 10 之间').max(10, '权重应在 0 到 10 之间').optional(),
    jurisdictionTags: z.array(z.string().trim().min(1, '辖区标签不能为空').max(100)).max(50, '辖区标签最多 50 个').optional(),
  })
  .strict()
  .refine((p) => Object.values(p).some((v) => v !== undefined), { message: '没有要修改的内容' });

const importBody = z
  .object({
    /** The OPML document's text (what a feed reader exports). */
    opml: z.string().min(1, 'OPML 内容为空').max(OPML_MAX_CHARS, `OPML 文件不能超过 ${OPML_MAX_CHARS / 1024 / 1024} MB`),
    /** Whether the imported sources are polled at once (default) or wait to be enabled. */
    enabled: z.boolean().default(true),
  })
  .strict();

type Issue = { path: string; message: string };

/**
 * The list-page selectors of an html source must compile (cheerio); the model only checks their
 * shape. A typo is reported to whoever typed it, in the app's validation shape.
 */
function selectorIssues(s: NewSource): Issue[] {
  if (!s.selectors) return [];
  const parsed = listSelectorsSchema.safeParse(s.selectors);
  return parsed.success ? [] : parsed.error.issues.map((i) => ({ path: `/selectors/${i.path.join('/')}`, message: i.message }));
}

/** A 400 in the app's validation shape (errors.ts), for problems found after the schema passed. */
const validationFailed = (issues: Issue[], message = '请求体无效'): ErrorBody => ({ error: { code: 'VALIDATION_FAILED', message, issues } });

const notFound = (id: number) => new ApiError(404, 'SOURCE_NOT_FOUND', `信息源 ${id} 不存在`);

/** "the URL" or "the route" of a source, in words for a message. */
const keyOf = (s: Pick<Source, 'kind' | 'url'>) => (s.kind === 'rsshub' ? `路由 ${s.url.slice('rsshub:'.length)}` : `地址 ${s.url}`);

/** Why a source URL is refused when it is saved: it points at this machine or the internal network. */
const inwardMessage = (host: string, address: string) =>
  `信息源地址 ${host} 指向本机或内网地址（${address}），已拒绝；确需抓取内网网站时，请运维将其加入 FETCH_ALLOWLIST`;

// An OPML file may list hundreds of feeds: resolving every name on import would hold the request
// (and the DNS threads) for minutes when DNS is slow, so import checks what needs no DNS (IP
// literals in every spelling, localhost names); names are checked at every connection anyway.
const NO_DNS: LookupAll = (hostname, _options, callback) => callback(Object.assign(new Error(`${hostname} not resolved on import`), { code: 'ENOTFOUND' }), []);

/**
 * Refuses a source (not an rsshub route: its instances are configured by operations) whose URL
 * points inward under the crawler's address policy. A name that does not resolve now is saved:
 * the crawler reports it on every poll, and a test fetch shows it before saving.
 */
async function refuseInward(s: NewSource, policy: AddressPolicy): Promise<void> {
  if (routeOf(s) !== null) return;
  const d = await checkDestination(s.url, policy);
  if (!d.ok && d.blocked) throw new ApiError(400, 'SOURCE_ADDRESS_BLOCKED', inwardMessage(d.host, d.address));
}

/** The feeds of an OPML document: every outline with an xmlUrl, with its title (or text). */
function opmlFeeds(text: string): Array<{ name: string; url: string }> {
  const $ = cheerio.load(text.replace(/^\uFEFF/, ''), { xml: true });
  if ($('opml').length === 0) throw new ApiError(400, 'OPML_INVALID', '不是 OPML 文件（没有 <opml> 元素）');
  return $('outline')
    .toArray()
    .map((el) => {
      const o = $(el);
      const url = (o.attr('xmlUrl') ?? o.attr('xmlurl') ?? '').trim();
      return { name: (o.attr('title') ?? o.attr('text') ?? '').trim() || url, url };
    })
    .filter((f) => f.url !== '');
}

/** GET /api/sources/health, POST /api/sources/preview, POST /api/sources, PATCH/DELETE /api/sources/:id, POST /api/sources/import. */
export const sourceAdminRoutes: FastifyPluginAsyncZod<{ cfg: Config; db: Pool }> = async (app, { cfg, db }) => {
  // One fetch agent for every test fetch of this app, closed with it.
  const preview = createPreviewDeps(cfg, db);
  app.addHook('onClose', async () => preview.close());

  app.get('/api/sources/health', { config: ADMIN, schema: { description: '每个信息源的健康状况：上次成功、最近错误、故障开始、下次抓取、近 24 小时与近 7 日（北京时间）每日条目数；故障的在前。' } }, async () => {
    const report = await listSourceHealth(db);
    const enabled = report.sources.filter((s) => s.enabled);
    return {
      ...report,
      summary: {
        total: report.sources.length,
        enabled: enabled.length,
        failing: enabled.filter((s) => s.status === 'failing').length,
        disabled: report.sources.length - enabled.length,
      },
    };
  });

  app.post(
    '/api/sources/preview',
    { config: ADMIN, schema: { body: sourceInputSchema, description: '测试抓取：按信息源设置抓取并解析，返回前 30 条，不保存。抓取失败也是 200（ok: false）。' } },
    async (req, reply) => {
      const issues = selectorIssues(req.body);
      if (issues.length) return reply.code(400).send(validationFailed(issues));
      const existing = await findSource(db, req.body.url);
      const result = await previewSource(preview, req.body);
      return { ...result, existing: existing ? { id: existing.id, name: existing.name } : null };
    },
  );

  app.post('/api/sources', { config: ADMIN, schema: { body: sourceInputSchema, description: '添加一个信息源（地址或 RSSHub 路由已存在时 409；地址指向本机或内网且不在 FETCH_ALLOWLIST 中时 400 SOURCE_ADDRESS_BLOCKED）。' } }, async (req, reply) => {
    const issues = selectorIssues(req.body);
    if (issues.length) return reply.code(400).send(validationFailed(issues));
    await refuseInward(req.body, preview.fetchOptions.addressPolicy);
    const source = await withTransaction(db, async (c) => {
      const src = await insertSource(c, req.body);
      if (src) await recordAudit(c, { ...auditActor(req), action: 'source.add', entity: 'source', entityId: src.id, after: src });
      return src;
    });
    if (!source) {
      const existing = await findSource(db, req.body.url);
      throw new ApiError(409, 'SOURCE_EXISTS', `已有${keyOf(req.body)}的信息源${existing ? `「${existing.name}」（#${existing.id}）` : ''}`);
    }
    return reply.code(201).send({ source });
  });

  app.patch(
    '/api/sources/:id',
    { config: ADMIN, schema: { params: idParams, body: patchBody, description: '启用/停用（启用后立即抓取）、改名称、抓取间隔、权重、辖区标签。' } },
    async (req) => {
      const { enabled, pollInterval, ...settings } = req.body;
      const out = await withTransaction(db, async (c) => {
        // Locked first, so the audit's "before" is the row this change starts from, not one another request is changing.
        await c.query('SELECT 1 FROM sources WHERE id = $1 FOR UPDATE', [req.params.id]);
        const before = await getSource(c, req.params.id);
        if (!before) return null;
        const toggled = enabled !== undefined && enabled !== before.enabled;
        if (toggled) await setSourceEnabled(c, before.id, enabled);
        const patch = {
          ...(settings.name !== undefined && settings.name !== before.name ? { name: settings.name } : {}),
          ...(pollInterval !== undefined && pollInterval !== before.pollIntervalSeconds ? { pollIntervalSeconds: pollInterval } : {}),
          ...(settings.authority !== undefined && settings.authority !== before.authority ? { authority: settings.authority } : {}),
          ...(settings.jurisdictionTags !== undefined && settings.jurisdictionTags.join('\n') !== before.jurisdictionTags.join('\n')
            ? { jurisdictionTags: settings.jurisdictionTags }
            : {}),
        };
        const changed = Object.keys(patch).length > 0;
        if (changed) await updateSourceSettings(c, before.id, patch);
        if (!toggled && !changed) return { source: before, changed: false };
        const after = await getSource(c, before.id);
        // Only enabling or disabling: the CLI's actions, so the log reads the same whoever did it.
        const action = changed ? 'source.update' : enabled ? 'source.enable' : 'source.disable';
        await recordAudit(c, { ...auditActor(req), action, entity: 'source', entityId: before.id, before, after });
        return { source: after ?? before, changed: true };
      });
      if (!out) throw notFound(req.params.id);
      return out;
    },
  );

  app.delete('/api/sources/:id', { config: ADMIN, schema: { params: idParams, description: '删除信息源；已采集的条目保留（来源置空）。' } }, async (req) => {
    const source = await withTransaction(db, async (c) => {
      const s = await getSource(c, req.params.id);
      if (!s || !(await removeSource(c, s.id))) return null;
      await recordAudit(c, { ...auditActor(req), action: 'source.remove', entity: 'source', entityId: s.id, before: s, after: null });
      return s;
    });
    if (!source) throw notFound(req.params.id);
    return { source };
  });

  app.post(
    '/api/sources/import',
    {
      config: ADMIN,
      schema: {
        body: importBody,
        description:
          '导入 OPML（RSS 订阅列表）：全部有效才导入，任何一项无效（包括地址指向本机或内网）则一项都不导入并列出每一项问题。已存在的地址保持不变（OPML 只有名称和地址，不覆盖已有设置）。',
      },
    },
    async (req, reply) => {
      const feeds = opmlFeeds(req.body.opml);
      if (feeds.length === 0) throw new ApiError(400, 'OPML_EMPTY', 'OPML 中没有信息源（没有带 xmlUrl 的 outline）');
      // All or nothing: every bad entry is listed and none is imported, so a half-applied file never happens.
      const issues: Issue[] = [];
      const inputs = new Map<string, NewSource>();
      let duplicates = 0;
      for (const [i, f] of feeds.entries()) {
        const parsed = sourceInputSchema.safeParse({ name: f.name.slice(0, 200), kind: 'rss', url: f.url, enabled: req.body.enabled });
        if (!parsed.success) {
          for (const iss of parsed.error.issues) issues.push({ path: `/outlines/${i}/${iss.path.join('/')}`, message: `第 ${i + 1} 项（${f.url.slice(0, 200)}）：${iss.message}` });
          continue;
        }
        const d = await checkDestination(parsed.data.url, preview.fetchOptions.addressPolicy, { lookup: NO_DNS });
        if (!d.ok && d.blocked) issues.push({ path: `/outlines/${i}/url`, message: `第 ${i + 1} 项（${f.url.slice(0, 200)}）：${inwardMessage(d.host, d.address)}` });
        else if (inputs.has(parsed.data.url)) duplicates++; // one feed in two folders
        else inputs.set(parsed.data.url, parsed.data);
      }
      if (issues.length) {
        const bad = new Set(issues.map((i) => i.path.split('/')[2])).size;
        return reply.code(400).send(validationFailed(issues, `没有导入任何信息源：${bad} 项无效`));
      }
      const created = await withTransaction(db, async (c) => {
        const out: Array<{ id: number; name: string; url: string }> = [];
        for (const input of inputs.values()) {
          // An existing source stays as it is: OPML has no interval, authority, headers or selectors to give it.
          const src = await insertSource(c, input);
          if (!src) continue;
          await recordAudit(c, { ...auditActor(req), action: 'source.import', entity: 'source', entityId: src.id, after: { ...src, created: true } });
          out.push({ id: src.id, name: src.name, url: src.url });
        }
        return out;
      });
      return {
        total: feeds.length,
        created: created.length,
        existing: inputs.size - created.length,
        duplicates,
        sources: created,
      };
    },
  );
};
