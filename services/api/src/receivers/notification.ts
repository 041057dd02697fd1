/**
 * The vendor-neutral notification: what every receiver is told, before it is shaped into a
 * DingTalk, WeCom, Feishu or plain JSON message. Stored as `deliveries.payload`.
 */
import { z } from 'zod';

export const NOTIFICATION_LEVELS = ['blue', 'yellow', 'orange', 'red'] as const;
export type NotificationLevel = (typeof NOTIFICATION_LEVELS)[number];

export const NOTIFICATION_KINDS = ['firing', 'escalated', 'acknowledged', 'resolved', 'reopened', 'source_health', 'digest'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** 蓝色预警 … 红色预警: the words the public-security warning scale uses. */
export const LEVEL_LABELS: Record<NotificationLevel, string> = {
  blue: '蓝色预警',
  yellow: '黄色预警',
  orange: '橙色预警',
  red: '红色预警',
};

/** What happened, in the words a duty officer reads first. */
export const KIND_LABELS: Record<NotificationKind, string> = {
  firing: '新预警',
  escalated: '预警升级',
  acknowledged: '已确认',
  resolved: '已解除',
  reopened: '再次升温（次生）',
  source_health: '信源异常',
  digest: '舆情简报',
};

/** Trend words the alerting code may use; any other text is shown as given. */
const TREND_LABELS: Record<string, string> = { up: '上升 ↑', rising: '上升 ↑', down: '回落 ↓', falling: '回落 ↓', flat: '平稳 →', steady: '平稳 →' };

const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'only http(s) links');

/** A notification; `levelLabel` is filled in from `level` when missing. */
export const notificationSchema = z
  .object({
    title: z.string().min(1).max(500),
    level: z.enum(NOTIFICATION_LEVELS),
    levelLabel: z.string().min(1).max(20).optional(),
    summary: z.string().max(5000).default(''),
    heat: z.number().finite(),
    trend: z.string().max(50).optional(),
    link: httpUrl.optional(),
    at: z.iso.datetime({ offset: true }),
    kind: z.enum(NOTIFICATION_KINDS),
    /**
     * A digest's message, rendered by @yuqing/digest (outside text already inert, at most ~3.5 KB):
     * robots show it as it is instead of the alert layout. Only with kind 'digest'.
     */
    markdown: z.string().max(8000).optional(),
  })
  .transform((n) => ({ ...n, levelLabel: n.levelLabel ?? LEVEL_LABELS[n.level] }));

/** A validated notification. */
export type Notification = z.output<typeof notificationSchema>;
/** What callers hand in (levelLabel and summary optional). */
export type NotificationInput = z.input<typeof notificationSchema>;

const SHANGHAI = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** `2024-05-01 14:03:05` in Beijing time (Asia/Shanghai), whatever zone the ISO time was written in. */
export function beijingTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = Object.fromEntries(SHANGHAI.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** Heat for people: at most one decimal. */
export function formatHeat(heat: number): string {
  return String(Math.round(heat * 10) / 10);
}

/** The trend in Chinese, or undefined. */
export function trendText(trend: string | undefined): string | undefined {
  if (!trend) return undefined;
  return TREND_LABELS[trend.toLowerCase()] ?? trend;
}

/**
 * Makes outside text inert in Markdown. Titles and summaries come from crawled pages: a headline
 * such as `[点此核实](http://evil)` must not become a link in the police duty group, nor `<font>` a
 * fake colour. Markup characters become their full-width twins, which read naturally in Chinese
 * text and are not markup in any of the vendors' Markdown dialects (their backslash escaping is
 * undocumented and inconsistent). Newlines become spaces so a text cannot start its own heading.
 */
export function inertMarkdown(text: string, maxChars = 1000): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const cut = [...flat].length > maxChars ? `${[...flat].slice(0, maxChars - 1).join('')}…` : flat;
  return cut.replace(/[[\]<>*_#`~|\\]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
}

/** A link safe inside Markdown `(…)`: parsed, percent-encoded, parentheses and spaces escaped. */
export function markdownUrl(link: string): string {
  return new URL(link).href.replace(/\(/g, '%28').replace(/\)/g, '%29').replace(/ /g, '%20');
}

/** The headline of a notification: `【红色预警】标题` (with what happened, when it is not a new alert). */
export function headline(n: Notification): string {
  if (n.kind === 'digest') return n.title.replace(/\s+/g, ' ').trim();
  const what = n.kind === 'firing' ? '' : `${KIND_LABELS[n.kind]}：`;
  return `【${n.levelLabel}】${what}${n.title.replace(/\s+/g, ' ').trim()}`;
}

/**
 * The body lines shared by every Markdown format: what happened, title, heat and trend, summary,
 * Beijing time, link. `colour` wraps the level words in the vendor's colour markup.
 */
export function markdownLines(n: Notification, colour: (levelText: string) => string, opts: { summaryChars?: number } = {}): string[] {
  const lines = [
    `**${colour(inertMarkdown(n.levelLabel, 20))}** · ${KIND_LABELS[n.kind]}`,
    `**标题**：${inertMarkdown(n.title, 200)}`,
  ];
  const trend = trendText(n.trend);
  lines.push(`**热度**：${formatHeat(n.heat)}${trend ? `（趋势：${inertMarkdown(trend, 50)}）` : ''}`);
  if (n.summary.trim()) lines.push(`**摘要**：${inertMarkdown(n.summary, opts.summaryChars ?? 300)}`);
  lines.push(`**时间**：${beijingTime(n.at)}（北京时间）`);
  if (n.link) lines.push(`[查看详情](${markdownUrl(n.link)})`);
  return lines;
}
