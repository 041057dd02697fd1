import { describe, expect, it } from 'vitest';
import { inhibitedKeys, isInhibited, nextAlertState, nextSourceHealthState, type AlertState } from '../src/index';
import { levelInput, T0 } from './fixtures';

const mk = (ruleId: number, topicId: number, level: 'blue' | 'yellow' | 'orange' | 'red', state: AlertState['state'] = 'firing'): AlertState => ({
  ...nextAlertState(null, levelInput(level, 'none', { ruleId, topic: { id: topicId } }), T0).alert!,
  state,
});

describe('inhibition', () => {
  it('a higher-level alert of the same topic inhibits the lower-level ones', () => {
    const keys = inhibitedKeys([mk(1, 7, 'yellow'), mk(2, 7, 'orange'), mk(3, 7, 'blue')]);
    expect([...keys].sort()).toEqual(['rule:1:topic:7', 'rule:3:topic:7']);
  });

  it('equal levels, different topics and resolved inhibitors do not inhibit', () => {
    expect(inhibitedKeys([mk(1, 7, 'orange'), mk(2, 7, 'orange')]).size).toBe(0);
    expect(inhibitedKeys([mk(1, 7, 'yellow'), mk(2, 8, 'red')]).size).toBe(0);
    expect(inhibitedKeys([mk(1, 7, 'yellow'), mk(2, 7, 'red', 'resolved')]).size).toBe(0);
  });

  it('an acknowledged higher alert still inhibits (someone is on the topic already)', () => {
    expect(isInhibited(mk(1, 7, 'yellow'), [mk(2, 7, 'red', 'acknowledged')])).toBe(true);
  });

  it('source health alerts neither inhibit nor are inhibited', () => {
    const src = nextSourceHealthState(null, { type: 'failing', sourceId: 7, sourceName: 's' }, T0).alert!;
    expect(isInhibited(src, [mk(1, 7, 'red')])).toBe(false);
    expect(isInhibited(mk(1, 7, 'blue'), [{ ...src, level: 'red' }])).toBe(false);
  });
});
