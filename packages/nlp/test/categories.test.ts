import { describe, expect, it } from 'vitest';
import { categorize, defaultCategoryRules, loadCategoryRules, OTHER_CATEGORY } from '../src/categories';
import { normalize } from '../src/normalize';
import { tokenize } from '../src/segment';

function cats(raw: string): string[] {
  const text = normalize(raw).text;
  return categorize(tokenize(text), text);
}

describe('categorize with the shipped rules', () => {
  it.each([
    ['某地派出所民警在执法过程中将一名女子摁倒在地，视频曝光后网友质疑暴力执法', '执法争议'],
    ['某县公安局副局长严重违纪违法，被开除党籍和公职', '警察违纪'],
    ['男子酒后拒不配合检查并殴打民警，已因涉嫌袭警罪被刑事拘留', '警民冲突/袭警'],
    ['数百名业主聚集在售楼处门口拉横幅维权', '群体性事件'],
    ['某小区发生一起持刀伤人案，犯罪嫌疑人已被抓获', '刑事案件'],
    ['今早高速公路上一辆大货车与轿车追尾，造成两人受伤', '交通事故'],
    ['某工厂仓库突发火灾，消防员紧急扑灭明火', '火灾/灾害'],
    ['市民接到冒充客服的诈骗电话，被要求转账到安全账户，民警及时劝阻', '电信诈骗'],
    ['网传某地发生抢孩子事件系谣言，造谣者已被行政拘留', '谣言'],
  ])('%s → %s first', (text, expected) => {
    expect(cats(text)[0]).toBe(expected);
  });

  it('returns 其他 when nothing matches', () => {
    expect(cats('今天天气很好，我们去公园散步')).toEqual([OTHER_CATEGORY]);
    expect(cats('居民警惕！气象台发布暴雨预警')).toEqual([OTHER_CATEGORY]);
  });

  it('needs a police word for police-only categories', () => {
    // 违纪/停职 without any police context is some other institution's matter.
    expect(cats('某学校教师严重违纪违法被停职')).not.toContain('警察违纪');
    expect(cats('某派出所民警严重违纪违法被停职')).toContain('警察违纪');
  });

  it('can return several categories in score order', () => {
    const r = cats('民警处置交通事故时遭肇事司机殴打，涉嫌袭警罪，车祸致两人受伤');
    expect(r).toContain('交通事故');
    expect(r).toContain('警民冲突/袭警');
    expect(r).not.toContain(OTHER_CATEGORY);
  });

  it('survives bad input', () => {
    expect(categorize([], '')).toEqual([OTHER_CATEGORY]);
    expect(categorize(null as unknown as string[], null as unknown as string)).toEqual([OTHER_CATEGORY]);
    expect(cats('😀😀')).toEqual([OTHER_CATEGORY]);
  });
});

describe('loadCategoryRules', () => {
  const custom = loadCategoryRules({
    threshold: 2,
    sets: { pets: ['猫', '狗'] },
    categories: [
      { name: '宠物', keywords: { 走失: 2 }, requireAny: ['@pets'] },
      { name: '噪音', phrases: { 广场舞: 2 } },
    ],
  });

  it('applies a deployment’s own rules, sets and phrases', () => {
    expect(categorize(['猫', '走失'], '猫走失', custom)).toEqual(['宠物']);
    expect(categorize(['老人', '走失'], '老人走失', custom)).toEqual([OTHER_CATEGORY]);
    expect(categorize(['跳', '广场', '舞'], '跳广场舞', custom)).toEqual(['噪音']);
  });

  it('accepts JSON text and rejects broken rules with every problem listed', () => {
    expect(loadCategoryRules('{"categories":[{"name":"x","keywords":{"a":1}}]}').categories).toHaveLength(1);
    expect(() => loadCategoryRules({ categories: [{ name: '' }, { name: 'y', keywords: { a: 'x' } }] })).toThrow(/name.*keywords\.a/s);
    expect(() => loadCategoryRules({ categories: [{ name: 'z', requireAny: ['@missing'] }] })).toThrow(/unknown set/);
    expect(() => loadCategoryRules({})).toThrow(TypeError);
  });

  it('loads the shipped file once', () => {
    expect(defaultCategoryRules()).toBe(defaultCategoryRules());
    expect(defaultCategoryRules().categories.map((c) => c.name)).toEqual([
      '执法争议',
      '警察违纪',
      '警民冲突/袭警',
      '群体性事件',
      '刑事案件',
      '交通事故',
      '火灾/灾害',
      '电信诈骗',
      '谣言',
    ]);
  });
});
