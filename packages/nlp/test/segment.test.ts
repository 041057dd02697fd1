import { describe, expect, it } from 'vitest';
import { contentTokens, isStopWord, tokenize } from '../src/segment';

describe('tokenize', () => {
  it('keeps domain words from the user dictionary whole', () => {
    const tokens = tokenize('交警支队民警调取执法记录仪，涉嫌暴力执法的辅警被停职');
    for (const w of ['交警支队', '民警', '执法记录仪', '暴力执法', '辅警', '停职']) expect(tokens).toContain(w);
  });

  it('keeps false friends of 警 whole so no bare 警 appears', () => {
    const tokens = tokenize('请提高警惕，气象台发布暴雨预警，烟雾报警器响了，这是一个警告和警示，火警警钟长鸣');
    expect(tokens).not.toContain('警');
    expect(tokens).not.toContain('民警');
    expect(tokens).toEqual(expect.arrayContaining(['提高警惕', '暴雨预警', '烟雾报警器', '警告', '警示', '火警']));
  });

  it('drops whitespace tokens', () => {
    const tokens = tokenize('警方 通报  情况\t说明');
    expect(tokens.every((t) => t.trim() !== '')).toBe(true);
    expect(tokens).toEqual(expect.arrayContaining(['警方', '通报']));
  });

  it('keeps 110 as one token', () => {
    expect(tokenize('拨打110报警')).toEqual(expect.arrayContaining(['110', '报警']));
  });

  it('survives bad input', () => {
    expect(tokenize('')).toEqual([]);
    expect(tokenize(null as unknown as string)).toEqual([]);
    expect(() => tokenize('\uD800abc')).not.toThrow();
    expect(tokenize('😀😀').join('')).toBe('😀😀');
    expect(tokenize('Police arrested him')).toEqual(expect.arrayContaining(['Police', 'arrested']));
  });
});

describe('stop words and content tokens', () => {
  it('knows function words and punctuation but not negators', () => {
    expect(isStopWord('的')).toBe(true);
    expect(isStopWord('，')).toBe(true);
    expect(isStopWord('民警')).toBe(false);
    expect(isStopWord('不')).toBe(false);
    expect(isStopWord('没有')).toBe(false);
  });

  it('removes stop words, punctuation, single ASCII chars and numbers but keeps 110', () => {
    expect(contentTokens(['民警', '的', '，', 'a', '2024', '3.5', '110', '!', '…', '袭警', '——'])).toEqual(['民警', '110', '袭警']);
  });
});
