/**
 * yuqing's queues and Redis use on a Redis Cluster (issue 14, item 7). The test starts its own
 * three-master cluster (redis-server children on free ports, a temporary directory) and never
 * touches the shared Redis; without redis-server / redis-cli, or if the cluster does not form, the
 * cluster block is skipped under a title that says why.
 *
 * What runs on the cluster is yuqing's own code: createRedis (seeded from REDIS_CLUSTER_NODES),
 * the analyze/crawl/topic queue factories and their idempotent enqueue helpers with a Worker on a
 * createRedis('worker') connection, the crawler's host gate (a two-key Lua script), and the API's
 * invalidation feed (a duplicate()d subscriber) and pub/sub channels.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig, redisClusterNodes, type RedisClusterNode } from '@yuqing/config';
import {
  alertEventsChannel,
  analyzeJobId,
  authEventsChannel,
  crawlJobId,
  createAnalyzeQueue,
  createCrawlQueue,
  createRedis,
  createTopicQueue,
  enqueueAnalysis,
  enqueueTopics,
  publishAlertEvents,
  publishAuthChange,
  topicLevelChannel,
  type AnalyzePayload,
  subscriberOf,
} from '@yuqing/queue';
import { createHostGate } from '../../../services/crawler/src/host-gate';
import { InvalidationFeed, type InvalidationFeedOptions } from '../../../services/api/src/invalidation-feed';
import { announceAuthChange } from '../../../services/cli/src/auth-events';
import { LoginLimiter } from '../../../services/api/src/login-limiter';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = pino({ level: 'silent' });

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

/** A port P with P and its cluster bus port P + 10000 free. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const p = 20_000 + Math.floor(Math.random() * 20_000);
    if (taken.has(p) || taken.has(p + 10_000)) continue;
    if ((await portFree(p)) && (await portFree(p + 10_000))) {
      taken.add(p);
      taken.add(p + 10_000);
      return p;
    }
  }
  throw new Error('no free port pair');
}

interface LocalCluster {
  nodes: RedisClusterNode[];
  stop(): Promise<void>;
}

/** Starts three cluster-enabled redis-servers and joins them as three masters (no replicas). */
async function startLocalCluster(): Promise<LocalCluster> {
  for (const bin of ['redis-server', 'redis-cli']) {
    if (spawnSync(bin, ['--version']).status !== 0) throw new Error(`${bin} is not installed`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'yuqing-cluster-'));
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const taken = new Set<number>();
    const ports = [await freeClusterPort(taken), await freeClusterPort(taken), await freeClusterPort(taken)];
    for (const p of ports) {
      const child = spawn(
        'redis-server',
        ['--port', String(p), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${p}.conf`), '--cluster-node-timeout', '5000', '--save', '', '--appendonly', 'no', '--dir', dir],
        { stdio: 'ignore' },
      );
      children.push(child);
    }
    for (const p of ports) {
      await until(`redis-server on ${p}`, () => spawnSync('redis-cli', ['-p', String(p), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG', 10_000);
    }
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${(create.stderr || create.stdout).slice(-300)}`);
    for (const p of ports) {
      await until(`cluster_state:ok on ${p}`, () => /cluster_state:ok/.test(spawnSync('redis-cli', ['-p', String(p), 'cluster', 'info'], { encoding: 'utf8' }).stdout), 20_000);
    }
    return { nodes: ports.map((port) => ({ host: '127.0.0.1', port })), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

// Started at collection time so that a failure can name the skipped block.
const started: LocalCluster | Error = await startLocalCluster().catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
const local = started instanceof Error ? null : started;
afterAll(async () => {
  await local?.stop();
});

const URL_FOR_AUTH = 'redis://127.0.0.1:1'; // host and port unused on a cluster: only credentials/TLS are taken

describe('Redis Cluster settings', () => {
  it('parses REDIS_CLUSTER_NODES and accepts a hash-tagged QUEUE_PREFIX', () => {
    const cfg = loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b:7001,[::1]:7002', QUEUE_PREFIX: '{yuqing}' });
    expect(cfg.REDIS_CLUSTER_NODES).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-b', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    expect(cfg.QUEUE_PREFIX).toBe('{yuqing}');
    expect(loadConfig({ QUEUE_PREFIX: 'yq:{a}:b' }).QUEUE_PREFIX).toBe('yq:{a}:b');
    expect(redisClusterNodes({ REDIS_CLUSTER_NODES: '127.0.0.1:7000' })).toEqual([{ host: '127.0.0.1', port: 7000 }]);
    expect(redisClusterNodes({})).toEqual([]);
  });

  it('keeps the single-Redis defaults when unset', () => {
    const cfg = loadConfig({});
    expect(cfg.REDIS_CLUSTER_NODES).toEqual([]);
    expect(cfg.QUEUE_PREFIX).toBe('yuqing');
    expect(createRedis('redis://127.0.0.1:1', 'producer', { lazyConnect: true }, [])).toBeInstanceOf(Redis);
  });

  it('refuses a cluster without a hash-tagged prefix, bad braces and bad node lists', () => {
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000' })).toThrow(/QUEUE_PREFIX.*hash tag/);
    for (const prefix of ['{}', '{a', 'a}', '{a}{b}', 'a b']) expect(() => loadConfig({ QUEUE_PREFIX: prefix }), prefix).toThrow(ConfigError);
    for (const nodes of ['127.0.0.1', '127.0.0.1:0', 'h:99999', 'a b:1']) expect(() => loadConfig({ REDIS_CLUSTER_NODES: nodes, QUEUE_PREFIX: '{y}' }), nodes).toThrow(ConfigError);
    expect(() => redisClusterNodes({ REDIS_CLUSTER_NODES: 'nope' })).toThrow(ConfigError);
  });
});

describe.skipIf(!local)(
  local ? 'yuqing on a local 3-master Redis Cluster' : `SKIPPED: a local Redis Cluster could not be started here — ${(started as Error).message}`,
  () => {
    const nodes = local?.nodes ?? [];
    const prefix = `{yqc-${randomBytes(4).toString('hex')}}`;
    const closers: Array<() => Promise<unknown> | void> = [];
    afterAll(async () => {
      for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => undefined);
    });
    const conn = (role: 'worker' | 'producer') => {
      const c = createRedis(URL_FOR_AUTH, role, {}, nodes);
      closers.push(() => c.disconnect());
      return c;
    };
    // A producer (no offline queue) refuses commands until the cluster is ready, as on one Redis:
    // BullMQ waits for that itself; direct commands wait here.
    const readyProducer = async () => {
      const c = conn('producer');
      await until('cluster producer ready', () => c.status === 'ready');
      return c;
    };
    const direct = (port: number) => {
      const r = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: null });
      closers.push(() => r.disconnect());
      return r;
    };

    it('the cluster has three masters sharing the slots, and createRedis makes Cluster connections', async () => {
      const c = conn('producer');
      expect(c).toBeInstanceOf(Cluster);
      await until('cluster ready', () => c.status === 'ready');
      const masters = (c as unknown as Cluster).nodes('master');
      expect(masters).toHaveLength(3);
      // Keys without a common hash tag spread over the nodes; the prefix puts a queue's keys in one slot.
      const slots = new Set(await Promise.all(['crawl', 'analyze', 'topics'].map((q) => c.cluster('KEYSLOT', `${prefix}:${q}:wait`) as Promise<number>)));
      expect(slots.size).toBe(1);
    });

    it('analyze, crawl and topic queues add, dedupe by job id, and a createRedis worker processes them', async () => {
      const producer = conn('producer');
      const analyze = createAnalyzeQueue(producer, prefix);
      const crawl = createCrawlQueue(producer, prefix);
      const topics = createTopicQueue(producer, prefix);
      closers.push(() => analyze.close(), () => crawl.close(), () => topics.close());

      await enqueueAnalysis(analyze, [1, 2, 3]);
      await enqueueAnalysis(analyze, [2, 3, 4]); // 2 and 3 are already waiting: no-ops
      const claimedAt = new Date();
      await crawl.add('crawl', { sourceId: 7, claimedAt: claimedAt.toISOString() }, { jobId: crawlJobId(7, claimedAt) });
      await crawl.add('crawl', { sourceId: 7, claimedAt: claimedAt.toISOString() }, { jobId: crawlJobId(7, claimedAt) });
      await enqueueTopics(topics, [5, 5, 6]);
      await enqueueTopics(topics, [6]);
      expect(await analyze.getWaitingCount()).toBe(4);
      expect(await crawl.getWaitingCount()).toBe(1);
      expect(await topics.getWaitingCount()).toBe(2);
      expect((await analyze.getJob(analyzeJobId(4)))?.data).toEqual({ itemId: 4 });

      const seen: number[] = [];
      const worker = new Worker<AnalyzePayload>(
        analyze.name,
        async (job) => {
          seen.push(job.data.itemId);
        },
        { connection: conn('worker'), prefix, concurrency: 4 },
      );
      closers.push(() => worker.close());
      worker.on('error', () => undefined);
      await until('4 analyze jobs completed', async () => (await analyze.getJobCounts('completed')).completed === 4);
      expect(seen.sort()).toEqual([1, 2, 3, 4]);
      // A finished job keeps its id for a while: enqueueing the item again is still a no-op.
      await enqueueAnalysis(analyze, [1]);
      await sleep(300);
      expect(seen).toHaveLength(4);
      expect(await analyze.getJobCounts('waiting', 'active', 'completed')).toMatchObject({ waiting: 0, active: 0, completed: 4 });
    });

    it('without a hash tag BullMQ fails on the cluster (CROSSSLOT) — why the config insists on one', async () => {
      const plain = new Queue('analyze', { connection: conn('producer'), prefix: `yqplain${randomBytes(3).toString('hex')}` });
      closers.push(() => plain.close());
      await expect(plain.add('analyze', { itemId: 1 }, { jobId: 'item-1' })).rejects.toThrow(/CROSSSLOT/);
    });

    it("the crawler's host gate (two-key script) acquires, serialises, keeps the gap and releases", async () => {
      const redis = conn('worker');
      const gapMs = 300;
      const gate = createHostGate(redis, { prefix: `${prefix}:gate`, defaultGapMs: gapMs, leaseMs: 10_000 });
      const spans: Array<[number, number]> = [];
      let inFlight = 0;
      let maxInFlight = 0;
      const task = async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const s = Date.now();
        await sleep(50);
        inFlight--;
        spans.push([s, Date.now()]);
        return 'ok';
      };
      const results = await Promise.all([gate.run('News.Example.cn', task), gate.run('news.example.cn', task), gate.run('other.example.cn', task)]);
      expect(results).toEqual(['ok', 'ok', 'ok']);
      expect(spans).toHaveLength(3);
      // Released: the lock key is gone, the next-allowed time is set (both keys in one slot).
      expect(await redis.exists(`${prefix}:gate:host:news.example.cn:lock`)).toBe(0);
      expect(await redis.exists(`${prefix}:gate:host:news.example.cn:next`)).toBe(1);
      // other.example.cn may run alongside, but never two requests to one host.
      expect(maxInFlight).toBeLessThanOrEqual(2);
      // Two requests to one host: one after the other, the gap kept between the end of one and the start of the next.
      const sameHost: Array<[number, number]> = [];
      const gate2 = createHostGate(redis, { prefix: `${prefix}:gate2`, defaultGapMs: gapMs, leaseMs: 10_000 });
      const timed = async () => {
        const s = Date.now();
        await sleep(30);
        sameHost.push([s, Date.now()]);
      };
      await Promise.all([gate2.run('h.example.cn', timed), gate2.run('h.example.cn', timed)]);
      sameHost.sort((x, y) => x[0] - y[0]);
      expect(sameHost[1]![0] - sameHost[0]![1]).toBeGreaterThanOrEqual(gapMs - 20);
    });

    it('without a hash tag the host gate fails on the cluster (its two keys hash to different slots)', async () => {
      const redis = await readyProducer();
      const gate = createHostGate(redis, { prefix: `yqplain${randomBytes(3).toString('hex')}:gate`, defaultGapMs: 0, leaseMs: 1000 });
      await expect(gate.run('x.example.cn', async () => 'never')).rejects.toThrow(/CROSSSLOT/);
    });

    it('pub/sub: the API invalidation feed (a subscriberOf() Cluster subscriber) hears auth changes published on every node', async () => {
      const producer = conn('producer');
      const got: string[] = [];
      const feed = new InvalidationFeed({
        redis: producer,
        channel: authEventsChannel(prefix),
        name: 'auth',
        log: log as unknown as InvalidationFeedOptions['log'],
        onMessage: (m) => got.push(m),
        onLive: () => undefined,
      });
      closers.push(() => feed.stop());
      await until('producer ready', () => producer.status === 'ready');
      await feed.start(10_000);
      expect(feed.isLive).toBe(true);
      // Published through a plain connection to each master in turn: at least two are other nodes than the subscriber's.
      for (const [i, n] of nodes.entries()) await publishAuthChange(direct(n.port), prefix, i + 1);
      // And through the Cluster connection itself, as the API and CLI do.
      await publishAuthChange(producer, prefix, 9);
      await until('4 auth messages', () => got.length === 4);
      expect(got.map((m) => (JSON.parse(m) as { userId: number }).userId).sort()).toEqual([1, 2, 3, 9]);
    });

    it('pub/sub: alert events and topic-level changes reach subscribers on every node', async () => {
      const producer = await readyProducer();
      // As the alerter does: createRedis('worker') then subscribe.
      const alerterSub = conn('worker');
      const levels: string[] = [];
      alerterSub.on('message', (ch: string, m: string) => {
        if (ch === topicLevelChannel(prefix)) levels.push(m);
      });
      await alerterSub.subscribe(topicLevelChannel(prefix));
      // As the stream hub does: a subscriber made like the API's producer, with its own options
      // (a Cluster's duplicate() takes them differently from one server's: subscriberOf).
      const hubSub = subscriberOf(producer, { maxRetriesPerRequest: null, enableOfflineQueue: true, lazyConnect: false });
      const hubOptions = (hubSub as unknown as Cluster).options;
      expect((hubSub as unknown as Cluster).isCluster).toBe(true);
      expect(hubOptions.enableOfflineQueue).toBe(true);
      expect(hubOptions.redisOptions?.maxRetriesPerRequest).toBeNull();
      closers.push(() => hubSub.disconnect());
      const alerts: string[] = [];
      hubSub.on('message', (ch: string, m: string) => {
        if (ch === alertEventsChannel(prefix)) alerts.push(m);
      });
      await until('hub subscriber ready', () => hubSub.status === 'ready');
      await hubSub.subscribe(alertEventsChannel(prefix));
      // A plain subscriber on each master: PUBLISH reaches every node of the cluster.
      const perNode = nodes.map((n) => {
        const s = direct(n.port);
        const box: string[] = [];
        s.on('message', (_ch: string, m: string) => box.push(m));
        return { s, box };
      });
      await Promise.all(perNode.map(({ s }) => s.subscribe(alertEventsChannel(prefix))));

      await publishAlertEvents(producer, prefix, [3, 11, 7]);
      await direct(nodes[2]!.port).publish(topicLevelChannel(prefix), JSON.stringify({ id: 1 }));
      await producer.publish(topicLevelChannel(prefix), JSON.stringify({ id: 2 }));
      await until('alert event on the hub subscriber', () => alerts.length === 1);
      await until('alert event on every node', () => perNode.every(({ box }) => box.length === 1));
      await until('two topic-level messages', () => levels.length === 2);
      expect(alerts).toEqual(['11']);
      expect(perNode.map(({ box }) => box[0])).toEqual(['11', '11', '11']);
    });

    it('REDIS_CLUSTER_NODES in the environment makes every createRedis a Cluster: the CLI announces an auth change through it', async () => {
      vi.stubEnv('REDIS_CLUSTER_NODES', nodes.map((n) => `${n.host}:${n.port}`).join(','));
      vi.stubEnv('QUEUE_PREFIX', prefix);
      try {
        const probe = createRedis(URL_FOR_AUTH, 'producer', { lazyConnect: true });
        expect(probe).toBeInstanceOf(Cluster);
        probe.disconnect();
        const sub = direct(nodes[0]!.port);
        const got: string[] = [];
        sub.on('message', (_ch: string, m: string) => got.push(m));
        await sub.subscribe(authEventsChannel(prefix));
        const cfg = loadConfig({ REDIS_CLUSTER_NODES: nodes.map((n) => `${n.host}:${n.port}`).join(','), QUEUE_PREFIX: prefix, REDIS_URL: URL_FOR_AUTH });
        let stderr = '';
        const sink = new Writable({
          write(chunk: Buffer, _enc, cb) {
            stderr += chunk.toString();
            cb();
          },
        });
        // The CLI's pattern: lazyConnect, one attempt, connect() then publish, quit.
        await announceAuthChange(cfg, 42, { stdin: process.stdin, stdout: sink, stderr: sink, cwd: '.' });
        expect(stderr).toBe('');
        await until('auth message from the CLI', () => got.length === 1);
        expect(JSON.parse(got[0]!)).toEqual({ userId: 42 });
      } finally {
        vi.unstubAllEnvs();
      }
    });

    it("the API's login limiter (MULTI on one key) counts attempts on the cluster", async () => {
      const limiter = new LoginLimiter({ redis: await readyProducer(), prefix, maxFailures: 2, windowMs: 60_000 });
      expect((await limiter.attempt('wang', '10.0.0.1')).allowed).toBe(true);
      expect((await limiter.attempt('wang', '10.0.0.1')).allowed).toBe(true);
      expect((await limiter.attempt('wang', '10.0.0.1')).allowed).toBe(false);
    });
  },
);
