/**
 * Digests (日报 / 周报) as pure functions: the figures of one period from the rows the database
 * gives for it, and their renderings (HTML with inline SVG for screen and A4 print, Markdown for a
 * robot message, JSON). No I/O here: packages/db gathers the rows, services/api schedules and stores.
 */
export * from './types';
export { computeDigest, compareTopics, topicLevels, TOP_TOPICS, REPRESENTATIVE_ITEMS, HEAT_DEFINITION, SHARE_DEFINITION, OVERDUE_DEFINITION, CLOSED_DEFINITION } from './compute';
export { renderDigestHtml } from './html';
export { renderDigestMarkdown, digestHtmlLink, utf8Bytes, MARKDOWN_MAX_BYTES, type MarkdownOptions } from './markdown';
export { periodBuckets, bucketIndex, bucketLabel, type Buckets, type BucketUnit } from './buckets';
export { addLocalDays, formatDate, formatDateTime, formatShort, fromWallTime, isValidTimeZone, wallTime, zoneLabel, zoneOffsetMs, type WallTime } from './time';
export { escapeHtml, inertMarkdown, truncate } from './escape';
export { sparkline, volumeChart, stackedBar, miniBar, niceMax } from './svg';
export { LEVEL_COLOURS, LEVEL_LABELS, STATUS_LABELS, KIND_NAMES, asLevel, levelRank } from './labels';
