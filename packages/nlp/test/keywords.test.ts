import { describe, expect, it } from 'vitest';
import { idfOf, keywords, keywordsFromText } from '../src/keywords';
import { tokenize } from '../src/segment';

const TEXT =
  '某市公安局通报：一名男子在商场门口持刀伤人，民警接警后迅速到场将其抓获。持刀伤人事件造成两人受伤，伤者已送医救治。警方提醒市民注意安全。';

describe('keywords', () => {
  it('ranks repeated, rare content words first and respects k', () => {
    const kw = keywords(tokenize(TEXT), 5);
    expect(kw).toHaveLength(5);
    expect(kw[0]).toBe('持刀伤人');
    expect(kw).toContain('接警');
    expect(kw).not.toContain('某市');
  });

  it('returns no stop words, punctuation, numbers or meaningless single chars', () => {
    const kw = keywords(tokenize('的的的了了，，，2024年 在 是 民警 民警'), 8);
    expect(kw).toEqual(['民警']);
  });

  it('defaults to 8 keywords', () => {
    expect(keywords(tokenize(TEXT))).toHaveLength(8);
  });

  it('uses jieba idf: common words weigh less than rare ones', () => {
    expect(idfOf('我们')).toBeLessThan(idfOf('袭警'));
    expect(idfOf('一个完全不存在的词')).toBeCloseTo(11.74, 2);
  });

  it('keywordsFromText segments first', () => {
    expect(keywordsFromText(TEXT, 3)).toEqual(keywords(tokenize(TEXT), 3));
  });

  it('is deterministic and survives bad input', () => {
    expect(keywords(tokenize(TEXT))).toEqual(keywords(tokenize(TEXT)));
    expect(keywords([])).toEqual([]);
    expect(keywords(tokenize(TEXT), 0)).toEqual([]);
    expect(keywords(null as unknown as string[])).toEqual([]);
    expect(keywordsFromText('😀😀')).toEqual([]);
  });
});
