import { describe, expect, it } from 'vitest';
import { createAnalyzer, parseJurisdiction } from '../src/index';

describe('jurisdiction gazetteer files', () => {
  const entries = [{ name: '青石区', aliases: ['青石'], kind: 'district' }, { name: '城南派出所', kind: 'station' }];

  it('accepts a list or {jurisdiction: [...]} and marks items inside the jurisdiction', () => {
    expect(parseJurisdiction(entries)).toHaveLength(2);
    const fromObject = parseJurisdiction({ _comment: 'x', jurisdiction: entries });
    expect(fromObject.map((e) => e.name)).toEqual(['青石区', '城南派出所']);
    const a = createAnalyzer({ jurisdiction: { jurisdiction: fromObject } });
    const r = a.analyze({ id: '1', text: '今天上午，青石区城南派出所民警在街头处置一起纠纷。' });
    expect(r.jurisdictionHits.length).toBeGreaterThan(0);
    const outside = a.analyze({ id: '2', text: '北京市朝阳区今天天气晴朗。' });
    expect(outside.jurisdictionHits).toEqual([]);
  });

  it('rejects a malformed file with every problem named', () => {
    expect(() => parseJurisdiction([{ name: '', kind: 'planet' }])).toThrow(/name.*kind|kind.*name/s);
    expect(() => parseJurisdiction({ places: [] })).toThrow(/invalid jurisdiction gazetteer/);
  });
});
