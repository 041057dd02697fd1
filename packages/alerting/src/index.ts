/** Pure decision logic of alerting: rules, alert lifecycle, grouping and repeat, inhibition, silences, source health. */
export * from './types';
export * from './rules/schema';
export { matchRule, POLICE_NEGATIVE_SHARE, type RuleMatch } from './rules/match';
export { matchKeywords, termMatcher, type KeywordVerdict } from './rules/keywords';
export { inQuietHours, quietMutes, shanghaiMinuteOfDay } from './rules/quiet-hours';
export { inputForLevelChange, inputForStageChange, stageConcernsAlerts, type LevelChange, type StageChange } from './rules/apply';
export { previewRule, type HistoryEntry, type LevelHistoryEntry, type PreviewFire, type RulePreview, type StageHistoryEntry } from './rules/preview';
export { acknowledge, alertEvent, DEFAULT_LIFECYCLE, nextAlertState, resolve, type AlertInput, type AutoResolve, type LifecycleOptions } from './lifecycle';
export { nextSourceHealthState, SOURCE_HEALTH_LEVEL, type SourceHealthEvent } from './source-health';
export { inhibitedKeys, isInhibited } from './inhibition';
export * from './silences';
export * from './scheduler/types';
export { AggregationGroup, type GroupMember, type MuteCheck } from './scheduler/group';
export { defaultGroupKey, NotificationScheduler, type SchedulerOptions } from './scheduler/scheduler';
export * from './incident-workflow';
