import { describe, expect, it } from 'vitest';
import { normalize } from '../src/normalize';
import { isOpinion, policeNegative, riskOf } from '../src/police-negative';
import { policeRelevance } from '../src/relevance';
import { tokenize } from '../src/segment';
import { scoreSentiment } from '../src/sentiment';

function pn(text: string) {
  const n = normalize(text);
  const tokens = tokenize(n.text);
  const rel = policeRelevance(tokens, [], { mentions: n.mentions, textLength: n.text.length });
  return policeNegative(rel, scoreSentiment(tokens, n.emoticons), tokens);
}

describe('policeNegative', () => {
  it('flags misconduct, inaction and clashes', () => {
    expect(pn('网传某派出所民警暴力执法，将路人打伤').negative).toBe(true);
    expect(pn('报案三次，警察就是不立案，推来推去').negative).toBe(true);
    expect(pn('交警乱罚款，司机敢怒不敢言').negative).toBe(true);
    expect(pn('男子酒后袭警被依法刑拘').negative).toBe(true);
    expect(pn('这些警察拿着工资不作为，真让人寒心！').negative).toBe(true);
  });

  it('names the risk kinds it found', () => {
    expect(pn('民警涉嫌受贿，充当保护伞').kinds).toContain('corruption');
    expect(pn('警方迟迟不立案').kinds).toContain('inaction');
  });

  it('leaves routine, positive and advisory police news alone', () => {
    expect(pn('民警成功救下落水儿童，群众纷纷点赞').negative).toBe(false);
    expect(pn('警方提醒：春节期间谨防电信诈骗').negative).toBe(false);
    expect(pn('市公安局举行新警入职仪式').negative).toBe(false);
    expect(pn('警方破获一起盗窃案，抓获嫌疑人三名').negative).toBe(false);
  });

  it('is never negative when the item is not police-related', () => {
    const r = pn('这家饭店太坑人了，服务员态度恶劣，乱收费');
    expect(r.negative).toBe(false);
    expect(r.score).toBe(0);
  });

  it('discounts denied risks and tells comments from reports', () => {
    expect(riskOf(tokenize('并未发现暴力执法')).risk).toBeLessThan(riskOf(tokenize('发现暴力执法')).risk);
    expect(isOpinion(tokenize('你们到底管不管？'))).toBe(true);
    expect(isOpinion(tokenize('警方已介入调查'))).toBe(false);
  });

  it('never throws on odd input', () => {
    for (const t of ['', '🚓🚓', 'police brutality', '\uD800', '警察'.repeat(100_000)]) expect(() => pn(t)).not.toThrow();
  });
});
