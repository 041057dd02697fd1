/**
 * Fault: `kill -9` of one of two API processes while 500 live alert streams are open on them and
 * alert events are flowing. Both processes serve one schema and queue prefix (as two replicas
 * behind a load balancer); the crawler and analyzer turn the feed server's crisis into a warning,
 * and duty officers work it through the API (raise, acknowledge, lower: one alert event each), so
 * events keep coming. Each client of the killed process goes on at the other with the Last-Event-ID
 * of the last event it received, as EventSource does on a reconnect. Every client must end up with
 * exactly the alert_events its role may see, in id order, once each; the other process's clients
 * are not disturbed; it keeps serving; and it stops cleanly with its 500 streams open.
 *
 * A second, quiet round checks the reconnect of a client that had received nothing: 20 streams
 * opened on a restarted A with no event between their open and A's kill, while events are
 * appended during the outage. EventSource then has a Last-Event-ID only if the server gave one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { install, waitAllAnalysed, waitAllStored, type Installation } from './support/case';
import { freePort, Rig, waitFor, type Proc } from './support/procs';
import { SseReader } from './support/sse';
import { expectCleanStop } from './support/stop';

let rig: Rig | undefined;
const readers: SseReader[] = [];
let operator: Operator | undefined;
afterEach(async () => {
  operator?.stop();
  await operator?.done;
  operator = undefined;
  for (const r of readers.splice(0)) r.close();
  await rig?.cleanup();
  rig = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface DbEvent {
  id: number;
  type: string;
  audience_roles: string[];
}

const dbEvents = async (i: Installation): Promise<DbEvent[]> => (await i.db.query<DbEvent>('SELECT id, type, audience_roles FROM alert_events ORDER BY id')).rows;
const dbHead = async (i: Installation): Promise<number> => Number((await i.db.query<{ n: string | null }>('SELECT max(id) AS n FROM alert_events')).rows[0]!.n ?? 0);
const forRole = (events: DbEvent[], role: string): DbEvent[] => events.filter((e) => e.audience_roles.includes(role));
const lastId = (r: SseReader): number => r.events.at(-1)?.id ?? 0;

/** A user of `role` made with the CLI, and an API token of theirs (the last line `tokens create` prints). */
function userWithToken(r: Rig, env: Record<string, string>, name: string, role: string): string {
  r.cli(['users', 'add', '--role', role, '--name', name], env);
  const out = r.cli(['tokens', 'create', '--user', name, '--name', 'faults'], env).trim().split('\n');
  return out.at(-1)!.trim();
}

/** Opens (or reopens, with its Last-Event-ID) each reader's stream on `base`, 50 at a time. */
async function connectAll(rs: SseReader[], base: string): Promise<void> {
  for (let k = 0; k < rs.length; k += 50) await Promise.all(rs.slice(k, k + 50).map((r) => r.connect(base)));
}

/**
 * Duty officers working one alert through the API: raise it to orange ('escalated'), acknowledge it
 * ('acknowledged'), lower it to yellow ('updated'), again and again, each request to the next of
 * `targets` in turn. A request to a process that is gone fails and is not retried (its outcome is
 * whatever PostgreSQL committed: the stream is checked against the database, not against this).
 */
class Operator {
  private stopped = false;
  private paused = false;
  private busy: Promise<void> = Promise.resolve();
  readonly done: Promise<void>;
  sent = 0;
  failed = 0;
  constructor(
    public targets: string[],
    private readonly token: string,
    private readonly alertId: number,
  ) {
    this.done = this.run();
  }
  private async run(): Promise<void> {
    const steps = [
      { method: 'PATCH', path: 'level', body: { level: 'orange', reason: '值班研判：舆情升温，上调级别' } },
      { method: 'POST', path: 'acknowledge', body: { comment: '已通知城南分局核查' } },
      { method: 'PATCH', path: 'level', body: { level: 'yellow', reason: '值班研判：已回应，下调级别' } },
    ];
    for (let k = 0; !this.stopped; k++) {
      if (this.paused) {
        await sleep(50);
        k--;
        continue;
      }
      const step = steps[k % steps.length]!;
      const base = this.targets[k % this.targets.length]!;
      let finish!: () => void;
      this.busy = new Promise((r) => (finish = r));
      try {
        const res = await fetch(`${base}/api/alerts/${this.alertId}/${step.path}`, {
          method: step.method,
          headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
          body: JSON.stringify(step.body),
          signal: AbortSignal.timeout(10_000),
        });
        await res.text();
        if (res.ok) this.sent++;
        else this.failed++;
      } catch {
        this.failed++;
      } finally {
        finish();
      }
      await sleep(80);
    }
  }
  /** Stops sending; resolves once no request is in flight. */
  async pause(): Promise<void> {
    this.paused = true;
    await this.busy;
  }
  resume(): void {
    this.paused = false;
  }
  stop(): void {
    this.stopped = true;
  }
}

/** Waits until the log has grown by `n` events past `from`; returns the new head. */
const waitGrown = (i: Installation, from: number, n: number, what: string) =>
  waitFor(async () => {
    const h = await dbHead(i);
    return h >= from + n ? h : 0;
  }, what, 60_000, 100);

/** Waits until every reader has received the newest event its role may see. */
async function waitCaughtUp(i: Installation, rs: SseReader[], timeoutMs: number): Promise<DbEvent[]> {
  return waitFor(async () => {
    const all = await dbEvents(i);
    const newest = new Map<string, number>();
    for (const role of new Set(rs.map((r) => r.role))) newest.set(role, forRole(all, role).at(-1)?.id ?? 0);
    return rs.every((r) => lastId(r) >= newest.get(r.role)!) ? all : null;
  }, 'every stream caught up with the log', timeoutMs, 200);
}

describe('an API process killed under 500 live alert streams', () => {
  it('kill -9 of A while events flow: its clients resume on B by Last-Event-ID with no gap and no duplicate; B unaffected, keeps serving, stops cleanly', async () => {
    rig = new Rig();
    const inst = await install(rig, 'apikill', {
      speed: 4,
      // The warning stays open for the duty officers to work on; heartbeats are part of every stream.
      env: { ALERT_AUTO_RESOLVE: 'never', SSE_HEARTBEAT_MS: '5000', SSE_RETRY_MS: '1000' },
    });
    const tokens = {
      admin: userWithToken(rig, inst.env, 'duty-admin', 'admin'),
      leader: userWithToken(rig, inst.env, 'duty-leader', 'leader'),
    };
    const [portA, portB] = [await freePort(), await freePort()];
    const envA = { ...inst.env, API_PORT: String(portA) };
    const urlA = `http://127.0.0.1:${portA}`;
    const urlB = `http://127.0.0.1:${portB}`;
    const apiA = rig.service('api-a', 'api', envA);
    const apiB = rig.service('api-b', 'api', { ...inst.env, API_PORT: String(portB) });
    const healthy = (url: string) => waitFor(async () => (await fetch(`${url}/healthz`)).ok, `${url} healthy`, 60_000, 200);
    await Promise.all([healthy(urlA), healthy(urlB)]);

    // 250 streams on each process, half of them admins and half leaders, opened before anything is
    // crawled: the whole event log is theirs to receive.
    const onA: SseReader[] = [];
    const onB: SseReader[] = [];
    for (let k = 0; k < 500; k++) {
      const role = k % 2 === 0 ? 'admin' : 'leader';
      const r = new SseReader(`c${k}`, role, tokens[role]);
      (k < 250 ? onA : onB).push(r);
      readers.push(r);
    }
    await Promise.all([connectAll(onA, urlA), connectAll(onB, urlB)]);
    expect(readers.flatMap((r) => r.refusals), 'streams refused').toEqual([]);
    expect(readers.filter((r) => r.connects !== 1 || !r.open).map((r) => r.name), 'streams not open').toEqual([]);
    expect(await dbHead(inst), 'no alert event before the pipeline starts').toBe(0);

    const crawler = rig.service('crawler', 'crawler', inst.env);
    const analyzer = rig.service('analyzer', 'analyzer', inst.env);
    const firing = await waitFor(
      async () => (await inst.db.query<{ alert_id: number }>("SELECT alert_id FROM alert_events WHERE type = 'firing' ORDER BY id LIMIT 1")).rows[0],
      'the crisis alerted (firing)',
      120_000,
      250,
    );
    operator = new Operator([urlA, urlB], tokens.admin, firing.alert_id);

    // Events flowing, every client of A has had some of them: kill A.
    await waitFor(async () => (await dbHead(inst)) >= 30 && onA.every((r) => r.events.length >= 15), 'events flowing to the clients of A', 90_000, 50);
    await apiA.kill9();
    const headAtKill = await dbHead(inst);
    operator.targets = [urlB];
    expect(apiA.exitSignal).toBe('SIGKILL');
    await waitFor(() => onA.every((r) => !r.open), 'every client of A cut off', 10_000, 50);
    const heldByA = onA.map(lastId);
    console.log(`[faults] A killed at event ${headAtKill}; its clients had up to ${Math.min(...heldByA)}…${Math.max(...heldByA)}`);
    expect(onA.every((r) => r.ends[0] !== 'end'), 'the streams of A were cut, not ended').toBe(true);

    // The outage lasts until the log has grown by 20 events none of A's clients has seen; then
    // each reconnects, to B, with its Last-Event-ID.
    await waitGrown(inst, Math.max(headAtKill, ...heldByA), 20, 'events appended during the outage');
    expect(onB.every((r) => r.open && r.connects === 1), 'the clients of B still on their first stream').toBe(true);
    await connectAll(onA, urlB);
    expect(onA.flatMap((r) => r.refusals), 'resumes refused by B').toEqual([]);
    expect(onA.every((r) => r.open && r.connects === 2), 'every client of A resumed on B').toBe(true);
    await waitGrown(inst, await dbHead(inst), 30, 'events after the resume');

    // The quiet round: nothing is appended between opening 20 streams on a restarted A and killing it.
    await operator.pause();
    await waitCaughtUp(inst, readers, 30_000);
    const apiA2 = rig.service('api-a2', 'api', envA);
    await healthy(urlA);
    const quietFrom = await dbHead(inst);
    const late: SseReader[] = [];
    for (let k = 0; k < 20; k++) {
      const role = k % 2 === 0 ? 'admin' : 'leader';
      late.push(new SseReader(`late${k}`, role, tokens[role]));
    }
    readers.push(...late);
    await connectAll(late, urlA);
    expect(late.flatMap((r) => r.refusals)).toEqual([]);
    await apiA2.kill9();
    const quietTo = await dbHead(inst);
    await waitFor(() => late.every((r) => !r.open), 'the late streams cut off', 10_000, 50);
    const lateIdAtCut = new Map(late.map((r) => [r, r.lastEventId]));
    operator.resume();
    await waitGrown(inst, quietTo, 10, 'events appended while the late streams are away');
    await connectAll(late, urlB);
    expect(late.flatMap((r) => r.refusals)).toEqual([]);
    await waitGrown(inst, await dbHead(inst), 10, 'events after the late streams resumed');
    operator.stop();
    await operator.done;
    console.log(`[faults] operator: ${operator.sent} changes made, ${operator.failed} requests failed`);

    // The pipeline done (nothing more to alert on), every stream caught up with a log that no
    // longer grows: what each received is compared with the log.
    await waitAllStored(inst, 120_000);
    await waitAllAnalysed(inst, 60_000);
    let log = await waitCaughtUp(inst, readers, 60_000);
    for (;;) {
      await sleep(2000);
      const again = await waitCaughtUp(inst, readers, 60_000);
      if (again.length === log.length) break;
      log = again;
    }
    console.log(`[faults] ${log.length} alert events; quiet round from ${quietFrom} to ${quietTo}`);
    expect(log.length).toBeGreaterThan(100);
    for (const role of ['admin', 'leader']) expect(forRole(log, role).length, `events for ${role}`).toBeGreaterThan(100);

    const problems: string[] = [];
    const check = (r: SseReader, want: DbEvent[]): void => {
      const got = r.events.map((e) => e.id);
      const ids = want.map((e) => e.id);
      if (got.join() !== ids.join()) {
        const seen = new Set<number>();
        const dup = got.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
        const missing = ids.filter((id) => !seen.has(id));
        problems.push(`${r.name} (${r.role}, via ${r.servers.join(' → ')}): ${got.length} events for ${ids.length}; missing ${missing.slice(0, 10).join(',')}; duplicated ${dup.slice(0, 10).join(',')}`);
        return;
      }
      const wrongType = r.events.filter((e, k) => e.type !== want[k]!.type || e.dataId !== e.id);
      if (wrongType.length) problems.push(`${r.name}: ${wrongType.length} events with a wrong type or data id`);
    };
    for (const r of [...onA, ...onB]) check(r, forRole(log, r.role));
    // A late stream started at the head when it opened: somewhere in the quiet interval.
    for (const r of late) {
      const mine = forRole(log, r.role);
      const starts = [quietFrom, ...mine.filter((e) => e.id > quietFrom && e.id <= quietTo).map((e) => e.id)];
      const got = r.events.map((e) => e.id).join();
      if (!starts.some((s) => mine.filter((e) => e.id > s).map((e) => e.id).join() === got)) {
        const first = r.events[0]?.id;
        problems.push(`${r.role} ${r.name} (opened at head ${quietFrom}…${quietTo}, Last-Event-ID at the cut "${lateIdAtCut.get(r)}"): got ${r.events.length} events from ${first}, want every event after the head`);
      }
    }
    expect(problems, 'streams whose events differ from the log').toEqual([]);

    // B's own clients never noticed: one stream each, never cut.
    expect(onB.filter((r) => r.connects !== 1 || r.ends.length !== 0 || !r.open).map((r) => r.name), 'clients of B disturbed').toEqual([]);
    // B keeps serving: a new stream from the start of the log gets all of it.
    expect(apiB.running).toBe(true);
    expect((await fetch(`${urlB}/healthz`)).status).toBe(200);
    const fresh = new SseReader('fresh', 'admin', tokens.admin);
    readers.push(fresh);
    await fresh.connect(urlB, '/api/alerts/stream?lastEventId=0');
    await waitFor(() => lastId(fresh) >= (forRole(log, 'admin').at(-1)?.id ?? 0), 'a new stream on B served the log', 30_000, 100);
    expect(fresh.events.map((e) => e.id)).toEqual(forRole(log, 'admin').map((e) => e.id));

    // A clean stop of B with its 521 streams open: each ended by the server, within 5 s.
    const onBNow = readers.filter((r) => r.open);
    expect(onBNow.length).toBe(521);
    const stopped: Proc[] = [crawler, analyzer, apiB];
    await expectCleanStop(stopped);
    await waitFor(() => onBNow.every((r) => !r.open), 'every stream closed', 10_000, 50);
    expect(onBNow.filter((r) => r.ends.at(-1) !== 'end').map((r) => `${r.name}: ${r.ends.at(-1)}`), 'streams not ended cleanly by B').toEqual([]);
  });
});
