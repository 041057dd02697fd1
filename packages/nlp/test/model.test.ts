import { describe, expect, it } from 'vitest';
import { features, loadModel, train, type TrainingExample } from '../src/model';
import { tokenize } from '../src/segment';

const NEG = ['服务太差了', '房间很脏很旧', '态度恶劣让人生气', '再也不来了太失望', '隔音差吵得睡不着', '前台爱理不理'];
const POS = ['服务很好很热情', '房间干净舒适', '早餐丰富好吃', '位置方便交通便利', '性价比高会再来', '前台耐心周到'];

function examples(): TrainingExample[] {
  return [...NEG.map((t) => ({ tokens: tokenize(t), negative: true })), ...POS.map((t) => ({ tokens: tokenize(t), negative: false }))];
}

describe('model', () => {
  it('trains, serializes and predicts the same after a JSON round trip', () => {
    const json = train(examples(), { minCount: 1, createdAt: '2024-01-01T00:00:00.000Z' });
    expect(json.format).toBe('yuqing-nb');
    expect(json.version).toBe(1);
    expect(Object.keys(json.heads)).toEqual(['negative']);
    const a = loadModel(json);
    const b = loadModel(JSON.parse(JSON.stringify(json)));
    const toks = tokenize('房间太脏了，很失望');
    expect(a.probability('negative', toks)).toBeGreaterThan(0.5);
    expect(a.probability('negative', tokenize('干净舒适，服务热情'))).toBeLessThan(0.5);
    expect(b.probability('negative', toks)).toBeCloseTo(a.probability('negative', toks) as number, 12);
    expect(a.modelVersion).toBe(json.modelVersion);
  });

  it('is deterministic: the same data gives the same model version', () => {
    expect(train(examples()).modelVersion).toBe(train(examples()).modelVersion);
  });

  it('trains the 3-way head from sentiment labels and derives the negative head from it', () => {
    const ex: TrainingExample[] = [
      { tokens: tokenize('很差'), sentiment: 'negative' },
      { tokens: tokenize('一般'), sentiment: 'neutral' },
      { tokens: tokenize('很好'), sentiment: 'positive' },
    ];
    const m = loadModel(train(ex, { minCount: 1 }));
    expect([...m.heads].sort()).toEqual(['negative', 'sentiment']);
    const p = m.predict('sentiment', tokenize('很差'));
    expect(p).not.toBeNull();
    expect(Object.keys(p ?? {})).toEqual(['negative', 'neutral', 'positive']);
    expect(m.probability('police_negative', tokenize('很差'))).toBeNull();
  });

  it('skips a head with only one class', () => {
    const m = train([{ tokens: ['a'], police_negative: true }, { tokens: ['b'], police_negative: true }]);
    expect(m.heads.police_negative).toBeUndefined();
  });

  it('refuses a malformed or future model', () => {
    expect(() => loadModel(null)).toThrow(/not a JSON object/);
    expect(() => loadModel({ format: 'other' })).toThrow(/unknown format/);
    expect(() => loadModel({ ...train(examples()), version: 2 })).toThrow(/unsupported version/);
  });

  it('builds unigram, bigram and character-bigram features, each once', () => {
    const f = features(['不', '好', '不', '好']);
    expect(f).toContain('不|好');
    expect(f).toContain('#不好');
    expect(f.filter((x) => x === '不')).toHaveLength(1);
    expect(features([' ', ''])).toEqual([]);
  });
});
