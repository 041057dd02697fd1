import { describe, expect, it } from 'vitest';
import { features, hashedFeatures, loadModel, train, type LrModelJson, type NbModelJson, type TrainingExample } from '../src/model';
import { tokenize } from '../src/segment';

const NEG = ['服务太差了', '房间很脏很旧', '态度恶劣让人生气', '再也不来了太失望', '隔音差吵得睡不着', '前台爱理不理'];
const POS = ['服务很好很热情', '房间干净舒适', '早餐丰富好吃', '位置方便交通便利', '性价比高会再来', '前台耐心周到'];
const PINNED = '2024-01-01T00:00:00.000Z';

function examples(): TrainingExample[] {
  return [...NEG.map((t) => ({ tokens: tokenize(t), negative: true })), ...POS.map((t) => ({ tokens: tokenize(t), negative: false }))];
}

describe('model (logistic regression, the default)', () => {
  it('trains, serializes and predicts the same after a JSON round trip', () => {
    const json = train(examples(), { createdAt: PINNED }) as LrModelJson;
    expect(json.format).toBe('yuqing-lr');
    expect(json.version).toBe(1);
    expect(json.createdAt).toBe(PINNED);
    expect(Object.keys(json.heads)).toEqual(['negative']);
    const a = loadModel(json);
    const b = loadModel(JSON.parse(JSON.stringify(json)));
    const toks = tokenize('房间太脏了，很失望');
    const pos = tokenize('干净舒适，服务热情');
    expect(a.probability('negative', toks)).toBeGreaterThan(0.5);
    expect(a.probability('negative', pos)).toBeLessThan(0.5);
    expect(b.probability('negative', toks)).toBe(a.probability('negative', toks));
    expect(b.probability('negative', pos)).toBe(a.probability('negative', pos));
    expect(a.modelVersion).toBe(json.modelVersion);
    expect(a.modelVersion).toMatch(/^lr1-[0-9a-f]{8}$/);
  });

  it('is deterministic: the same data gives the same model, byte for byte', () => {
    const a = JSON.stringify(train(examples(), { createdAt: PINNED }));
    const b = JSON.stringify(train(examples(), { createdAt: PINNED }));
    expect(a).toBe(b);
    // Another seed orders the examples differently and gives another model.
    expect(train(examples(), { seed: 7 }).modelVersion).not.toBe(train(examples()).modelVersion);
  });

  it('trains the 3-way head from sentiment labels and derives the negative head from it', () => {
    const ex: TrainingExample[] = [
      { tokens: tokenize('很差'), sentiment: 'negative' },
      { tokens: tokenize('一般'), sentiment: 'neutral' },
      { tokens: tokenize('很好'), sentiment: 'positive' },
    ];
    const m = loadModel(train(ex));
    expect([...m.heads].sort()).toEqual(['negative', 'sentiment']);
    const p = m.predict('sentiment', tokenize('很差'));
    expect(p).not.toBeNull();
    expect(Object.keys(p ?? {})).toEqual(['negative', 'neutral', 'positive']);
    expect(Object.values(p ?? {}).reduce((s, x) => s + x, 0)).toBeCloseTo(1, 9);
    expect(p?.negative).toBeGreaterThan(p?.positive ?? 1);
    expect(m.probability('police_negative', tokenize('很差'))).toBeNull();
  });

  it('learns a rare class (balanced class weights)', () => {
    const ex: TrainingExample[] = [
      ...['民警殴打群众', '警察暴力执法', '辅警打人还不道歉'].map((t) => ({ tokens: tokenize(t), police_negative: true })),
      ...['民警救助走失老人', '警方破获诈骗案', '交警护送考生', '派出所开展反诈宣传', '公安局召开会议', '警察节日坚守岗位', '民警帮群众找回钱包', '特警开展训练', '警方发布提醒'].map((t) => ({
        tokens: tokenize(t),
        police_negative: false,
      })),
    ];
    const m = loadModel(train(ex));
    expect(m.probability('police_negative', tokenize('警察打人'))).toBeGreaterThan(0.5);
    expect(m.probability('police_negative', tokenize('民警救助老人'))).toBeLessThan(0.5);
  });

  it('never throws when predicting odd tokens', () => {
    const m = loadModel(train(examples()));
    expect(m.probability('negative', [])).toBeGreaterThan(0);
    expect(m.probability('negative', ['', ' ', '\n', '😡', 'x'.repeat(1000)])).toBeLessThan(1);
  });

  it('skips a head with only one class', () => {
    const m = train([{ tokens: ['a'], police_negative: true }, { tokens: ['b'], police_negative: true }]);
    expect(m.heads.police_negative).toBeUndefined();
  });

  it('refuses a malformed or future model with a clear error', () => {
    const good = train(examples()) as LrModelJson;
    expect(() => loadModel(null)).toThrow(/not a JSON object/);
    expect(() => loadModel('{"format":"yuqing-lr"}')).toThrow(/not a JSON object/);
    expect(() => loadModel([])).toThrow(/not a JSON object/);
    expect(() => loadModel({ format: 'other' })).toThrow(/unknown format/);
    expect(() => loadModel({ ...good, version: 2 })).toThrow(/unsupported yuqing-lr version 2/);
    expect(() => loadModel({ ...good, heads: undefined })).toThrow(/missing modelVersion or heads/);
    expect(() => loadModel({ ...good, features: { bits: 40 } })).toThrow(/malformed features/);
    const neg = good.heads.negative;
    expect(neg).toBeDefined();
    expect(() => loadModel({ ...good, heads: { negative: { ...neg, weights: ['AAAA'] } } })).toThrow(/weights\[0\] has 3 bytes/);
    expect(() => loadModel({ ...good, heads: { negative: { ...neg, bias: ['x'] } } })).toThrow(/head negative is malformed/);
    expect(() => loadModel({ ...good, heads: { negative: { ...neg, weights: [] } } })).toThrow(/head negative is malformed/);
  });

  it('rejects bad training options', () => {
    expect(() => train(examples(), { bits: 30 })).toThrow(/bits/);
    expect(() => train(examples(), { epochs: 0 })).toThrow(/epochs/);
  });

  it('hashes word, bigram, character and negation features, each once, in a fixed order', () => {
    const spec = { bits: 16, charNgrams: 2, wordBigrams: true, negationScope: 3 };
    const a = hashedFeatures(['不', '好'], spec);
    expect([...hashedFeatures(['不', '好'], spec)]).toEqual([...a]);
    expect(new Set(a).size).toBe(a.length);
    expect(a.every((x) => x < 1 << 16)).toBe(true);
    // Negation scope: 好 after 不 adds a NOT feature that 好 alone lacks.
    const plain = hashedFeatures(['好'], spec);
    const negated = hashedFeatures(['不', '好'], spec);
    const withoutNot = hashedFeatures(['不', '，', '好'], spec);
    expect(negated.length).toBeGreaterThan(plain.length);
    expect(hashedFeatures(['好', '不'], spec).length).toBeLessThan(negated.length);
    expect(withoutNot.length).toBeGreaterThan(0);
    expect(hashedFeatures([' ', ''], spec).length).toBe(1); // only the length bucket
  });

  it('gives the same features whether a character n-gram lies inside a token or across tokens', () => {
    // Cached per token or hashed at the boundary, 不作为 is the same 3-gram: a model reads the same text alike however it was cut.
    const spec = { bits: 18, charNgrams: 3, wordBigrams: false, negationScope: 0 };
    const whole = new Set(hashedFeatures(['不作为'], spec));
    const cut = new Set(hashedFeatures(['不', '作为'], spec));
    const onlyInWhole = [...whole].filter((f) => !cut.has(f));
    // Only the word features differ (不作为 vs 不 and 作为): every character n-gram is shared.
    expect(onlyInWhole.length).toBe(1);
    expect(hashedFeatures(['😀警察', '来了'], spec).length).toBe(hashedFeatures(['😀警察', '来了'], spec).length);
  });

  it('reads a rule marker as one feature, outside bigrams and character n-grams', () => {
    const spec = { bits: 18, charNgrams: 3, wordBigrams: true, negationScope: 3 };
    const plain = hashedFeatures(['警察', '不管'], spec);
    const marked = hashedFeatures(['警察', '不管', '⟦inaction⟧'], spec);
    expect(marked.length).toBe(plain.length + 1);
  });
});

describe('model (naive Bayes, the former format)', () => {
  it('still trains with algorithm nb and loads the yuqing-nb format', () => {
    const json = train(examples(), { algorithm: 'nb', minCount: 1, createdAt: PINNED }) as NbModelJson;
    expect(json.format).toBe('yuqing-nb');
    expect(json.version).toBe(1);
    const a = loadModel(JSON.parse(JSON.stringify(json)));
    expect(a.probability('negative', tokenize('房间太脏了，很失望'))).toBeGreaterThan(0.5);
    expect(a.probability('negative', tokenize('干净舒适，服务热情'))).toBeLessThan(0.5);
    expect(a.modelVersion).toMatch(/^nb1-/);
    expect(train(examples(), { algorithm: 'nb' }).modelVersion).toBe(train(examples(), { algorithm: 'nb' }).modelVersion);
    expect(() => loadModel({ ...json, version: 2 })).toThrow(/unsupported yuqing-nb version/);
    expect(() => loadModel({ ...json, heads: { negative: { classes: ['false', 'true'] } } })).toThrow(/head negative is malformed/);
  });

  it('builds unigram, bigram and character-bigram features, each once', () => {
    const f = features(['不', '好', '不', '好']);
    expect(f).toContain('不|好');
    expect(f).toContain('#不好');
    expect(f.filter((x) => x === '不')).toHaveLength(1);
    expect(features([' ', ''])).toEqual([]);
  });
});
