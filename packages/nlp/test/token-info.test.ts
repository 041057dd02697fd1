import { describe, expect, it } from 'vitest';
import { categorize, categorizeOf } from '../src/categories';
import { keywords, keywordsOf } from '../src/keywords';
import { normalize } from '../src/normalize';
import { isOpinion, riskOf } from '../src/police-negative';
import { policeRelevance, relevanceOf } from '../src/relevance';
import { contentTokens, tokenize } from '../src/segment';
import { scoreSentiment, sentimentOf } from '../src/sentiment';
import { simhash, simhashOf } from '../src/simhash';
import { tokenInfo } from '../src/token-info';

// The analyzer reads cached per-token facts (token-info.ts); each stage must give exactly what
// its public, token-only function gives.
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
      const infos = tokens.map((t) => tokenInfo(t));
      expect(keywordsOf(tokens, infos, 8)).toEqual(keywords(tokens, 8));
      expect(simhashOf(infos)).toBe(simhash(contentTokens(tokens)));
      expect(categorizeOf(infos, ['', text])).toEqual(categorize(tokens, ` ${text}`));
      expect(sentimentOf(tokens, infos, ['怒'])).toEqual(scoreSentiment(tokens, ['怒']));
      expect(relevanceOf(tokens, infos, 0, 0, tokens, infos, 0, { textLength: text.length })).toEqual(policeRelevance(tokens, [], { textLength: text.length }));
      expect(riskOf(tokens, [0], infos)).toEqual(riskOf(tokens, [0]));
      expect(isOpinion(tokens, infos)).toBe(isOpinion(tokens));
    });
  }

  it('reads title and body ranges of one token array like separate lists', () => {
    const title = tokenize('派出所民警暴力执法');
    const body = tokenize('冒充警察的男子被抓');
    const all = [...title, '。', ...body];
    const infos = all.map((t) => tokenInfo(t));
    expect(relevanceOf(all, infos, 0, title.length, all, infos, title.length + 1)).toEqual(policeRelevance(body, title));
  });

  it('votes simhash bits like simhash() with many repeated tokens', () => {
    const tokens: string[] = [];
    for (let i = 0; i < 1500; i++) tokens.push(`词${i % 37}`, '警察', `x${i % 5}y`);
    expect(simhashOf(tokens.map((t) => tokenInfo(t)))).toBe(simhash(tokens));
    expect(simhashOf([])).toBe(simhash([]));
  });

  it('returns one object per distinct token', () => {
    expect(tokenInfo('警察')).toBe(tokenInfo(['警', '察'].join('')));
    expect(tokenInfo(' ').blank).toBe(true);
    expect(tokenInfo('警察').content).toBe(true);
  });
});
