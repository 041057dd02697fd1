import { describe, expect, it } from 'vitest';
import { isSilenced, matcherMatches, nextAlertState, silenceSchema, silencesFor, type AlertState, type Silence, type SilenceMatcher } from '../src/index';
import { HOUR, levelInput, T0 } from './fixtures';

const alert: AlertState = nextAlertState(null, levelInput('orange', 'yellow', { ruleId: 3, topic: { id: 42 } }), T0).alert!;
const noCategory: AlertState = { ...alert, labels: { ...alert.labels, categories: [] } };

const silence = (matchers: SilenceMatcher[], over: Partial<Silence> = {}): Silence => ({ matchers, startsAt: T0, endsAt: T0 + HOUR, createdBy: 1, comment: '测试', ...over });

describe('silence matchers', () => {
  it.each<[string, SilenceMatcher, AlertState, boolean]>([
    ['topicId =', { field: 'topicId', op: '=', value: '42' }, alert, true],
    ['topicId = other', { field: 'topicId', op: '=', value: '4' }, alert, false],
    ['rule = id', { field: 'rule', op: '=', value: '3' }, alert, true],
    ['rule = name', { field: 'rule', op: '=', value: '测试规则' }, alert, true],
    ['level !=', { field: 'level', op: '!=', value: 'red' }, alert, true],
    ['level != own', { field: 'level', op: '!=', value: 'orange' }, alert, false],
    ['category = one of several', { field: 'category', op: '=', value: '执法争议' }, alert, true],
    ['place = a city among the places', { field: 'place', op: '=', value: '广州市' }, alert, true],
    ['place != a listed place', { field: 'place', op: '!=', value: '广州市' }, alert, false],
    ['source =', { field: 'source', op: '=', value: '微博' }, alert, true],
    ['keyword =~ anchored, whole value', { field: 'keyword', op: '=~', value: '.*派出所' }, alert, true],
    ['keyword =~ anchored, a fragment does not match', { field: 'keyword', op: '=~', value: '派出' }, alert, false],
    ['level =~ alternation', { field: 'level', op: '=~', value: 'orange|red' }, alert, true],
    ['level !~', { field: 'level', op: '!~', value: 'orange|red' }, alert, false],
    ['missing value is the empty string (=)', { field: 'category', op: '=', value: '' }, noCategory, true],
    ['missing value matches =~ .*', { field: 'category', op: '=~', value: '.*' }, noCategory, true],
    ['missing value: != anything holds', { field: 'category', op: '!=', value: '执法争议' }, noCategory, true],
  ])('%s', (_label, m, a, expected) => {
    expect(matcherMatches(m, a)).toBe(expected);
  });
});

describe('isSilenced', () => {
  const byTopic = silence([{ field: 'topicId', op: '=', value: '42' }]);

  it('is in force from startsAt (inclusive) to endsAt (exclusive)', () => {
    expect(isSilenced(alert, [byTopic], T0 - 1)).toBe(false);
    expect(isSilenced(alert, [byTopic], T0)).toBe(true);
    expect(isSilenced(alert, [byTopic], T0 + HOUR - 1)).toBe(true);
    expect(isSilenced(alert, [byTopic], T0 + HOUR)).toBe(false);
  });

  it('needs every matcher of a silence to hold; any one silence suffices', () => {
    const both = silence([
      { field: 'topicId', op: '=', value: '42' },
      { field: 'level', op: '=', value: 'red' },
    ]);
    expect(isSilenced(alert, [both], T0)).toBe(false);
    const regex = silence([{ field: 'category', op: '=~', value: '执法.*' }]);
    expect(silencesFor(alert, [both, regex], T0)).toEqual([regex]);
    expect(isSilenced(alert, [both, regex], T0)).toBe(true);
  });

  it('source health alerts are matched by source name or id', () => {
    const src: AlertState = { ...alert, kind: 'source_health', key: 'source:5', ruleId: null, ruleName: null, topicId: null, sourceId: 5, labels: { categories: [], places: [], sources: ['某论坛', '5'], keywords: [] } };
    expect(isSilenced(src, [silence([{ field: 'source', op: '=', value: '5' }])], T0)).toBe(true);
    expect(isSilenced(src, [silence([{ field: 'topicId', op: '=', value: '42' }])], T0)).toBe(false);
  });
});

describe('silence schema', () => {
  const valid = { matchers: [{ field: 'topicId', op: '=', value: '42' }], startsAt: T0, endsAt: T0 + HOUR, createdBy: 1, comment: '处置中' };
  it('accepts a well-formed silence', () => {
    expect(silenceSchema.parse(valid)).toEqual(valid);
  });
  it.each([
    ['no matchers', { ...valid, matchers: [] }],
    ['end before start', { ...valid, endsAt: T0 - 1 }],
    ['bad regex', { ...valid, matchers: [{ field: 'keyword', op: '=~', value: '(' }] }],
    ['unknown field', { ...valid, matchers: [{ field: 'heat', op: '=', value: '1' }] }],
    ['unknown op', { ...valid, matchers: [{ field: 'level', op: '>', value: 'red' }] }],
    ['no comment', { ...valid, comment: ' ' }],
  ])('rejects %s', (_label, input) => {
    expect(silenceSchema.safeParse(input).success).toBe(false);
  });
});
