import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAlertRule, listAlertRules } from '@yuqing/db';
import { ruleSchema } from '@yuqing/alerting';
import { seedDefaultRule } from '../src/commands/up';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv('upseed');
});
afterAll(async () => t.cleanup());

describe('yuqing up on a fresh database', () => {
  it('adds one valid default rule, once, and never when rules exist', async () => {
    expect(await seedDefaultRule(t.db)).toBe('涉警负面预警（黄色及以上）');
    expect(await seedDefaultRule(t.db)).toBeNull();
    const rules = await listAlertRules(t.db);
    expect(rules).toHaveLength(1);
    const spec = ruleSchema.parse(rules[0]!.spec);
    expect(spec).toMatchObject({ minLevel: 'yellow', scope: 'police_negative', enabled: true });
    expect(spec.audienceRoles).toEqual(expect.arrayContaining(['pr', 'leader', 'analyst', 'admin']));
  });

  it('leaves a database with its own rules alone', async () => {
    const other = await createTestEnv('upseed2');
    try {
      await insertAlertRule(other.db, { spec: ruleSchema.parse({ name: '自定义' }) });
      expect(await seedDefaultRule(other.db)).toBeNull();
      expect((await listAlertRules(other.db)).map((r) => r.name)).toEqual(['自定义']);
    } finally {
      await other.cleanup();
    }
  });
});
