/**
 * Real processes for the fault suite: the yuqing services as `node --import tsx services/cli/src/main.ts …`
 * children, private redis-server and PostgreSQL instances, and a registry that kills whatever is left
 * (children, servers, temp dirs) at the end of a case, even when it failed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, chownSync, readFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const MAIN = path.join(ROOT, 'services/cli/src/main.ts');
const PG_BIN = '/usr/lib/postgresql/15/bin';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function waitFor<T>(fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, what: string, timeoutMs: number, everyMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${String(lastErr)})` : ''}`);
    await sleep(everyMs);
  }
}

/** A child process we started, with its output kept in a log file. */
export class Proc {
  readonly child: ChildProcess;
  readonly logFile: string;
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;
  readonly exited: Promise<void>;
  constructor(
    readonly name: string,
    cmd: string,
    args: string[],
    opts: { env?: Record<string, string>; cwd?: string; logDir: string },
  ) {
    this.logFile = path.join(opts.logDir, `${name}.log`);
    const out = createWriteStream(this.logFile, { flags: 'a' });
    this.child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.pipe(out, { end: false });
    this.child.stderr?.pipe(out, { end: false });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        resolve();
      });
    });
  }
  get pid(): number {
    return this.child.pid ?? -1;
  }
  get running(): boolean {
    return this.exitCode === null && this.exitSignal === null;
  }
  kill9(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    return this.exited;
  }
  /** SIGTERM; resolves with how long the process took to exit (it is killed after `killAfterMs`). */
  async term(killAfterMs = 15_000): Promise<number> {
    const t0 = Date.now();
    if (!this.running) return 0;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), killAfterMs);
    await this.exited;
    clearTimeout(timer);
    return Date.now() - t0;
  }
  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }
}

/** Everything one case started, so it can all be stopped and removed whatever happened. */
export class Rig {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'yq-faults-'));
  private readonly procs: Proc[] = [];
  private readonly cleanups: Array<() => Promise<void> | void> = [];
  constructor() {
    // PostgreSQL (run as postgres) writes its data directory here too.
    chownSync(this.dir, 101, 104);
    spawnSync('chmod', ['0777', this.dir]);
  }
  track(p: Proc): Proc {
    this.procs.push(p);
    return p;
  }
  onCleanup(fn: () => Promise<void> | void): void {
    this.cleanups.push(fn);
  }
  /** A yuqing service (crawler, analyzer, api) as a real process. */
  service(name: string, cmd: 'crawler' | 'analyzer' | 'api', env: Record<string, string>): Proc {
    return this.track(new Proc(name, process.execPath, ['--import', 'tsx', MAIN, cmd], { env, logDir: this.dir }));
  }
  /** `yuqing <args>` to completion; throws with its output when it fails. */
  cli(args: string[], env: Record<string, string>): string {
    const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`yuqing ${args.join(' ')} failed (${r.status}): ${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }
  /** Every process started by this rig, by name: still running or not. */
  all(): Proc[] {
    return [...this.procs];
  }
  async cleanup(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.kill9()));
    for (const fn of this.cleanups.reverse()) await Promise.resolve(fn()).catch(() => undefined);
    if (!process.env.FAULTS_KEEP_LOGS) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A private redis-server (no persistence): stop it without saving, start it again on the same port. */
export class PrivateRedis {
  proc: Proc | null = null;
  private starts = 0;
  constructor(
    private readonly rig: Rig,
    readonly port: number,
  ) {}
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }
  static async start(rig: Rig): Promise<PrivateRedis> {
    const r = new PrivateRedis(rig, await freePort());
    await r.startAgain();
    return r;
  }
  async startAgain(): Promise<void> {
    this.starts++;
    this.proc = this.rig.track(
      new Proc(`redis-${this.starts}`, 'redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', this.rig.dir], { logDir: this.rig.dir }),
    );
    await waitFor(() => spawnSync('redis-cli', ['-p', String(this.port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG', 'private redis up', 10_000, 100);
  }
  /** SHUTDOWN NOSAVE: everything in it is gone. */
  async shutdownNoSave(): Promise<void> {
    spawnSync('redis-cli', ['-p', String(this.port), 'shutdown', 'nosave']);
    await Promise.race([this.proc?.exited, sleep(5000)]);
    await this.proc?.kill9();
  }
}

/** A private PostgreSQL 15 cluster in the rig's directory, run as the postgres user, trust auth. */
export class PrivatePg {
  readonly dataDir: string;
  constructor(
    private readonly rig: Rig,
    readonly port: number,
  ) {
    this.dataDir = path.join(rig.dir, 'pg');
  }
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }
  private pgctl(...args: string[]): void {
    const r = spawnSync('runuser', ['-u', 'postgres', '--', `${PG_BIN}/pg_ctl`, '-D', this.dataDir, '-w', '-t', '30', '-o', `-p ${this.port} -k ${this.rig.dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-l', path.join(this.rig.dir, 'pg.log'), ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`pg_ctl ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  }
  static async start(rig: Rig): Promise<PrivatePg> {
    const pg = new PrivatePg(rig, await freePort());
    const r = spawnSync('runuser', ['-u', 'postgres', '--', `${PG_BIN}/initdb`, '-D', pg.dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`initdb: ${r.stdout}${r.stderr}`);
    pg.pgctl('start');
    rig.onCleanup(() => {
      try {
        pg.pgctl('stop', '-m', 'immediate');
      } catch {
        /* already stopped */
      }
    });
    return pg;
  }
  restart(): void {
    this.pgctl('restart', '-m', 'fast');
  }
  stop(): void {
    this.pgctl('stop', '-m', 'fast');
  }
  startAgain(): void {
    this.pgctl('start');
  }
}

/** The OS process holding the TCP connection whose local port is `port` (from `ss -tnp`). */
export function pidOfClientPort(port: number): number | null {
  const out = spawnSync('ss', ['-tnpH', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8' }).stdout;
  const m = /pid=(\d+)/.exec(out);
  return m ? Number(m[1]) : null;
}
