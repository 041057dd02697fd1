/**
 * Rule preview: replays stored level and stage changes through the same matching and lifecycle
 * the live alerter uses and lists the notifications the rule would have caused ("this rule would
 * have fired 3 times: …"). Pure: the caller loads the last N days of changes with their topics and
 * passes the lifecycle options the alerter runs with (ALERT_AUTO_RESOLVE: under `faded` a 消散期
 * resolves and a later 次生 reopens, which level changes alone would not show).
 */
import { DEFAULT_LIFECYCLE, nextAlertState, type AlertInput, type LifecycleOptions } from '../lifecycle';
import type { AlertState, TopicView } from '../types';
import { inputForLevelChange, inputForStageChange, type LevelChange, type StageChange } from './apply';
import { matchRule } from './match';
import { quietMutes } from './quiet-hours';
import type { Rule } from './schema';

/**
 * One stored change with the topic as it was then. `id` is the row's id: level and stage changes
 * share one id sequence, and the alerter reads them in that order; changes at the same time are
 * replayed by id (then as given).
 */
export type HistoryEntry = LevelHistoryEntry | StageHistoryEntry;

/** A level change (`kind` may be left out). */
export interface LevelHistoryEntry {
  kind?: 'level';
  id?: number;
  change: LevelChange;
  topic: TopicView;
}

/** A stage change. */
export interface StageHistoryEntry {
  kind: 'stage';
  id?: number;
  change: StageChange;
  topic: TopicView;
}

/** One notification the rule would have caused. */
export interface PreviewFire {
  topicId: number;
  title: string;
  level: LevelChange['level'];
  at: number;
  type: 'firing' | 'escalated' | 'reopened';
  /** Inside the rule's quiet hours below their level: the alert fires but its webhook waits. */
  quiet: boolean;
  reasons: string[];
}

/** What previewRule reports. */
export interface RulePreview {
  count: number;
  fires: PreviewFire[];
  summary: string;
}

const TYPE_LABEL = { firing: '新预警', escalated: '升级', reopened: '次生' } as const;
const LEVEL_LABEL = { none: '无', blue: '蓝', yellow: '黄', orange: '橙', red: '红' } as const;
const PREVIEW_RULE_ID = 0;

/** Shanghai wall-clock time as MM-DD HH:MM (UTC+8, no DST since 1991). */
const shanghai = (at: number): string => new Date(at + 8 * 3600_000).toISOString().slice(5, 16).replace('T', ' ');

/**
 * The notifications a rule would have caused over the given history. `enabled` is ignored: a
 * preview shows what the rule does when it is on.
 */
export function previewRule(rule: Rule, history: readonly HistoryEntry[], opts: LifecycleOptions = DEFAULT_LIFECYCLE): RulePreview {
  const draft = { ...rule, enabled: true, id: PREVIEW_RULE_ID };
  const alerts = new Map<number, AlertState>();
  const fires: PreviewFire[] = [];
  const ordered = history.map((h, i) => ({ h, i })).sort((a, b) => a.h.change.at - b.h.change.at || (a.h.id ?? 0) - (b.h.id ?? 0) || a.i - b.i);
  for (const { h } of ordered) {
    const current = alerts.get(h.change.topicId) ?? null;
    const input: AlertInput | null = h.kind === 'stage' ? inputForStageChange(draft, h.topic, h.change, current) : inputForLevelChange(draft, h.topic, h.change);
    if (!input) continue;
    const t = nextAlertState(current, input, h.change.at, opts);
    if (t.alert) alerts.set(h.change.topicId, t.alert);
    const ev = t.events[0];
    if (!t.notify || !ev || (ev.type !== 'firing' && ev.type !== 'escalated' && ev.type !== 'reopened')) continue;
    fires.push({
      topicId: h.change.topicId,
      title: h.topic.title,
      level: h.change.level,
      at: h.change.at,
      type: ev.type,
      quiet: quietMutes(rule.quietHours, ev.level, h.change.at),
      reasons: matchRule(draft, { ...h.topic, level: h.change.level }).reasons,
    });
  }
  const list = fires.map((f) => `${shanghai(f.at)} ${LEVEL_LABEL[f.level]} ${f.title}（${TYPE_LABEL[f.type]}${f.quiet ? '，静默时段' : ''}）`);
  const summary = fires.length ? `此规则将触发 ${fires.length} 次：${list.join('；')}` : '此规则在所给历史中不会触发';
  return { count: fires.length, fires, summary };
}
