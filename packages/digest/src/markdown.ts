/**
 * The digest as a robot message (DingTalk / WeCom Markdown): headline figures, warnings by level,
 * the top five topics, overdue incidents and a link to the full page — within MARKDOWN_MAX_BYTES
 * of UTF-8 (WeCom refuses more than 4096). When it is too long, lists get shorter first, then
 * titles; as a last resort whole lines are dropped from the end, never part of a character.
 * Paragraphs are separated by blank lines (DingTalk joins single newlines); outside text is inert.
 */
import { inertMarkdown } from './escape';
import { fmtChange, fmtDuration, fmtInt, fmtPct, fmtPointsChange } from './format';
import { LEVEL_LABELS } from './labels';
import { formatShort, zoneLabel, formatDateTime } from './time';
import type { Digest, Figure } from './types';

/** The most UTF-8 bytes a digest message may take (WeCom's limit is 4096; headroom for the vendor wrapper). */
export const MARKDOWN_MAX_BYTES = 3500;

export interface MarkdownOptions {
  /** Where people open the system (PUBLIC_BASE_URL), e.g. http://10.1.2.3:3000. */
  baseUrl?: string;
  /** The stored digest's id: the message links to its HTML page. */
  digestId?: number;
  /** Byte bound (default MARKDOWN_MAX_BYTES). */
  maxBytes?: number;
}

const encoder = new TextEncoder();
/** UTF-8 size of a string. */
export const utf8Bytes = (s: string): number => encoder.encode(s).length;

interface Budget {
  topics: number;
  topicChars: number;
  overdue: number;
  overdueChars: number;
}

const BUDGETS: Budget[] = [
  { topics: 5, topicChars: 40, overdue: 5, overdueChars: 30 },
  { topics: 5, topicChars: 28, overdue: 3, overdueChars: 20 },
  { topics: 5, topicChars: 18, overdue: 2, overdueChars: 14 },
  { topics: 3, topicChars: 14, overdue: 1, overdueChars: 12 },
];

/**
 * The absolute link to a digest for a pushed message, or null when it cannot be made absolute. It
 * opens the duty page at #/digests/ID rather than the HTML itself: a leader reading the message on a
 * phone is usually not logged in there, so the page asks for the login first and then shows the digest.
 */
export function digestHtmlLink(opts: Pick<MarkdownOptions, 'baseUrl' | 'digestId'>): string | null {
  if (!opts.baseUrl || opts.digestId === undefined) return null;
  let base: URL;
  try {
    base = new URL(opts.baseUrl);
  } catch {
    return null;
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') return null;
  const path = `${base.pathname.replace(/\/+$/, '')}/`;
  return `${new URL(path, base.origin).href}#/digests/${Math.trunc(opts.digestId)}`.replace(/\(/g, '%28').replace(/\)/g, '%29');
}

function figureLine(label: string, f: Figure): string {
  return `- ${label}：${fmtInt(f.value)}（${fmtChange(f)}）`;
}

function lines(d: Digest, b: Budget, opts: MarkdownOptions): string[] {
  const tz = d.period.timeZone;
  const hl = d.headline;
  const out: string[] = [
    `### ${inertMarkdown(d.title, 60)}`,
    '',
    `统计时段：${formatDateTime(new Date(d.period.from), tz)} 至 ${formatDateTime(new Date(d.period.to), tz)}（${inertMarkdown(zoneLabel(tz), 40)}）`,
    '',
    '**核心指标**（较上一时段）',
    '',
    figureLine('条目总数', hl.items),
    figureLine('涉警条目', hl.policeRelated),
    figureLine('涉警负面', hl.policeNegative),
    `- 负面占比（涉警负面÷涉警）：${fmtPct(hl.negativeShare.value)}（${fmtPointsChange(hl.negativeShare)}）`,
    '',
  ];
  const w = d.warnings;
  const byLevel = w.byLevel
    .filter((r) => r.opened > 0)
    .map((r) => `${LEVEL_LABELS[r.level].slice(0, 1)} ${r.opened}`)
    .join('、');
  out.push(`**预警**：新发 ${w.totals.opened}${byLevel ? `（${byLevel}）` : ''}，升级 ${w.totals.escalated}，次生 ${w.totals.reopened}，解除 ${w.totals.resolved}`, '');

  const top = d.topics.top.slice(0, b.topics);
  out.push(`**热点话题**（共 ${fmtInt(d.topics.count)} 个话题有新条目）`, '');
  if (top.length === 0) out.push('本时段无。');
  for (const t of top) {
    const level = t.level === 'none' ? '' : `【${LEVEL_LABELS[t.level]}】`;
    const extra = [
      `热度 ${fmtInt(t.heat)}`,
      t.stage ? inertMarkdown(t.stage, 8) : null,
      t.firstSource ? `首发 ${inertMarkdown(t.firstSource, 10)}` : null,
      t.hotList ? `上榜 ${inertMarkdown(t.hotList.lists.slice(0, 2).join('、'), 20)} 最高第 ${t.hotList.bestRank} 位` : null,
    ]
      .filter(Boolean)
      .join('，');
    out.push(`${t.rank}. ${level}${inertMarkdown(t.title, b.topicChars)}（${extra}）`);
  }
  out.push('');

  const inc = d.incidents;
  out.push(`**舆情事件**：新开立 ${inc.opened.count}，已结案 ${inc.closed.count}，超期未回应 ${inc.overdue.count}`, '');
  const overdue = inc.overdue.list.slice(0, b.overdue);
  for (const i of overdue) {
    out.push(`- #${i.id}【${LEVEL_LABELS[i.level]}】${inertMarkdown(i.title, b.overdueChars)}，应回应 ${formatShort(new Date(i.dueAt), tz)}，已超期 ${fmtDuration(i.overdueMinutes)}`);
  }
  if (inc.overdue.count > overdue.length && overdue.length > 0) out.push(`- 另有 ${inc.overdue.count - overdue.length} 起`);
  if (overdue.length) out.push('');

  const link = digestHtmlLink(opts);
  if (link) out.push(`[查看完整${inertMarkdown(d.title.replace(/（.*$/, ''), 10)}](${link})`);
  else if (opts.digestId !== undefined) out.push(`完整版请登录系统查看（简报编号 ${Math.trunc(opts.digestId)}）`);
  return out;
}

/** The Markdown message of a digest, at most `maxBytes` bytes of UTF-8. */
export function renderDigestMarkdown(d: Digest, opts: MarkdownOptions = {}): string {
  const max = opts.maxBytes ?? MARKDOWN_MAX_BYTES;
  let text = '';
  for (const b of BUDGETS) {
    text = lines(d, b, opts).join('\n').trim();
    if (utf8Bytes(text) <= max) return text;
  }
  // Still too long (only with a tiny bound): whole lines from the start while they fit.
  const kept: string[] = [];
  let size = 0;
  for (const line of text.split('\n')) {
    const add = utf8Bytes(line) + (kept.length ? 1 : 0);
    if (size + add > max) break;
    kept.push(line);
    size += add;
  }
  return kept.join('\n').trim();
}
