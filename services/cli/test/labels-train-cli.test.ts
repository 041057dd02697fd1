/**
 * Analysts' corrections to a model, through the real CLI against a real test schema: items are
 * corrected through the repository (as PUT /api/items/:id/label stores them), `yuqing labels
 * export` writes them in the --in format with counts per label, and `yuqing train --from-db`
 * (alone, or with --in) trains a model whose police-negative head follows the corrections.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { insertItems, insertUser, putItemLabel, type LabelSentiment } from '@yuqing/db';
import { loadModel } from '@yuqing/nlp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/run-cli';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { parseLabelLine } from '../src/commands/train';

let t: TestEnv;
let dir: string;

// Police-negative posts and police-related posts that are not: different words on purpose, so
// a small model can separate them.
const NEGATIVE = [
  ['民警殴打路人', '网友爆料某派出所民警当街殴打路人，围观群众愤怒指责暴力执法。'],
  ['辅警辱骂群众', '视频显示辅警辱骂前来报案的群众，态度恶劣，网友怒斥。'],
  ['警察推搡老人', '有人拍到警察推搡卖菜老人，老人倒地受伤，评论区一片谴责。'],
  ['派出所不作为', '受害人多次报警派出所不作为，拖延推诿，家属愤怒投诉。'],
  ['交警乱罚款', '司机称交警乱罚款还恐吓威胁，网友质疑执法粗暴。'],
  ['民警抢手机', '民警抢走拍摄群众的手机并删除视频，引发愤怒声讨。'],
  ['警方隐瞒真相', '家属质疑警方隐瞒真相，殴打致伤却称意外，网友愤怒。'],
  ['执法粗暴致伤', '执法人员粗暴拖拽妇女致其受伤，现场群众愤怒围堵。'],
] as const;
const NOT_NEGATIVE = [
  ['民警救助走失儿童', '民警耐心帮助走失儿童找到家人，家长送来锦旗表示感谢。'],
  ['交警雨中指挥', '暴雨中交警坚守路口疏导交通，市民点赞辛苦了。'],
  ['派出所开展宣传', '派出所走进社区开展防诈骗宣传，发放宣传资料。'],
  ['警方破获电诈案', '警方成功破获一起电信诈骗案，追回群众损失，受害人致谢。'],
  ['辅警护送考生', '高考当天辅警护送迟到考生赶到考场，暖心之举获好评。'],
  ['民警调解纠纷', '社区民警耐心调解邻里纠纷，双方握手言和。'],
  ['警方发布提醒', '警方发布节日安全提醒，提示市民注意防火防盗。'],
  ['民警帮扶老人', '民警定期看望独居老人，帮忙打扫卫生，老人十分感动。'],
] as const;

const labelled: Array<{ id: number; title: string; text: string; policeNegative: boolean }> = [];
let onlyRelated = 0;

beforeAll(async () => {
  t = await createTestEnv('labelstrain');
  dir = await mkdtemp(join(tmpdir(), 'yq-labels-'));
  const user = await insertUser(t.db, { name: 'analyst1', displayName: '分析员', role: 'analyst', passwordHash: null });
  const now = new Date();
  const add = async (title: string, text: string, n: number): Promise<number> => {
    const url = `https://news.example.com/labels/${n}`;
    const [row] = await insertItems(t.db, [
      { sourceId: null, url, urlHash: `labels-${n}`, origin: 'crawl', title, summary: null, text, author: null, language: 'zh', publishedAt: now, fetchedAt: now },
    ]);
    return row!.id;
  };
  let n = 0;
  for (const [group, policeNegative, sentiment] of [
    [NEGATIVE, true, 'negative'],
    [NOT_NEGATIVE, false, 'positive'],
  ] as const) {
    for (const [title, text] of group) {
      const id = await add(title, text, ++n);
      // Half also get a sentiment, so the sentiment heads have something too.
      await putItemLabel(t.db, {
        itemId: id,
        policeRelated: null,
        policeNegative,
        sentiment: n % 2 === 0 ? (sentiment as LabelSentiment) : null,
        note: '',
        by: user!.id,
        byName: '分析员',
      });
      labelled.push({ id, title, text, policeNegative });
    }
  }
  // Corrected as police-related only: stored, but nothing to train.
  onlyRelated = await add('天气预报', '明天多云转晴，气温回升。', ++n);
  await putItemLabel(t.db, { itemId: onlyRelated, policeRelated: false, policeNegative: null, sentiment: null, note: '与警务无关', by: user!.id, byName: '分析员' });
  // An item nobody corrected is not exported.
  await add('未校正的条目', '某地举行马拉松比赛。', ++n);
});
afterAll(async () => {
  await t.cleanup();
});

const cli = (argv: string[]) => runCli(argv, { env: t.env, cwd: dir });

describe('yuqing labels export', () => {
  it('writes every trainable correction in the --in format and counts per label on stderr', async () => {
    const r = await cli(['labels', 'export']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.item_id)).toEqual(labelled.map((l) => l.id));
    for (const [i, l] of lines.entries()) {
      const want = labelled[i]!;
      expect(l).toMatchObject({ item_id: want.id, url: expect.stringMatching(/^https:\/\/news\.example\.com\/labels\//), title: want.title, text: want.text, police_negative: want.policeNegative });
      expect(l).not.toHaveProperty('police_related');
      // Every line is a valid line of `yuqing train --in`.
      expect(typeof parseLabelLine(JSON.stringify(l))).toBe('object');
    }
    expect(lines.filter((l) => l.sentiment === 'negative')).toHaveLength(4);
    expect(lines.filter((l) => l.sentiment === 'positive')).toHaveLength(4);
    expect(lines.some((l) => l.item_id === onlyRelated)).toBe(false);

    expect(r.stderr).toContain('人工校正 17 条，可训练 16 条');
    expect(r.stderr).toMatch(/涉警负面 \(police_negative\)：是 8，否 8/);
    expect(r.stderr).toMatch(/情感 \(sentiment\)：负面 4，中性 0，正面 4/);
    expect(r.stderr).toMatch(/涉警 \(police_related\)：是 0，否 1/);
    expect(r.stderr).toMatch(/仅校正涉警的 1 条/);

    // --out writes the same lines to a file.
    const f = await cli(['labels', 'export', '--out', 'labels.jsonl']);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).toBe('');
    expect(await readFile(join(dir, 'labels.jsonl'), 'utf8')).toBe(r.stdout);
  });

  it('refuses an unknown subcommand and an unwritable --out', async () => {
    expect((await cli(['labels'])).code).toBe(2);
    expect((await cli(['labels', 'import'])).code).toBe(2);
    const bad = await cli(['labels', 'export', '--out', join(dir, 'no-such-dir', 'x.jsonl')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('cannot write');
  });
});

describe('yuqing train --from-db', () => {
  const tokensOf = (title: string, text: string) => (parseLabelLine(JSON.stringify({ title, text, police_negative: true })) as { tokens: string[] }).tokens;

  it('trains a police-negative head from the corrections that predicts the labelled direction', async () => {
    const r = await cli(['train', '--from-db', '--out', 'model.json', '--bits', '14', '--epochs', '20']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/涉警负面 \(police_negative\)：是 8，否 8/);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ examples: 16, fromDb: 16, fromFile: 0, badLines: 0 });
    expect(summary.heads.police_negative).toEqual({ false: 8, true: 8 });

    const model = loadModel(JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')));
    expect(model.heads).toContain('police_negative');
    expect(model.heads).toContain('sentiment');
    for (const l of labelled) {
      const p = model.probability('police_negative', tokensOf(l.title, l.text))!;
      if (l.policeNegative) expect(p, l.title).toBeGreaterThan(0.5);
      else expect(p, l.title).toBeLessThan(0.5);
    }

    // The export trains the same model (the same examples in the same order).
    await cli(['labels', 'export', '--out', 'same.jsonl']);
    const fromFile = await cli(['train', '--in', 'same.jsonl', '--out', 'same-model.json', '--bits', '14', '--epochs', '20']);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(JSON.parse(fromFile.stdout).modelVersion).toBe(summary.modelVersion);
  });

  it('combines with --in: file examples plus the database, the database winning for the same item', async () => {
    const extra = [
      // names a corrected item but says the opposite: the database's current correction wins
      { item_id: labelled[0]!.id, title: labelled[0]!.title, text: labelled[0]!.text, police_negative: false },
      { text: '网友称城管与民警一起殴打摊贩，愤怒转发。', police_negative: true },
      { text: '民警在地铁站帮乘客找回遗失钱包。', police_negative: false },
      { text: '这是一条情感样本，心情很好。', sentiment: 'positive' },
    ];
    await writeFile(join(dir, 'extra.jsonl'), `${extra.map((e) => JSON.stringify(e)).join('\n')}\n`);
    const r = await cli(['train', '--in', 'extra.jsonl', '--from-db', '--out', 'combined.json', '--bits', '14']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('1 lines replaced');
    expect(r.stderr).toContain('examples: 3 from extra.jsonl, 16 from the database');
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ examples: 19, fromFile: 3, fromDb: 16 });
    expect(summary.heads.police_negative).toEqual({ false: 9, true: 9 });
  });

  it('needs --in or --from-db', async () => {
    const r = await cli(['train', '--out', 'x.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--from-db');
  });
});
