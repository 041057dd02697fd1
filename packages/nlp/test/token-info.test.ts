import { describe, expect, it } from 'vitest';
import { categorize, categorizeOf } from '../src/categories';
import { keywords, keywordsOf } from '../src/keywords';
import { normalize } from '../src/normalize';
import { isOpinion, isOpinionIds, policeNegative, policeNegativeOf, riskOf, riskOfIds } from '../src/police-negative';
import { policeRelevance, relevanceOf } from '../src/relevance';
import { contentTokens, tokenize } from '../src/segment';
import { scoreSentiment, sentimentOf } from '../src/sentiment';
import { simhash, simhashOf } from '../src/simhash';
import { B_BLANK, B_CONTENT } from '../src/token-bits';
import { tokenTable } from '../src/token-info';

// The analyzer reads per-token facts from the shared token table (token-info.ts), by token id;
// each stage must give exactly what its public, token-only function gives.

/** Interns tokens into the shared table: their ids. */
function idsOf(tokens: readonly string[]): Int32Array {
  tokenTable.beginItem();
  return Int32Array.from(tokens, (t) => tokenTable.id(t));
}
const TEXTS = [
  '网友爆料称，某派出所民警在执法过程中殴打群众，现场视频引发热议，网友纷纷表示愤怒。',
  '报了警也没人管，警察到底干什么的？难道就这样算了吗！',
  '冒充警察诈骗老人，被公安机关抓获。电视剧中饰演警察的演员很“负责”',
  '这家酒店太差了，房间又脏又吵，再也不来了。不过服务员态度还不错',
  '南京市长江大桥上发生交通事故，交警和消防员赶到现场处置，120急救车也来了',
  '民警救起落水儿童，点赞！😀 凭什么不立案？并未发现暴力执法',
  'iPhone 15 发布 ok rt 2x 110 12345 3.5% 数百人 安全账户',
  '',
];

describe('token facts', () => {
  for (const text of TEXTS) {
    it(`match the public stage functions: ${text.slice(0, 12) || '(empty)'}`, () => {
      const tokens = tokenize(normalize(text).text);
      const ids = idsOf(tokens);
      const n = tokens.length;
      expect(keywordsOf(tokenTable, ids, n, 8)).toEqual(keywords(tokens, 8));
      expect(simhashOf(tokenTable, ids, n)).toBe(simhash(contentTokens(tokens)));
      expect(categorizeOf(tokenTable, ids, n, '', text)).toEqual(categorize(tokens, ` ${text}`));
      expect(sentimentOf(tokenTable, ids, n, ['怒'])).toEqual(scoreSentiment(tokens, ['怒']));
      const rel = policeRelevance(tokens, [], { textLength: text.length });
      expect(relevanceOf(tokenTable, ids, 0, 0, n, [], text.length)).toEqual({ ...rel, hits: [] });
      expect(riskOfIds(tokenTable, ids, n, [0])).toEqual(riskOf(tokens, [0]));
      expect(isOpinionIds(tokenTable, ids, n)).toBe(isOpinion(tokens));
      const related = { related: true, score: 0.7, hits: [], positions: [0] };
      const sentiment = scoreSentiment(tokens);
      expect(policeNegativeOf(related, sentiment.score, tokenTable, ids, n)).toEqual(policeNegative(related, sentiment, tokens));
    });
  }

  it('reads title and body ranges of one token array like separate lists', () => {
    const title = tokenize('派出所民警暴力执法');
    const body = tokenize('冒充警察的男子被抓');
    const all = [...title, '。', ...body];
    const ids = idsOf(all);
    const expected = policeRelevance(body, title);
    // Positions index the whole token array (the body's, shifted past the title and its full stop).
    expect(relevanceOf(tokenTable, ids, title.length, title.length + 1, all.length)).toEqual({ ...expected, hits: [], positions: expected.positions.map((p) => p + title.length + 1) });
  });

  it('votes simhash bits like simhash() with many repeated tokens', () => {
    const tokens: string[] = [];
    for (let i = 0; i < 1500; i++) tokens.push(`词${i % 37}`, '警察', `x${i % 5}y`);
    expect(simhashOf(tokenTable, idsOf(tokens), tokens.length)).toBe(simhash(tokens));
    expect(simhashOf(tokenTable, new Int32Array(0), 0)).toBe(simhash([]));
  });

  it('returns one id per distinct token', () => {
    expect(tokenTable.id('警察')).toBe(tokenTable.id(['警', '察'].join('')));
    expect(tokenTable.id('警察')).not.toBe(tokenTable.id('警方'));
    expect(tokenTable.str[tokenTable.id('警察')]).toBe('警察');
    expect((tokenTable.bits[tokenTable.id(' ')] as number) & B_BLANK).not.toBe(0);
    expect((tokenTable.bits[tokenTable.id('警察')] as number) & B_CONTENT).not.toBe(0);
  });
});
