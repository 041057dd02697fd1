import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalize } from '../src/normalize';
import { createPlaceMatcher, type JurisdictionEntry } from '../src/places';
import { tokenize } from '../src/segment';

const matcher = createPlaceMatcher();
function places(raw: string): string[] {
  const text = normalize(raw).text;
  return matcher.find(text, tokenize(text)).places;
}

describe('places', () => {
  it('resolves short forms to full hierarchical names', () => {
    expect(places('广州天河区一男子持刀伤人')).toEqual(['广东省', '广州市', '天河区']);
    expect(places('内蒙古呼和浩特发生火灾')).toEqual(['内蒙古自治区', '呼和浩特市']);
    expect(places('新疆伊犁')).toEqual(['新疆维吾尔自治区', '伊犁哈萨克自治州']);
    expect(places('延边州警方通报')).toEqual(['吉林省', '延边朝鲜族自治州']);
  });

  it('puts a municipality’s districts directly under it', () => {
    expect(places('北京市朝阳区警方通报')).toEqual(['北京市', '朝阳区']);
  });

  it('places an ambiguous county under its parent only when the parent is mentioned', () => {
    expect(places('朝阳区发生一起交通事故')).toEqual(['朝阳区']);
    expect(places('长春市朝阳区发生一起交通事故')).toEqual(['吉林省', '长春市', '朝阳区']);
    expect(places('吉林长春朝阳区')).toEqual(['吉林省', '长春市', '朝阳区']);
  });

  it('lists distinct names in order of first mention', () => {
    expect(places('从上海到杭州，再回上海')).toEqual(['上海市', '浙江省', '杭州市']);
  });

  it('prefers the province for a short form shared with a prefecture (吉林, 海南)', () => {
    expect(places('海南三亚发生车祸')).toEqual(['海南省', '三亚市']);
    expect(places('吉林发生地震')).toEqual(['吉林省']);
  });

  it('does not read common words as places', () => {
    expect(places('公安机关依法处理')).toEqual([]);
    expect(places('祝大家平安顺利')).toEqual([]); // 安顺
    expect(places('两种说法大同小异')).toEqual([]); // 大同
    expect(places('南部地区和平稳定')).toEqual([]); // 南部县, 和平县 keep only full names
  });

  it('still finds a county whose short form is a common word when written in full', () => {
    expect(places('湖北公安县')).toEqual(['湖北省', '荆州市', '公安县']);
  });

  it('handles Hong Kong, Macao and Taiwan as provinces', () => {
    expect(places('香港和台湾')).toEqual(['香港特别行政区', '台湾省']);
  });

  it('survives bad input', () => {
    expect(matcher.find('').places).toEqual([]);
    expect(matcher.find(null as unknown as string).places).toEqual([]);
    expect(matcher.find('\uD800abc😀').places).toEqual([]);
    expect(matcher.find('Police in Beijing').places).toEqual([]);
    expect(matcher.find('广州'.repeat(100_000)).places).toEqual(['广东省', '广州市']);
  });
});

describe('jurisdiction gazetteer', () => {
  const sample = JSON.parse(readFileSync(new URL('../data/dict/jurisdiction.sample.json', import.meta.url), 'utf8')) as {
    jurisdiction: JurisdictionEntry[];
  };
  const local = createPlaceMatcher({ jurisdiction: sample.jurisdiction });

  it('reports canonical names of entries and aliases in order of mention', () => {
    const text = '东湖所民警在白沙镇巡逻时，接到柳湾居民报警';
    expect(local.find(text, tokenize(text)).jurisdictionHits).toEqual(['东湖派出所', '白沙镇', '柳湾街道']);
  });

  it('reports divisions and gazetteer hits together', () => {
    const text = '广州市青石分局通报';
    const r = local.find(text, tokenize(text));
    expect(r.places).toEqual(['广东省', '广州市']);
    expect(r.jurisdictionHits).toEqual(['青石区公安分局']);
  });

  it('builds quickly', () => {
    const started = performance.now();
    createPlaceMatcher({ jurisdiction: sample.jurisdiction });
    expect(performance.now() - started).toBeLessThan(300);
  });
});
