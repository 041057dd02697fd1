/**
 * What a topic level change, or a stage change, means for one rule's alert on that topic. Shared
 * by the live alerter and by previewRule, so a preview is the same decision the live path would
 * have made.
 */
import type { Level } from '@yuqing/topics';
import type { AlertInput } from '../lifecycle';
import type { AlertState, TopicView } from '../types';
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

/** A stage change as the topic stage records it (topic_level_changes' sibling, topic_stage_changes). */
export interface StageChange {
  topicId: number;
  /** 发生期, 扩散期, 高潮期, 消散期 or 次生 (only the last two mean anything to alerts). */
  stage: string;
  /** The topic's level when its stage changed (the stage change leaves it as it is). */
  level: Level;
  /** The topic closed without its level dropping to none (a person's level stood). */
  closed: boolean;
  at: number;
  reason: string;
}

/** The stages that can change an alert; any other stage change is nothing to alerts. */
export const stageConcernsAlerts = (stage: string): boolean => stage === '消散期' || stage === '次生';

/**
 * The lifecycle input a stage change gives `current`, the alert of `rule` on the change's topic
 * (null: none yet, so nothing to fade or flare), or null when it is nothing to it.
 * - 消散期 reaches every alert of the topic, whatever became of its rule (`rule` may be null), as a
 *   drop to none does; the lifecycle resolves it or not by ALERT_AUTO_RESOLVE.
 * - 次生 reaches the alert of a rule that matches the topic as it now is (`topic` is its view,
 *   null when it is gone or merged); the lifecycle reopens it only under ALERT_AUTO_RESOLVE=faded.
 */
export function inputForStageChange(
  rule: (Rule & { id: number }) | null,
  topic: TopicView | null,
  change: StageChange,
  current: AlertState | null,
): AlertInput | null {
  if (!current) return null;
  if (change.stage === '消散期') return { type: 'faded', closed: change.closed, reason: change.reason };
  if (change.stage !== '次生' || !rule || !topic) return null;
  const view: TopicView = { ...topic, level: change.level };
  if (!matchRule(rule, view).matched) return null;
  return { type: 'flare', ruleId: rule.id, ruleName: rule.name, topic: view, reason: change.reason, audienceRoles: rule.audienceRoles };
}
