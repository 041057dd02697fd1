/** The `yuqing analyze` and `yuqing replay` contracts, through the real CLI entry. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/run-cli';

const POST = '某派出所民警街头暴力执法，将卖菜老人按倒在地殴打致其流血，还抢走群众手机删除视频，警察打人还有王法吗？';

describe('yuqing analyze', () => {
  it('answers every line in order, with the contract fields, and an error line for bad input', async () => {
    const input = [
      JSON.stringify({ id: 'a', title: '警情', text: POST }),
      '{"id": "b", "text": 不是JSON',
      JSON.stringify({ id: 'c' }),
      JSON.stringify({ id: 7, text: '今天天气很好，大家出去踏青。', publishedAt: '2024-03-05T10:00:00+08:00', source: 'x', extra: 1 }),
      JSON.stringify({ id: 'e', text: '' }),
    ].join('\n');
    const r = await runCli(['analyze'], { stdin: input });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(5);
    expect(lines.map((l) => l.id)).toEqual(['a', null, 'c', '7', 'e']);
    expect(Object.keys(lines[0])).toEqual(['id', 'policeRelated', 'policeScore', 'sentiment', 'policeNegative', 'keywords', 'simhash', 'categories', 'places']);
    expect(lines[0]).toMatchObject({ policeRelated: true, policeNegative: true, sentiment: { label: 'negative' } });
    expect(lines[0].simhash).toMatch(/^[0-9a-f]{16}$/);
    expect(lines[1].error).toContain('line 2');
    expect(lines[2].error).toContain('text');
    expect(lines[3]).toMatchObject({ id: '7', policeRelated: false, policeNegative: false });
    expect(lines[4]).toMatchObject({ id: 'e', policeRelated: false });
  });
});

describe('yuqing replay', () => {
  it('prints one assign per item and level events with event time, indicators and a reason', async () => {
    const t0 = Date.parse('2024-03-05T10:00:00+08:00');
    const items = [
      { id: 'o', text: POST, publishedAt: new Date(t0).toISOString(), source: 'weibo', metrics: { reposts: 30 }, author: { followers: 5000, verified: false } },
      ...Array.from({ length: 11 }, (_, i) => ({ id: `r${i}`, text: `太过分了${i} //转发：${POST}`, publishedAt: new Date(t0 + (i + 1) * 60_000).toISOString(), source: 'weibo' })),
      { id: 'bg', title: '本市举行春季运动会', text: '本市举行春季运动会，数千名学生参加。', publishedAt: new Date(t0 + 13 * 60_000).toISOString(), source: 'news' },
    ];
    const r = await runCli(['replay'], { stdin: `${items.map((i) => JSON.stringify(i)).join('\n')}\n{bad json}\n` });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('line 14');
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const assigns = events.filter((e) => e.type === 'assign');
    expect(assigns.map((a) => a.itemId)).toEqual(items.map((i) => i.id));
    for (const a of assigns) expect(Object.keys(a)).toEqual(['type', 'itemId', 'storyId', 'topicId']);
    const cascade = assigns.filter((a) => a.itemId !== 'bg');
    expect(new Set(cascade.map((a) => a.storyId)).size).toBe(1);
    expect(assigns.find((a) => a.itemId === 'bg').topicId).not.toBe(cascade[0].topicId);
    const levels = events.filter((e) => e.type === 'level');
    expect(levels.map((l) => l.level)).toEqual(['blue', 'yellow']);
    const yellow = levels[1];
    expect(Object.keys(yellow)).toEqual(['type', 'topicId', 'level', 'at', 'indicators', 'reason']);
    expect(yellow.at).toBe('2024-03-05T10:07:00+08:00');
    expect(yellow.indicators.items).toBe(8);
    expect(yellow.reason).toContain('涉警负面占比');
  });
});
