/** `yuqing digest`: any period to stdout or a file, --daily/--weekly periods in DIGEST_TIMEZONE, --store audited. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../test/support/run-cli';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';

let t: TestEnv;
const FROM = Date.parse('2026-11-28T00:00:00Z'); // 08:00 Beijing time
const TO = Date.parse('2026-11-29T00:00:00Z');
// Published times (ms) of the seeded items and whether each is police-related.
const seeded: Array<{ at: number; policeRelated: boolean }> = [
  { at: FROM - 1000, policeRelated: true }, // the day before
  { at: FROM, policeRelated: true },
  { at: FROM + 3 * 3_600_000, policeRelated: false },
  { at: FROM + 5 * 3_600_000, policeRelated: true },
  { at: TO - 1000, policeRelated: false },
  { at: TO, policeRelated: true }, // the next day
];

beforeAll(async () => {
  t = await createTestEnv('clidigest', { DIGEST_TIMEZONE: 'Asia/Shanghai', DIGEST_DAILY_CRON: '0 8 * * *', DIGEST_WEEKLY_CRON: '0 8 * * 1', PUBLIC_BASE_URL: 'https://yq.example.gov' });
  for (const [n, s] of seeded.entries()) {
    const { rows } = await t.db.query<{ id: number }>(
      `INSERT INTO items (url, url_hash, origin, title, published_at, source_name) VALUES ($1, $1, 'push', $2, $3, '推送') RETURNING id`,
      [`https://push.example.com/${n}`, `条目 ${n}`, new Date(s.at)],
    );
    await t.db.query(
      `INSERT INTO item_analysis (item_id, engine_version, police_related, police_score, sentiment, sentiment_score, police_negative, police_negative_score, simhash)
       VALUES ($1, 'test', $2, 0.5, 'neutral', 0, false, 0, '0')`,
      [rows[0]!.id, s.policeRelated],
    );
  }
});
afterAll(async () => {
  await t.cleanup();
});

const cli = (argv: string[], cwd?: string) => runCli(argv, { env: t.env, ...(cwd ? { cwd } : {}) });
const inPeriod = (from: number, to: number) => seeded.filter((s) => s.at >= from && s.at < to);

describe('yuqing digest', () => {
  it('prints the JSON digest of a period given with its zone', async () => {
    const r = await cli(['digest', '--from', '2026-11-28T08:00+08:00', '--to', '2026-11-29T08:00+08:00']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.kind).toBe('custom');
    expect(d.period).toMatchObject({ from: new Date(FROM).toISOString(), to: new Date(TO).toISOString() });
    const mine = inPeriod(FROM, TO);
    expect(d.headline.items.value).toBe(mine.length);
    expect(d.headline.policeRelated.value).toBe(mine.filter((s) => s.policeRelated).length);
    expect(d.headline.items.previous).toBe(inPeriod(FROM - (TO - FROM), FROM).length);
    // Nothing stored without --store.
    expect((await t.db.query('SELECT 1 FROM digests')).rowCount).toBe(0);
  });

  it('reads a zoneless time in DIGEST_TIMEZONE', async () => {
    const r = await cli(['digest', '--from', '2026-11-28 08:00', '--to', '2026-11-28 14:00', '--format', 'json']);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.period).toMatchObject({ from: new Date(FROM).toISOString(), to: new Date(FROM + 6 * 3_600_000).toISOString() });
    expect(d.headline.items.value).toBe(inPeriod(FROM, FROM + 6 * 3_600_000).length);
  });

  it('--daily --date: the scheduled daily period ending that day at 08:00 Beijing time', async () => {
    const r = await cli(['digest', '--daily', '--date', '2026-11-29', '--format', 'json']);
    expect(r.stderr).toBe('');
    const d = JSON.parse(r.stdout);
    expect(d).toMatchObject({ kind: 'daily', title: '舆情日报（2026-11-29）', period: { from: '2026-11-28T00:00:00.000Z', to: '2026-11-29T00:00:00.000Z' } });
  });

  it('--weekly --date: the seven days before the Monday 08:00 run on or before that date', async () => {
    const r = await cli(['digest', '--weekly', '--date', '2026-12-02', '--format', 'json']);
    const d = JSON.parse(r.stdout);
    expect(d).toMatchObject({ kind: 'weekly', period: { from: '2026-11-23T00:00:00.000Z', to: '2026-11-30T00:00:00.000Z' } });
    expect(d.volume.buckets).toHaveLength(7);
  });

  it('writes the HTML page to --out (relative to where the command was typed)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'yq-digest-'));
    const r = await cli(['digest', '--daily', '--date', '2026-11-29', '--format', 'html', '--out', 'ribao.html'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('ribao.html');
    const html = await readFile(join(dir, 'ribao.html'), 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('统计时段：2026-11-28 08:00 至 2026-11-29 08:00（北京时间）');
  });

  it('--store keeps it (replacing the period’s digest) and audits each generation as the CLI user', async () => {
    const first = await cli(['digest', '--daily', '--date', '2026-11-29', '--format', 'markdown', '--store']);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/已保存简报 #\d+：舆情日报（2026-11-29）/);
    const { rows } = await t.db.query<{ id: number; kind: string; generated_by: string; markdown: string }>('SELECT id, kind, generated_by, markdown FROM digests');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.kind).toBe('daily');
    expect(rows[0]!.generated_by).toMatch(/^cli:/);
    // What was printed is what was stored, with the link to the page.
    expect(first.stdout.trim()).toBe(rows[0]!.markdown);
    expect(first.stdout).toContain(`(https://yq.example.gov/#/digests/${rows[0]!.id})`);

    const again = await cli(['digest', '--daily', '--date', '2026-11-29', '--store']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('替换');
    expect((await t.db.query('SELECT 1 FROM digests')).rowCount).toBe(1);
    const audit = await t.db.query<{ actor_name: string; entity_id: string }>(`SELECT actor_name, entity_id FROM audit_log WHERE action = 'digest.generate' ORDER BY id`);
    expect(audit.rows).toHaveLength(2);
    for (const a of audit.rows) expect(a).toMatchObject({ actor_name: expect.stringMatching(/^cli:/), entity_id: String(rows[0]!.id) });
  });

  it('refuses what cannot be a digest, in Chinese, with exit code 2', async () => {
    const twoDays = await cli(['digest', '--kind', 'daily', '--from', '2026-11-27T08:00+08:00', '--to', '2026-11-29T08:00+08:00']);
    expect(twoDays.code).toBe(2);
    expect(twoDays.stderr).toContain('日报应覆盖 1 天');
    const missing = await cli(['digest', '--from', '2026-11-27T08:00+08:00']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('需要 --from 和 --to');
    const badTime = await cli(['digest', '--from', 'yesterday', '--to', '2026-11-29T08:00+08:00']);
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toContain('无法识别的时间');
    const both = await cli(['digest', '--daily', '--from', '2026-11-27T08:00+08:00']);
    expect(both.code).toBe(2);
    const format = await cli(['digest', '--daily', '--format', 'pdf']);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('--format');
    const unknown = await cli(['digest', '--daily', '--bogus']);
    expect(unknown.code).toBe(2);
  });
});
