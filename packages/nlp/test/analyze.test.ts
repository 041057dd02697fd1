import { describe, expect, it } from 'vitest';
import { createAnalyzer, defaultStanceModel, ENGINE_VERSION } from '../src/analyze';
import { train } from '../src/model';
import { tokenize } from '../src/segment';

const analyzer = createAnalyzer();

describe('createAnalyzer', () => {
  it('returns the whole result for an ordinary item', () => {
    const r = analyzer.analyze({ id: 'a1', title: '派出所民警暴力执法引发质疑', text: '网友爆料称，某派出所民警在执法过程中殴打群众，现场视频引发热议，网友纷纷表示愤怒。' });
    expect(r.id).toBe('a1');
    expect(r.policeRelated).toBe(true);
    expect(r.policeScore).toBeGreaterThan(0.5);
    expect(r.sentiment.label).toBe('negative');
    expect(r.policeNegative).toBe(true);
    expect(r.policeNegativeScore).toBeGreaterThanOrEqual(0.5);
    expect(r.keywords.length).toBeGreaterThan(0);
    expect(r.simhash).toMatch(/^[0-9a-f]{16}$/);
    expect(r.language).toBe('zh');
    // The shipped police-negative model judged it, with the rules' cues named.
    expect(r.modelVersion).toBe(defaultStanceModel()?.modelVersion);
    expect(r.policeNegativeCues).toContain('violence');
    expect(r.reaction).toBeNull();
    expect(analyzer.engineVersion).toBe(ENGINE_VERSION);
    expect(createAnalyzer({ defaultStanceModel: false }).analyze({ id: 'a2', text: '交警大队' }).modelVersion).toBeNull();
  });

  it('judges a repost\'s own words as a reaction in the police context of what it quotes', () => {
    const quoted = '//转发：某地民警执法时将摊贩按倒在地，视频引发关注';
    const angry = analyzer.analyze({ id: 'r1', text: `这还有王法吗？必须严惩 ${quoted}` });
    const calm = analyzer.analyze({ id: 'r2', text: `转发 ${quoted}` });
    const kind = analyzer.analyze({ id: 'r3', text: `辛苦了，理解民警 ${quoted}` });
    expect(angry.reaction?.policeNegative).toBe(true);
    expect(angry.reaction?.cues.length).toBeGreaterThan(0);
    expect(kind.reaction?.policeNegative).toBe(false);
    expect(kind.reaction!.score).toBeLessThan(angry.reaction!.score);
    // "转发" alone is a bare repost: nothing of its own to judge.
    expect(calm.reaction === null || calm.reaction.score < angry.reaction!.score).toBe(true);
    expect(analyzer.analyze({ id: 'r4', text: '好看 //转发：今天的晚霞真美' }).reaction).toBeNull();
  });

  it('judges a reply (a forum post answering the thread) as a reaction, though it names no police', () => {
    const angry = analyzer.analyze({ id: 'p1', text: '这还有王法吗？必须严惩，给个说法！', reply: true });
    // It does not name the police (the thread does), but speaking against them makes it about them.
    expect(angry.policeRelated).toBe(true);
    expect(angry.policeNegative).toBe(false); // its stance is its reaction's, not a post's of its own
    expect(angry.reaction?.policeNegative).toBe(true);
    expect(angry.reaction?.cues).toEqual(expect.arrayContaining(['accountability']));
    // The same words as an original post: no reaction to anything.
    expect(analyzer.analyze({ id: 'p2', text: '这还有王法吗？必须严惩，给个说法！' }).reaction).toBeNull();
    // Noise and words not aimed at the police: nothing, or nothing against them.
    expect(analyzer.analyze({ id: 'p3', text: '顶', reply: true }).reaction).toBeNull();
    const weather = analyzer.analyze({ id: 'p4', text: '今天的晚霞真美', reply: true }).reaction;
    expect(weather === null || weather.policeNegative === false).toBe(true);
    expect(analyzer.analyze({ id: 'p4b', text: '今天的晚霞真美', reply: true }).policeRelated).toBe(false);
    // A reply in repost form keeps the repost rule: only the words in front of the quote.
    expect(analyzer.analyze({ id: 'p5', text: '转发 //转发：某地民警执法时将摊贩按倒在地', reply: true }).reaction).toBeNull();
  });

  it('flags at the configured threshold', () => {
    const text = '交警在路口查酒驾，有人说查得太严了';
    const score = analyzer.analyze({ id: 't', text }).policeNegativeScore;
    expect(score).toBeGreaterThan(0.02);
    expect(score).toBeLessThan(0.98);
    expect(createAnalyzer({ policeNegativeThreshold: score + 0.01 }).analyze({ id: 't', text }).policeNegative).toBe(false);
    expect(createAnalyzer({ policeNegativeThreshold: score - 0.01 }).analyze({ id: 't', text }).policeNegative).toBe(true);
    expect(() => createAnalyzer({ policeNegativeThreshold: 1.5 })).toThrow(/[Tt]hreshold/);
  });

  it('keeps non-police items out of police-negative', () => {
    const r = analyzer.analyze({ id: 'b', text: '这家酒店太差了，房间又脏又吵，再也不来了' });
    expect(r.policeRelated).toBe(false);
    expect(r.policeNegative).toBe(false);
    expect(r.policeNegativeScore).toBe(0);
    expect(r.sentiment.label).toBe('negative');
  });

  it('reports emoticons and truncation', () => {
    const r = analyzer.analyze({ id: 'c', text: '民警救起落水儿童[赞][赞]' });
    expect(r.emoticons).toEqual(['赞', '赞']);
    expect(r.policeNegative).toBe(false);
    const long = createAnalyzer({ maxChars: 100 }).analyze({ id: 'd', text: '警察'.repeat(1000) });
    expect(long.truncated).toBe(true);
  });

  it('combines a configured model with the lexicon', () => {
    const neg = ['体验极差', '非常糟糕', '再也不来', '态度恶劣'].map((t) => ({ tokens: tokenize(t), negative: true }));
    const pos = ['体验很好', '非常满意', '还会再来', '态度很好'].map((t) => ({ tokens: tokenize(t), negative: false }));
    const model = train([...neg, ...pos], { minCount: 1 });
    const withModel = createAnalyzer({ model });
    expect(withModel.modelVersion).toBe(model.modelVersion);
    const r = withModel.analyze({ id: 'e', text: '体验极差，再也不来' });
    expect(r.modelVersion).toBe(model.modelVersion);
    expect(r.sentiment.label).toBe('negative');
    expect(() => createAnalyzer({ model: { format: 'x' } as never })).toThrow();
  });

  it('never throws on bad input', () => {
    const huge = '警察殴打群众。'.repeat(750_000); // ~5 MB
    const inputs: unknown[] = [
      { id: 'e1', text: '' },
      { id: 'e2', text: huge },
      { id: 'e3', text: '\uD800\uDC00\uD800 broken \uDC00 surrogates 警察\uD83D' },
      { id: 'e4', text: '😀😡🚓🎉' },
      { id: 'e5', text: 'The police officers were praised for their quick response.' },
      { id: 'e6', title: null, text: '<p>HTML &amp; <b>tags</b></p>' },
      { id: 7, text: 42 },
      null,
      {},
    ];
    for (const input of inputs) {
      const r = analyzer.analyze(input as never);
      expect(typeof r.policeRelated).toBe('boolean');
      expect(r.simhash).toMatch(/^[0-9a-f]{16}$/);
    }
    expect(analyzer.analyze({ id: 'e2', text: huge }).truncated).toBe(true);
    expect(analyzer.analyze({ id: 'e5', text: 'The police officers were praised.' }).language).toBe('en');
  });
});

describe('createAnalyzer places', () => {
  it('matches short place names on token boundaries only', () => {
    expect(analyzer.analyze({ id: 'p1', text: '两种说法大同小异，祝大家平安顺利' }).places).toEqual([]);
    expect(analyzer.analyze({ id: 'p3', text: '广州天河区一男子持刀伤人' }).places).toEqual(['广东省', '广州市', '天河区']);
    // With a title the text is title + ' ' + body, and the tokens are those of both.
    const r = analyzer.analyze({ id: 'p4', title: '大同小异', text: '吉林长春朝阳区发生交通事故' });
    expect(r.places).toEqual(['吉林省', '长春市', '朝阳区']);
  });
});
