import { describe, expect, it } from 'vitest';
import { idfOf } from '../src/keywords';
import { normalize } from '../src/normalize';
import { contentTokens, tokenize } from '../src/segment';
import { hamming, simhash } from '../src/simhash';

const BASE =
  '某市公安局发布警情通报：3月5日晚，某区一商场门口发生一起持刀伤人事件，造成两人受伤。接到报警后，民警迅速到场处置，将犯罪嫌疑人王某当场抓获。目前伤者已送医救治，无生命危险，案件正在进一步侦办中。';
const OTHER =
  '今年春节档电影票房再创新高，多部国产影片口碑票房双丰收，观众纷纷表示今年的电影质量明显提升，影院上座率也较往年大幅增长。';
const OTHER2 = '国家统计局今日公布数据显示，一季度国内生产总值同比增长，消费市场持续回暖，居民收入稳步提高，就业形势总体稳定。';

const fp = (text: string): string => simhash(contentTokens(tokenize(normalize(text).text)));
const fpIdf = (text: string): string =>
  simhash(contentTokens(tokenize(normalize(text).text)).map((t): [string, number] => [t, idfOf(t)]));

describe('simhash', () => {
  it('is 16 lowercase hex digits and deterministic', () => {
    const h = fp(BASE);
    expect(h).toMatch(/^[0-9a-f]{16}$/);
    expect(fp(BASE)).toBe(h);
    expect(simhash(['a', 'b'])).toBe(simhash([['a', 1], ['b', 1]]));
  });

  it('gives a plain repost (//@user: prefix) the same fingerprint', () => {
    expect(hamming(fp(BASE), fp(`//@路人甲:转发微博 ${BASE}`))).toBe(0);
  });

  it('keeps a repost with a short comment and a small edit near', () => {
    expect(hamming(fp(BASE), fp(`//@路人甲:太可怕了 ${BASE}`))).toBeLessThanOrEqual(6);
    expect(hamming(fp(BASE), fp(BASE.replace('两人受伤', '三人受伤')))).toBeLessThanOrEqual(6);
    expect(hamming(fpIdf(BASE), fpIdf(BASE.replace('3月5日晚', '3月5日夜间')))).toBeLessThanOrEqual(6);
  });

  it('keeps unrelated texts far apart', () => {
    expect(hamming(fp(BASE), fp(OTHER))).toBeGreaterThan(15);
    expect(hamming(fp(BASE), fp(OTHER2))).toBeGreaterThan(15);
    expect(hamming(fp(OTHER), fp(OTHER2))).toBeGreaterThan(15);
  });

  it('spreads single tokens over the 64 bits', () => {
    // Distinct one-token inputs should differ in about half the bits, not cluster.
    const hs = ['警察', '民警', '辅警', '交警', '袭警', '电诈', '谣言', '火灾'].map((t) => simhash([t]));
    let total = 0;
    let pairs = 0;
    for (let i = 0; i < hs.length; i++)
      for (let j = i + 1; j < hs.length; j++) {
        total += hamming(hs[i] as string, hs[j] as string);
        pairs++;
      }
    expect(total / pairs).toBeGreaterThan(24);
    expect(total / pairs).toBeLessThan(40);
  });

  it('handles empty and bad input', () => {
    expect(simhash([])).toBe('0000000000000000');
    expect(simhash(null as unknown as string[])).toBe('0000000000000000');
    expect(simhash([['x', Number.NaN]])).toBe('0000000000000000');
  });
});

describe('hamming', () => {
  it('counts differing bits', () => {
    expect(hamming('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(hamming('0000000000000001', '0000000000000000')).toBe(1);
    expect(hamming('8000000000000000', '0000000080000000')).toBe(2);
    expect(hamming('abcdef0123456789', 'ABCDEF0123456789')).toBe(0);
  });

  it('treats malformed fingerprints as maximally distant', () => {
    expect(hamming('xyz', '0000000000000000')).toBe(64);
    expect(hamming(undefined as unknown as string, '0000000000000000')).toBe(64);
  });
});
