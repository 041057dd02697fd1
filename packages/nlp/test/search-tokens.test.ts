import { describe, expect, it } from 'vitest';
import { createAnalyzer } from '@yuqing/nlp';

describe('searchTokens', () => {
  const analyzer = createAnalyzer();

  it('are the distinct content tokens of title and body, in order, without stop words or punctuation', () => {
    const r = analyzer.analyze({ id: '1', title: '民警暴力执法', text: '派出所民警暴力执法引发热议。' });
    expect(r.searchTokens).toEqual(['民警', '暴力执法', '派出所', '引发', '热议']);
  });

  it('keep false friends whole (报警器 is not 报警)', () => {
    expect(analyzer.analyze({ id: '2', text: '新款报警器上市销售' }).searchTokens).toEqual(['新款', '报警器', '上市', '销售']);
  });

  it('are empty for an empty item', () => {
    expect(analyzer.analyze({ id: '3', text: '' }).searchTokens).toEqual([]);
  });
});
