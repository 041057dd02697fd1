/**
 * `yuqing demo` — a demo a newcomer can watch: serves the bundled stream (demo/stream.ts: news, a
 * police-negative cascade of posts, a hot list on which it climbs) on a loopback port, adds its
 * three feeds as sources, makes sure there is a duty officer to log in as, and reports what the
 * running system makes of it until the warning is up. Run it beside `pnpm start`, or let
 * `pnpm start -- --demo` start it (which also lets the crawler reach the loopback port).
 *
 *   yuqing demo [--port 3999] [--speed 1]      serve, add the sources, report progress; Ctrl-C stops
 *   yuqing demo --remove [--port 3999]         remove the demo's sources (their items stay)
 */
import { parseArgs } from 'node:util';
import type { Config } from '@yuqing/config';
import {
  createPool,
  findSource,
  hashPassword,
  insertUser,
  listUsers,
  randomPassword,
  recordAudit,
  removeSource,
  setSourceEnabled,
  sourceInputSchema,
  upsertSource,
  withTransaction,
  type Pool,
} from '@yuqing/db';
import { createAddressPolicy } from '@yuqing/net';
import { startDemoServer, type DemoServer } from '../demo/server';
import { DEMO_SECONDS } from '../demo/stream';
import { cliActor, cliConfig, untilSignal, withDb } from '../context';
import { CliError, println, type CliIO, type Command } from '../io';

export const DEMO_PORT = 3999;
const LEVEL_NAMES: Record<string, string> = { none: '无', blue: '蓝色', yellow: '黄色', orange: '橙色', red: '红色' };

/** The demo's sources for a server on this base URL. */
function demoSources(base: string) {
  return [
    { name: '演示·示例市新闻', url: `${base}/news.xml`, pollInterval: 10, authority: 2 },
    { name: '演示·示例微博', url: `${base}/posts.xml`, pollInterval: 10, authority: 1 },
    { name: '演示·热搜榜（模拟）', url: `${base}/hot.xml`, pollInterval: 10, authority: 1, hotList: 'national' as const },
  ];
}

/** True when the crawler, configured like this process, may fetch from 127.0.0.1. */
export function crawlerReachesLoopback(cfg: Config): boolean {
  return createAddressPolicy(cfg.FETCH_ALLOWLIST).check('127.0.0.1', '127.0.0.1');
}

/** Adds (or refreshes) the demo's sources and makes them due now; returns their ids. */
async function addDemoSources(db: Pool, base: string): Promise<number[]> {
  return withTransaction(db, async (c) => {
    const ids: number[] = [];
    for (const raw of demoSources(base)) {
      const { source, created } = await upsertSource(c, sourceInputSchema.parse(raw));
      await setSourceEnabled(c, source.id, true);
      await recordAudit(c, { ...cliActor(), action: created ? 'source.add' : 'source.update', entity: 'source', entityId: source.id, after: source });
      ids.push(source.id);
    }
    return ids;
  });
}

/** A duty officer to log in as, when there is none yet: name and password (shown once). */
async function ensureDutyOfficer(db: Pool): Promise<{ name: string; password: string | null }> {
  const existing = (await listUsers(db)).find((u) => u.role === 'pr' && !u.disabled);
  if (existing) return { name: existing.name, password: null };
  const password = randomPassword();
  const passwordHash = await hashPassword(password);
  const user = await withTransaction(db, async (c) => {
    const u = await insertUser(c, { name: 'demo', displayName: '值班员（演示）', role: 'pr', passwordHash });
    if (u) await recordAudit(c, { ...cliActor(), action: 'user.create', entity: 'user', entityId: u.id, after: u });
    return u;
  });
  if (!user) return { name: 'demo', password: null }; // someone named demo exists (not a pr): log in as any pr user
  return { name: user.name, password };
}

/** What the system made of the demo so far: items stored, the highest level of their topics, source errors. */
export async function demoProgress(db: Pool, sourceIds: number[]): Promise<{ items: number; analysed: number; level: string; topic: string | null; errors: string[] }> {
  const { rows } = await db.query<{ items: number; analysed: number }>(
    `SELECT count(*)::int AS items, count(a.item_id)::int AS analysed FROM items i LEFT JOIN item_analysis a ON a.item_id = i.id WHERE i.source_id = ANY($1::bigint[])`,
    [sourceIds],
  );
  const { rows: topics } = await db.query<{ level: string; title: string }>(
    `SELECT t.level, t.title FROM topics t
     WHERE t.id IN (SELECT st.topic_id FROM story_items si JOIN stories st ON st.id = si.story_id JOIN items i ON i.id = si.item_id WHERE i.source_id = ANY($1::bigint[]))
     ORDER BY array_position(ARRAY['red','orange','yellow','blue','none'], t.level), t.id LIMIT 1`,
    [sourceIds],
  );
  const { rows: errs } = await db.query<{ name: string; last_error: string }>(
    'SELECT name, last_error FROM sources WHERE id = ANY($1::bigint[]) AND consecutive_errors > 0 AND last_error IS NOT NULL',
    [sourceIds],
  );
  return { items: rows[0]?.items ?? 0, analysed: rows[0]?.analysed ?? 0, level: topics[0]?.level ?? 'none', topic: topics[0]?.title ?? null, errors: errs.map((e) => `${e.name}: ${e.last_error}`) };
}

export interface DemoRun {
  server: DemoServer;
  sourceIds: number[];
  stop(): Promise<void>;
}

/**
 * Starts the demo against the database of `cfg`: the server, the sources, a duty officer; then
 * prints progress every few seconds until the stream is over and the warning is up (or `signal`).
 */
export async function startDemo(cfg: Config, io: CliIO, opts: { port?: number; speed?: number } = {}): Promise<DemoRun> {
  const server = await startDemoServer({ port: opts.port ?? DEMO_PORT, ...(opts.speed ? { speed: opts.speed } : {}) }).catch((err: NodeJS.ErrnoException) => {
    throw new CliError(err.code === 'EADDRINUSE' ? `port ${opts.port ?? DEMO_PORT} is in use (another demo running?): try --port` : `cannot start the demo server: ${err.message}`);
  });
  const db = createPool({ url: cfg.DATABASE_URL, schema: cfg.DATABASE_SCHEMA, max: 2, applicationName: 'yuqing-demo' });
  try {
    const sourceIds = await addDemoSources(db, server.url);
    const duty = await ensureDutyOfficer(db);
    const page = `http://${cfg.API_HOST === '0.0.0.0' ? '127.0.0.1' : cfg.API_HOST}:${cfg.API_PORT}/`;
    println(io.stdout, `演示数据源已添加，在 ${server.url} 上发布约 ${Math.round(DEMO_SECONDS / (opts.speed ?? 1))} 秒：示例市新闻、示例微博（一条涉警负面帖及其转发）、热搜榜（模拟）。`);
    println(io.stdout, `打开 ${page} ，以值班员 ${duty.name} 登录${duty.password ? `（密码：${duty.password}，只显示这一次）` : ''}：两分钟内预警页会出现预警。`);
    let last = '';
    let done = false;
    const timer = setInterval(() => {
      demoProgress(db, sourceIds)
        .then((p) => {
          const line = `[demo] 已发布 ${Math.min(100, Math.round((server.elapsed() / DEMO_SECONDS) * 100))}%，已采集 ${p.items} 条，已分析 ${p.analysed} 条，话题最高级别：${LEVEL_NAMES[p.level] ?? p.level}${p.topic ? `（${p.topic}）` : ''}`;
          if (line !== last) println(io.stdout, line);
          last = line;
          for (const e of p.errors) println(io.stderr, `[demo] 采集出错 ${e}${/blocked|private|loopback/i.test(e) ? '（采集服务不允许访问 127.0.0.1：用 pnpm start -- --demo 启动，或设置 FETCH_ALLOWLIST=127.0.0.1 后重启）' : ''}`);
          if (!done && ['yellow', 'orange', 'red'].includes(p.level)) {
            done = true;
            println(io.stdout, `[demo] 预警已产生：${LEVEL_NAMES[p.level]}。在页面上确认它，或打开话题看它的传播与原因。Ctrl-C 结束演示；yuqing demo --remove 删除演示数据源。`);
          }
        })
        .catch((err: unknown) => println(io.stderr, `[demo] ${err instanceof Error ? err.message : String(err)}`));
    }, 5_000);
    timer.unref();
    return {
      server,
      sourceIds,
      stop: async () => {
        clearInterval(timer);
        await server.close();
        await db.end();
      },
    };
  } catch (err) {
    await server.close();
    await db.end();
    throw err;
  }
}

async function removeDemo(cfg: Config, io: CliIO, port: number): Promise<number> {
  const removed = await withDb(cfg, (db) =>
    withTransaction(db, async (c) => {
      const out: string[] = [];
      for (const raw of demoSources(`http://127.0.0.1:${port}`)) {
        const s = await findSource(c, raw.url);
        if (!s) continue;
        await removeSource(c, s.id);
        await recordAudit(c, { ...cliActor(), action: 'source.remove', entity: 'source', entityId: s.id, before: s });
        out.push(s.name);
      }
      return out;
    }),
  );
  println(io.stdout, removed.length ? `removed the demo sources: ${removed.join('、')} (their items stay)` : 'no demo sources to remove');
  return 0;
}

export const run: Command = async (argv, io) => {
  const { values } = parseArgs({ args: argv, strict: true, options: { port: { type: 'string' }, speed: { type: 'string' }, remove: { type: 'boolean' } } });
  const port = values.port === undefined ? DEMO_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CliError('--port must be a port number');
  const speed = values.speed === undefined ? 1 : Number(values.speed);
  if (!(speed >= 0.1 && speed <= 100)) throw new CliError('--speed must be between 0.1 and 100');
  const cfg = cliConfig(io);
  if (values.remove) return removeDemo(cfg, io, port);
  if (!crawlerReachesLoopback(cfg)) {
    println(io.stderr, 'note: FETCH_ALLOWLIST does not allow 127.0.0.1 here; unless the running crawler was started with it (pnpm start -- --demo does that), it will refuse the demo feeds and say so below.');
  }
  const demo = await startDemo(cfg, io, { port, speed });
  await untilSignal();
  await demo.stop();
  println(io.stdout, 'demo stopped (its sources stay; yuqing demo --remove removes them)');
  return 0;
};
