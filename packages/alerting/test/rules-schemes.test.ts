/** The rule criterion `schemes`: a topic matches when one of its items matched one of the named monitoring schemes. */
import { describe, expect, it } from 'vitest';
import { inputForLevelChange, matchRule, ruleSchema } from '../src/index';
import { rule, T0, topic } from './fixtures';

describe('rule criterion schemes', () => {
  it('defaults to none (any topic), and takes positive integer ids only', () => {
    expect(ruleSchema.parse({ name: 'x' }).schemes).toEqual([]);
    expect(ruleSchema.safeParse({ name: 'x', schemes: [0] }).success).toBe(false);
    expect(ruleSchema.safeParse({ name: 'x', schemes: ['1'] }).success).toBe(false);
  });

  it('matches a topic carrying one of the schemes, and says which', () => {
    const r = rule({ schemes: [3, 5] });
    expect(matchRule(r, topic({ schemes: [5, 9] }))).toEqual({ matched: true, reasons: expect.arrayContaining(['监测方案：#5']) });
    expect(matchRule(r, topic({ schemes: [9] }))).toEqual({ matched: false, reasons: ['未命中监测方案（需 #3、#5）'] });
    // A view without scheme ids is no match for a rule that names schemes.
    expect(matchRule(r, topic()).matched).toBe(false);
    // A rule naming none ignores them.
    expect(matchRule(rule(), topic()).matched).toBe(true);
  });

  it('a level change reaches the rule only for a topic with a matching item', () => {
    const r = rule({ schemes: [3] });
    const change = { topicId: 7, level: 'orange' as const, previous: 'yellow' as const, at: T0, reason: '测试' };
    expect(inputForLevelChange(r, topic({ schemes: [3] }), change)).toMatchObject({ type: 'level', ruleId: 1 });
    expect(inputForLevelChange(r, topic({ schemes: [] }), change)).toBeNull();
  });
});
