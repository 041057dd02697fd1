/**
 * What a topic level change means for one rule's alert on that topic. Shared by the live alerter
 * and by previewRule, so a preview is the same decision the live path would have made.
 */
import type { Level } from '@yuqing/topics';
import type { AlertInput } from '../lifecycle';
import type { TopicView } from '../types';
import { matchRule } from './match';
import type { Rule } from './schema';

/** A level change as the topic stage records it (topic_level_changes / the level event). */
export interface LevelChange {
  topicId: number;
  level: Level;
  previous: Level;
  at: number;
  reason: string;
  /** False when a person's level stood and the automatic change was recorded only. */
  applied?: boolean;
  indicators?: unknown;
}

/**
 * The lifecycle input for a rule, or null when the change is nothing to it. A drop to none (the
 * topic closed) reaches every alert; any other change reaches only rules that match the topic as
 * it now is. `topic` is the topic's view after the change.
 */
export function inputForLevelChange(rule: Rule & { id: number }, topic: TopicView, change: LevelChange): AlertInput | null {
  if (change.applied === false) return null;
  const view: TopicView = { ...topic, level: change.level };
  if (change.level === 'none') return { type: 'faded', closed: true, reason: change.reason };
  if (!matchRule(rule, view).matched) return null;
  return {
    type: 'level',
    ruleId: rule.id,
    ruleName: rule.name,
    topic: view,
    previous: change.previous,
    reason: change.reason,
    audienceRoles: rule.audienceRoles,
    indicators: change.indicators,
  };
}
