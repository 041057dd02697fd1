/**
 * pnpm bench:digest [ROUNDS] [ITEMS_PER_DAY] — how long a leadership digest takes to make on a busy
 * database: a test schema seeded (digest test fixtures) with ITEMS_PER_DAY items a day over the
 * period and the one before it (default 50,000 a day), 2,000 topics, 1,000 alerts, 300 incidents and
 * 20,000 fetches, then the daily digest generated ROUNDS times (load, compute, render, store — what
 * the 08:00 job does). Prints each round, the median, the sizes of the HTML and the Markdown, and the
 * process's peak RSS. The schema is dropped at the end.
 */
import { generateDigest } from '@yuqing/api';
import { buildWorld, DAY, HOUR, seedWorld } from '../../services/api/test/digest-fixtures';
import { createTestEnv } from '../support/test-env';

const ROUNDS = Number(process.argv[2] ?? 5);
const PER_DAY = Number(process.argv[3] ?? 50_000);
const FIRE = new Date('2026-11-29T00:00:00Z');
const FROM = new Date(FIRE.getTime() - DAY);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

const t = await createTestEnv('benchdigest');
try {
  const seedStart = Date.now();
  const world = buildWorld({
    seed: 42,
    start: new Date(FROM.getTime() - DAY),
    end: new Date(FIRE.getTime() + 2 * HOUR),
    items: Math.round(PER_DAY * (2 + 2 / 24)),
    topics: 2000,
    alerts: 1000,
    incidents: 300,
    fetches: 20_000,
  });
  await seedWorld(t.db, world);
  await t.db.query('ANALYZE');
  console.log(`seeded ${world.items.length.toLocaleString('en')} items, 2,000 topics, 1,000 alerts, 300 incidents in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);

  const times: number[] = [];
  let sizes = { html: 0, markdown: 0 };
  for (let round = 1; round <= ROUNDS; round++) {
    const start = process.hrtime.bigint();
    const g = await generateDigest(t.db, { kind: 'daily', from: FROM, to: FIRE, now: new Date(FIRE.getTime() + 60_000), by: 'system', timeZone: 'Asia/Shanghai', replace: true });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    times.push(ms);
    sizes = { html: Buffer.byteLength(g.stored.html), markdown: Buffer.byteLength(g.stored.markdown) };
    console.log(`round ${round}: ${ms.toFixed(0)} ms (period items ${g.digest.headline.items.value.toLocaleString('en')})`);
  }
  console.log(`daily digest over ~${PER_DAY.toLocaleString('en')} items/day: median ${median(times).toFixed(0)} ms of ${ROUNDS} rounds`);
  console.log(`HTML ${(sizes.html / 1024).toFixed(0)} KiB, Markdown ${sizes.markdown} bytes; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
} finally {
  await t.cleanup();
}
