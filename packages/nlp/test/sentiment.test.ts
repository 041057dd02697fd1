import { describe, expect, it } from 'vitest';
import { normalize } from '../src/normalize';
import { tokenize } from '../src/segment';
import { scoreSentiment } from '../src/sentiment';

function s(text: string) {
  const n = normalize(text);
  return scoreSentiment(tokenize(n.text), n.emoticons);
}

describe('scoreSentiment', () => {
  it('labels plain praise and complaints', () => {
    expect(s('房间干净，服务热情周到，非常满意').label).toBe('positive');
    expect(s('房间又脏又旧，隔壁吵得睡不着，太失望了').label).toBe('negative');
    expect(s('今天下午三点开会').label).toBe('neutral');
  });

  it('flips a sentiment word after a negation', () => {
    expect(s('服务很热情').score).toBeGreaterThan(0);
    expect(s('服务一点也不热情').score).toBeLessThan(0);
    expect(s('这个处理结果我不满意').label).toBe('negative');
  });

  it('strengthens a word after a degree adverb', () => {
    expect(s('非常失望').score).toBeLessThan(s('有点失望').score);
    expect(s('特别好').score).toBeGreaterThan(s('还算好').score);
  });

  it('weighs the clause after an adversative more', () => {
    expect(s('位置还不错，但是房间太脏了，服务也差').label).toBe('negative');
    expect(s('房间有点小，不过干净舒适，服务热情，很满意').label).toBe('positive');
  });

  it('reads rhetorical questions as reproach', () => {
    expect(s('凭什么这样对待老百姓？').label).toBe('negative');
    expect(s('难道就没有人管管吗？').label).toBe('negative');
    expect(s('难道就没有人管管吗？').score).toBeLessThan(s('有人管吗').score);
  });

  it('counts emoticons and exclamations', () => {
    expect(s('又堵车了[怒][怒]').label).toBe('negative');
    expect(s('收到礼物啦[哈哈][爱你]').label).toBe('positive');
    expect(s('太恶心了！！').score).toBeLessThan(s('太恶心了').score);
  });

  it('reads praise in quotation marks as sarcasm and eulogies as grief', () => {
    expect(s('这就是所谓的“负责”').score).toBeLessThan(0);
    expect(s('一路走好，您是伟大的人，谢谢您').label).toBe('negative');
  });

  it('keeps the score in [-1, 1] and never throws', () => {
    const inputs = ['', '😀', '😡😡😡', 'I love this hotel, it is great', '\uDC00\uD800', '差'.repeat(50_000), '好'.repeat(50_000)];
    for (const t of inputs) {
      const r = s(t);
      expect(r.score).toBeGreaterThanOrEqual(-1);
      expect(r.score).toBeLessThanOrEqual(1);
    }
    expect(s('😡😡😡').label).toBe('negative');
  });
});
