/**
 * pnpm eval:replay — the topic stage on ../shared/data/events/replay-dev.jsonl.gz: 113 real
 * police-keyword Weibo cascades mixed with 10,000 real headlines, through `yuqing replay` itself
 * (its `run`, in-process, fed the file and read line by line).
 *
 * - grouping: B-cubed precision/recall/F1 of topics against events (gold `eventOfCascade` of each
 *   item's cascade), background items excluded. Topics are followed through merges.
 * - early warning: for each police-negative cascade, the first time the topic holding its original
 *   post (or, without one, most of its items) reaches yellow or higher; the fraction of the
 *   cascade's final size already published then; share reaching yellow and the median fraction.
 * - false alarms: topics made only of background items that reach yellow+, and cascades labelled
 *   not police-negative whose topic reaches yellow+ (share).
 * - reactions: how many of those first warnings counted a story police-negative because of its
 *   reactions (reposts' own words) rather than its root, for either kind of cascade.
 * - throughput (items/s, analysis included) and peak RSS.
 * Exits 1 when a figure misses its target (CI runs it), 2 when the data is missing.
 */
import { existsSync, readFileSync, createReadStream } from 'node:fs';
import { Writable, PassThrough } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { run as replay } from '../../services/cli/src/commands/replay';
import { sharedPath } from '../shared-data';
import { parseFloors } from './floors';

// Issue 10's targets (cascades warn on reactions).
const TARGETS = { bcubedF1: 0.95, yellowShare: 0.93, medianFraction: 0.1, backgroundAlarms: 0, nonNegativeAlarmShare: 0.08 };
const RANK: Record<string, number> = { none: 0, blue: 1, yellow: 2, orange: 3, red: 4 };

interface Gold {
  cascadeOf: Record<string, string>;
  cascadeSize: Record<string, number>;
  eventOfCascade: Record<string, string>;
}

async function main(): Promise<number> {
  const file = sharedPath('events', 'replay-dev.jsonl.gz');
  if (!existsSync(file)) {
    console.error(`eval:replay needs ${file} (../shared/data); not found`);
    return 2;
  }
  const asJson = process.argv.includes('--json');
  const gold = JSON.parse(readFileSync(sharedPath('events', 'replay-dev.gold.json'), 'utf8')) as Gold;
  const labels = new Map<string, { police_negative: boolean; police_related: boolean }>();
  for (const line of readFileSync(sharedPath('events', 'cascade-labels-dev.jsonl'), 'utf8').split('\n')) {
    if (line.trim()) {
      const l = JSON.parse(line) as { id: string; police_negative: boolean; police_related: boolean };
      labels.set(l.id, l);
    }
  }
  // Publication time of each item (for "fraction published when warned").
  const publishedAt = new Map<string, number>();
  const input = new PassThrough();
  const source = createReadStream(file).pipe(createGunzip());
  const tee = createInterface({ input: source, crlfDelay: Infinity });
  let items = 0;
  void (async () => {
    for await (const line of tee) {
      if (!line.trim()) continue;
      const o = JSON.parse(line) as { id: string; publishedAt: string };
      publishedAt.set(o.id, Date.parse(o.publishedAt));
      items++;
      if (!input.write(`${line}\n`)) await new Promise((r) => input.once('drain', r));
    }
    input.end();
  })();

  const topicOf = new Map<string, string>();
  const parent = new Map<string, string>(); // merge union-find: topic → topic it went into
  const levelEvents: Array<{ topicId: string; level: string; at: number; byReactions: boolean }> = [];
  let buffer = '';
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      buffer += chunk.toString('utf8');
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const e = JSON.parse(line) as {
          type: string;
          itemId?: string;
          topicId?: string;
          level?: string;
          at?: string;
          from?: string;
          into?: string;
          indicators?: { reactionStories?: number };
        };
        if (e.type === 'assign') topicOf.set(e.itemId!, e.topicId!);
        else if (e.type === 'merge') parent.set(e.from!, e.into!);
        else if (e.type === 'level') levelEvents.push({ topicId: e.topicId!, level: e.level!, at: Date.parse(e.at!), byReactions: (e.indicators?.reactionStories ?? 0) > 0 });
      }
      cb();
    },
  });
  const errors: string[] = [];
  const err = new Writable({
    write(chunk: Buffer, _enc, cb) {
      errors.push(chunk.toString());
      cb();
    },
  });

  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const started = performance.now();
  // --config FILE: a topic config (as TOPIC_CONFIG_FILE) for the replay, to compare thresholds.
  const configAt = process.argv.indexOf('--config');
  const replayArgs = configAt >= 0 && process.argv[configAt + 1] ? ['--config', process.argv[configAt + 1]!] : [];
  const code = await replay(replayArgs, { stdin: input, stdout: out, stderr: err, cwd: process.cwd() });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  if (code !== 0) throw new Error(`replay exited ${code}: ${errors.join('')}`);

  const find = (t: string): string => {
    let x = t;
    while (parent.has(x)) x = parent.get(x)!;
    return x;
  };

  // B-cubed over cascade items.
  const eventOf = (id: string) => {
    const c = gold.cascadeOf[id];
    return c && c !== 'bg' ? (gold.eventOfCascade[c] ?? c) : null;
  };
  const byTopic = new Map<string, Map<string, number>>();
  const byEvent = new Map<string, Map<string, number>>();
  const assigned: Array<{ id: string; topic: string; event: string }> = [];
  for (const [id, t] of topicOf) {
    const ev = eventOf(id);
    if (!ev) continue;
    const topic = find(t);
    assigned.push({ id, topic, event: ev });
    const te = byTopic.get(topic) ?? new Map<string, number>();
    te.set(ev, (te.get(ev) ?? 0) + 1);
    byTopic.set(topic, te);
    const et = byEvent.get(ev) ?? new Map<string, number>();
    et.set(topic, (et.get(topic) ?? 0) + 1);
    byEvent.set(ev, et);
  }
  let p = 0;
  let r = 0;
  for (const a of assigned) {
    const te = byTopic.get(a.topic)!;
    const topicSize = [...te.values()].reduce((x, y) => x + y, 0);
    const et = byEvent.get(a.event)!;
    const eventSize = [...et.values()].reduce((x, y) => x + y, 0);
    const both = te.get(a.event) ?? 0;
    p += both / topicSize;
    r += both / eventSize;
  }
  const bp = p / assigned.length;
  const br = r / assigned.length;
  const bf = (2 * bp * br) / (bp + br);

  // The first time each (final) topic reached yellow+.
  const firstWarn = new Map<string, number>();
  // Whether reactions had made a story of the topic police-negative at its first warning.
  const warnedByReactions = new Map<string, boolean>();
  for (const e of levelEvents) {
    if (RANK[e.level]! < 2) continue;
    const t = find(e.topicId);
    if (!firstWarn.has(t) || firstWarn.get(t)! > e.at) {
      firstWarn.set(t, e.at);
      warnedByReactions.set(t, e.byReactions);
    }
  }
  // Cascade → its topic (of the original post, else the topic with most of its items).
  const itemsOfCascade = new Map<string, string[]>();
  for (const [id, c] of Object.entries(gold.cascadeOf)) {
    if (c === 'bg') continue;
    const list = itemsOfCascade.get(c) ?? [];
    list.push(id);
    itemsOfCascade.set(c, list);
  }
  const fractions: number[] = [];
  let negCascades = 0;
  let negWarned = 0;
  let nonNeg = 0;
  let nonNegWarned = 0;
  let negByReactions = 0;
  let nonNegByReactions = 0;
  const perCascade: string[] = [];
  for (const [c, ids] of itemsOfCascade) {
    const label = labels.get(c);
    if (!label) continue;
    const counts = new Map<string, number>();
    for (const id of ids) {
      const t = topicOf.get(id);
      if (t) counts.set(find(t), (counts.get(find(t)) ?? 0) + 1);
    }
    const orig = ids.find((id) => id.endsWith('/o'));
    const topic = (orig && topicOf.get(orig) && find(topicOf.get(orig)!)) || [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
    const warnedAt = topic ? firstWarn.get(topic) : undefined;
    if (label.police_negative) {
      negCascades++;
      if (warnedAt !== undefined) {
        negWarned++;
        if (warnedByReactions.get(topic!)) negByReactions++;
        const before = ids.filter((id) => (publishedAt.get(id) ?? Infinity) <= warnedAt).length;
        const size = gold.cascadeSize[c] ?? ids.length;
        fractions.push(before / size);
        perCascade.push(`${c} warned at ${(before / size).toFixed(3)} of ${size}${warnedByReactions.get(topic!) ? ' (reactions)' : ''}`);
      } else perCascade.push(`${c} NOT warned (${ids.length} items)`);
    } else {
      nonNeg++;
      if (warnedAt !== undefined) {
        nonNegWarned++;
        if (warnedByReactions.get(topic!)) nonNegByReactions++;
        perCascade.push(`${c} FALSE ALARM (police_related=${label.police_related})${warnedByReactions.get(topic!) ? ' (reactions)' : ''}`);
      }
    }
  }
  fractions.sort((a, b) => a - b);
  const median = fractions.length ? fractions[Math.floor((fractions.length - 1) / 2)]! : 1;

  // Background-only topics that warned.
  const topicsWithCascade = new Set(assigned.map((a) => a.topic));
  let bgAlarms = 0;
  for (const t of firstWarn.keys()) if (!topicsWithCascade.has(t)) bgAlarms++;

  const figures = {
    items,
    bcubed: { precision: round(bp), recall: round(br), f1: round(bf) },
    policeNegativeCascades: negCascades,
    yellowShare: round(negWarned / Math.max(1, negCascades)),
    medianFraction: round(median),
    backgroundAlarms: bgAlarms,
    nonNegativeCascades: nonNeg,
    nonNegativeAlarms: nonNegWarned,
    nonNegativeAlarmShare: round(nonNegWarned / Math.max(1, nonNeg)),
    warnedWithReactions: { policeNegative: negByReactions, nonNegative: nonNegByReactions },
    itemsPerSecond: Math.round(items / seconds),
    peakRssMb: Math.round(peak / 2 ** 20),
  };
  // Higher is better for the first two, lower for the rest; a floor replaces the target for the exit code.
  const floors = parseFloors(process.argv.slice(2), Object.keys(TARGETS));
  const checks: Array<[keyof typeof TARGETS, number, 'min' | 'max']> = [
    ['bcubedF1', figures.bcubed.f1, 'min'],
    ['yellowShare', figures.yellowShare, 'min'],
    ['medianFraction', figures.medianFraction, 'max'],
    ['backgroundAlarms', figures.backgroundAlarms, 'max'],
    ['nonNegativeAlarmShare', figures.nonNegativeAlarmShare, 'max'],
  ];
  const fails = (v: number, bound: number, dir: 'min' | 'max') => (dir === 'min' ? v < bound : v > bound);
  const missed = checks.filter(([k, v, d]) => fails(v, TARGETS[k], d)).map(([k]) => k);
  const belowFloor = checks.filter(([k, v, d]) => fails(v, floors.get(k) ?? TARGETS[k], d)).map(([k]) => k);
  if (asJson) console.log(JSON.stringify({ ...figures, targets: TARGETS, missed }));
  else {
    if (process.argv.includes('--verbose')) console.log(perCascade.join('\n'));
    console.log(`replay of ${items} items in ${seconds.toFixed(1)} s = ${figures.itemsPerSecond} items/s (analysis included), peak RSS ${figures.peakRssMb} MB`);
    console.log(`  B-cubed precision ${figures.bcubed.precision}  recall ${figures.bcubed.recall}  F1 ${figures.bcubed.f1}   target F1 ≥ ${TARGETS.bcubedF1}`);
    console.log(`  police-negative cascades reaching yellow+: ${negWarned}/${negCascades} = ${figures.yellowShare}   target ≥ ${TARGETS.yellowShare}`);
    console.log(`  median fraction of final size published at warning: ${figures.medianFraction}   target ≤ ${TARGETS.medianFraction}`);
    console.log(`  false alarms: background-only topics ${bgAlarms} (target 0); not-police-negative cascades ${nonNegWarned}/${nonNeg} = ${figures.nonNegativeAlarmShare} (target ≤ ${TARGETS.nonNegativeAlarmShare})`);
    console.log(`  warned with a story counted police-negative by its reactions: police-negative ${negByReactions}, not police-negative ${nonNegByReactions}`);
    console.log(missed.length ? `MISSED: ${missed.join(', ')}` : 'all targets met');
    if (floors.size) console.log(`floors for the exit code: ${JSON.stringify(Object.fromEntries(floors))}; beyond a floor: ${belowFloor.join(', ') || 'none'}`);
  }
  return belowFloor.length ? 1 : 0;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exitCode = 1;
  },
);
