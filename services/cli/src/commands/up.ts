/**
 * `yuqing up` (what `pnpm start` runs) — migrates the database, then starts every service as its
 * own child process and keeps them running: a crashed service is restarted with backoff, and
 * SIGINT/SIGTERM stops them all gracefully.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ruleSchema } from '@yuqing/alerting';
import { insertAlertRule, listAlertRules, migrate, type Pool } from '@yuqing/db';
import { cliConfig, untilSignal, withDb } from '../context';
import { crawlerReachesLoopback, startDemo } from './demo';
import { CliError, println, type CliIO, type Command } from '../io';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const SERVICES = ['api', 'crawler', 'analyzer'] as const;

function startChild(name: string, io: CliIO, onExit: (code: number | null) => void, extraEnv?: Record<string, string>): ChildProcess {
  // Same Node, same loader flags (tsx), same environment (plus extraEnv): the child is `yuqing <name>`.
  // A supervisor hands its environment on to its children: the one place that reads it whole.
  // eslint-disable-next-line no-restricted-properties
  const env = extraEnv ? { ...process.env, ...extraEnv } : undefined;
  const child = spawn(process.execPath, [...process.execArgv, MAIN, name], { stdio: ['ignore', 'pipe', 'pipe'], ...(env ? { env } : {}) });
  const prefix = (chunk: Buffer) =>
    chunk
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((l) => `[${name}] ${l}\n`)
      .join('');
  child.stdout?.on('data', (c: Buffer) => io.stdout.write(prefix(c)));
  child.stderr?.on('data', (c: Buffer) => io.stderr.write(prefix(c)));
  child.on('exit', onExit);
  return child;
}

/**
 * A fresh installation gets one rule, so the duty page shows warnings from the first start:
 * police-negative topics at yellow or above, seen by every role. Only when there is no rule at all.
 */
export async function seedDefaultRule(db: Pool): Promise<string | null> {
  if ((await listAlertRules(db)).length > 0) return null;
  const spec = ruleSchema.parse({ name: '涉警负面预警（黄色及以上）' });
  const created = await insertAlertRule(db, { spec });
  return created ? spec.name : null;
}

export const run: Command = async (argv, io) => {
  // `pnpm start -- --demo` hands the separator on too.
  const args = argv.filter((a) => a !== '--');
  const withDemo = args.length === 1 && args[0] === '--demo';
  if (args.length && !withDemo) throw new CliError('usage: yuqing up [--demo]');
  const cfg = cliConfig(io);
  // The demo's feeds are served on 127.0.0.1: the crawler (a child) must be let in.
  const childEnv = withDemo && !crawlerReachesLoopback(cfg) ? { FETCH_ALLOWLIST: [...cfg.FETCH_ALLOWLIST, '127.0.0.1'].join(',') } : undefined;
  const applied = await withDb(cfg, (db) => migrate(db, cfg.DATABASE_SCHEMA), { checkSchema: false }).catch((err: unknown) => {
    throw new CliError(`cannot migrate ${cfg.DATABASE_URL}: ${err instanceof Error ? err.message : String(err)}`, 1);
  });
  println(io.stdout, applied.length ? `database migrated: ${applied.join(', ')}` : 'database schema is up to date');
  const seeded = await withDb(cfg, seedDefaultRule);
  if (seeded) println(io.stdout, `no alert rules yet: added the default rule "${seeded}" (edit or replace it through /api/rules)`);

  let stopping = false;
  const children = new Map<string, ChildProcess>();
  const restarts = new Map<string, number>();
  const launch = (name: string) => {
    const onExit = (code: number | null) => {
      children.delete(name);
      if (stopping) return;
      const n = (restarts.get(name) ?? 0) + 1;
      restarts.set(name, n);
      const delay = Math.min(30_000, 500 * 2 ** Math.min(n, 6));
      println(io.stderr, `[up] ${name} exited with ${code}; restarting in ${Math.round(delay / 1000)}s`);
      setTimeout(() => !stopping && launch(name), delay).unref();
    };
    const child = startChild(name, io, onExit, childEnv);
    children.set(name, child);
  };
  for (const s of SERVICES) launch(s);
  println(io.stdout, `yuqing is starting: API and live duty page on http://${cfg.API_HOST}:${cfg.API_PORT}/ (API docs: /docs, health: /healthz, readiness: /readyz); crawler and analyzer workers running. Ctrl-C stops everything.`);

  const demo = withDemo ? await startDemo(cfg, io) : null;

  await untilSignal();
  stopping = true;
  await demo?.stop();
  println(io.stdout, '[up] stopping services…');
  const stopStarted = Date.now();
  // Each service cuts its work in hand after SHUTDOWN_GRACE_MS (3 s by default) and stops within
  // about a second of that; one still running well after is named, and killed after STOP_KILL_MS
  // so that a service manager's own timeout is never what ends yuqing.
  const STOP_KILL_MS = Math.max(10_000, cfg.SHUTDOWN_GRACE_MS + 5000);
  await Promise.all(
    [...children].map(
      ([name, c]) =>
        new Promise<void>((resolveExit) => {
          const slow = setTimeout(() => println(io.stderr, `[up] ${name} is still stopping after ${Math.round((Date.now() - stopStarted) / 1000)}s…`), cfg.SHUTDOWN_GRACE_MS + 2000);
          const kill = setTimeout(() => {
            println(io.stderr, `[up] ${name} did not stop within ${STOP_KILL_MS / 1000}s: killed (SIGKILL)`);
            c.kill('SIGKILL');
          }, STOP_KILL_MS);
          c.once('exit', () => {
            clearTimeout(slow);
            clearTimeout(kill);
            resolveExit();
          });
          c.kill('SIGTERM');
        }),
    ),
  );
  println(io.stdout, `[up] stopped in ${((Date.now() - stopStarted) / 1000).toFixed(1)}s`);
  return 0;
};
