/**
 * computeDigest: the figures of one period from the rows the database gives for it. Every number
 * is a count of stored rows under a rule written in `notes`, so anyone can recount it in SQL:
 *   - items belong to the period by published time, [from, to);
 *   - the previous period is the span of equal length just before it;
 *   - warnings are topic alerts' events in the period, by the event's level;
 *   - a topic's heat is its items in the period (see HEAT_DEFINITION);
 *   - incidents are counted as they stood then, from their timeline: closed = a close in the period
 *     (CLOSED_DEFINITION), overdue = overdue at the period end (OVERDUE_DEFINITION), so a digest
 *     made again later for a past period gives the same figures.
 */
import { bucketIndex, bucketLabel, periodBuckets, type Buckets } from './buckets';
import { asLevel, KIND_NAMES, LEVEL_LABELS, levelRank, LEVELS_DESC, STATUS_LABELS } from './labels';
import { formatDate, formatDateTime, zoneLabel } from './time';
import type {
  Digest,
  DigestIncident,
  DigestInput,
  DigestItem,
  DigestTopic,
  Figure,
  IncidentRow,
  ItemTotals,
  ShareFigure,
  TopicInputRow,
  TopicLevel,
  WarningLevelRow,
  WarningTotals,
} from './types';

/** Topics listed in a digest (the Markdown message shows the first five). */
export const TOP_TOPICS = 10;
/** Representative items listed: the best item of each top topic, in topic order. */
export const REPRESENTATIVE_ITEMS = 8;

export const HEAT_DEFINITION =
  '热度＝统计时段内发布、归入该话题的条目数（按话题的转载链归并，含并入该话题的其他话题）；热度相同时涉警负面条目多者在前，再按话题编号。';
export const SHARE_DEFINITION = '负面占比＝涉警负面条目数 ÷ 涉警条目数';
export const OVERDUE_DEFINITION =
  '超期＝统计时段结束前开立，统计时段结束时处于新建、研判中或处置中，且当时的应回应时间早于统计时段结束（状态与应回应时间按事件时间线还原到统计时段结束时，之后的回应、结案、改期不影响本期数字）';
export const CLOSED_DEFINITION = '结案＝统计时段内在事件时间线上转为已结案的事件（时段内多次结案只计一次，之后重新打开的仍计入）';

const round = (v: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

function figure(value: number, previous: number): Figure {
  return { value, previous, change: value - previous, changeRatio: previous > 0 ? round((value - previous) / previous, 4) : null };
}

function share(t: ItemTotals): number | null {
  return t.policeRelated > 0 ? t.policeNegative / t.policeRelated : null;
}

function shareFigure(current: ItemTotals, previous: ItemTotals): ShareFigure {
  const v = share(current);
  const p = share(previous);
  return {
    value: v === null ? null : round(v, 4),
    previous: p === null ? null : round(p, 4),
    changePoints: v === null || p === null ? null : round((v - p) * 100, 2),
    numerator: 'policeNegative',
    denominator: 'policeRelated',
    definition: SHARE_DEFINITION,
  };
}

/** The order of topics by heat: items, then police-negative items, then id (the loader's SQL sorts the same way). */
export function compareTopics(a: Pick<TopicInputRow, 'items' | 'policeNegative' | 'id'>, b: Pick<TopicInputRow, 'items' | 'policeNegative' | 'id'>): number {
  return b.items - a.items || b.policeNegative - a.policeNegative || a.id - b.id;
}

/** The level at the end of the period and the highest during it. */
export function topicLevels(t: TopicInputRow): { level: TopicLevel; peakLevel: TopicLevel } {
  if (!t.hasLevelHistory) {
    const l = asLevel(t.currentLevel);
    return { level: l, peakLevel: l };
  }
  const level = asLevel(t.levelAtEnd ?? 'none');
  let peak: TopicLevel = level;
  for (const l of [t.levelAtStart ?? 'none', ...t.levelsInPeriod]) {
    const lv = asLevel(l);
    if (levelRank(lv) > levelRank(peak)) peak = lv;
  }
  return { level, peakLevel: peak };
}

function incident(r: IncidentRow, to: Date, overdue: boolean): DigestIncident {
  return {
    id: r.id,
    title: r.title,
    level: r.level,
    levelLabel: LEVEL_LABELS[r.level],
    status: r.status,
    statusLabel: STATUS_LABELS[r.status],
    jurisdiction: r.jurisdiction,
    ownerName: r.ownerName,
    createdAt: r.createdAt.toISOString(),
    dueAt: r.dueAt.toISOString(),
    closedAt: r.closedAt ? r.closedAt.toISOString() : null,
    overdueMinutes: overdue ? Math.max(0, Math.floor((to.getTime() - r.dueAt.getTime()) / 60_000)) : 0,
  };
}

function title(input: DigestInput): string {
  const tz = input.timeZone;
  const lastInstant = new Date(input.to.getTime() - 1);
  const when =
    input.kind === 'daily'
      ? formatDate(lastInstant, tz)
      : input.kind === 'weekly'
        ? `${formatDate(input.from, tz)} 至 ${formatDate(lastInstant, tz)}`
        : `${formatDateTime(input.from, tz)} 至 ${formatDateTime(input.to, tz)}`;
  return `${KIND_NAMES[input.kind]}（${when}）`;
}

function warnings(input: DigestInput): Digest['warnings'] {
  const empty = (): WarningTotals => ({ opened: 0, escalated: 0, reopened: 0, resolved: 0 });
  const byLevel = new Map<string, WarningLevelRow>(LEVELS_DESC.map((l) => [l, { level: l, label: LEVEL_LABELS[l], ...empty() }]));
  const totals = empty();
  const previousTotals = empty();
  const field: Record<string, keyof WarningTotals> = { firing: 'opened', escalated: 'escalated', reopened: 'reopened', resolved: 'resolved' };
  for (const r of input.alertEvents) {
    const f = field[r.type];
    if (!f) continue;
    if (r.period === 'previous') {
      previousTotals[f] += r.count;
      continue;
    }
    const row = byLevel.get(r.level);
    if (!row) continue;
    row[f] += r.count;
    totals[f] += r.count;
  }
  return { byLevel: [...byLevel.values()], totals, previousTotals };
}

function series(b: Buckets, rows: Array<{ at: Date; n: number }>): number[] {
  const out = new Array<number>(b.edges.length - 1).fill(0);
  for (const r of rows) {
    const i = bucketIndex(b, r.at);
    if (i >= 0) out[i] = (out[i] ?? 0) + r.n;
  }
  return out;
}

const httpUrl = (u: string): string | null => (/^https?:\/\/[^\s]+$/i.test(u) ? u : null);

/** The digest of one period. */
export function computeDigest(input: DigestInput): Digest {
  const { from, to, timeZone: tz } = input;
  const span = to.getTime() - from.getTime();
  const b = periodBuckets(from, to, tz);
  const { current, previous } = input.totals;

  const perBucket = (pick: (h: DigestInput['hourly'][number]) => number): number[] => series(b, input.hourly.map((h) => ({ at: h.at, n: pick(h) })));
  const items = perBucket((h) => h.items);
  const policeRelated = perBucket((h) => h.policeRelated);
  const policeNegative = perBucket((h) => h.policeNegative);
  const volume: Digest['volume'] = {
    unit: b.unit,
    buckets: b.edges.slice(0, -1).map((start, i) => ({
      start: start.toISOString(),
      end: (b.edges[i + 1] as Date).toISOString(),
      label: bucketLabel(b.unit, start, tz),
      items: items[i] ?? 0,
      policeRelated: policeRelated[i] ?? 0,
      policeNegative: policeNegative[i] ?? 0,
    })),
  };

  const ranked = [...input.topics].sort(compareTopics).slice(0, TOP_TOPICS);
  const top: DigestTopic[] = ranked.map((t, i) => {
    const { level, peakLevel } = topicLevels(t);
    return {
      rank: i + 1,
      id: t.id,
      title: t.title,
      level,
      levelLabel: LEVEL_LABELS[level],
      peakLevel,
      stage: t.stage,
      firstSource: t.firstSource,
      heat: t.items,
      items: t.items,
      policeRelated: t.policeRelated,
      policeNegative: t.policeNegative,
      hotList: t.hotList ?? null,
      series: series(
        b,
        input.topicHourly.filter((h) => h.topicId === t.id).map((h) => ({ at: h.at, n: h.items })),
      ),
    };
  });

  const representativeItems: DigestItem[] = [];
  for (const t of top) {
    if (representativeItems.length >= REPRESENTATIVE_ITEMS) break;
    const best = input.representativeItems.filter((r) => r.topicId === t.id).sort((x, y) => x.rank - y.rank)[0];
    if (!best) continue;
    representativeItems.push({
      id: best.id,
      title: best.title?.trim() || '（无标题）',
      url: httpUrl(best.url),
      sourceName: best.sourceName,
      publishedAt: best.publishedAt.toISOString(),
      topicId: t.id,
      topicTitle: t.title,
      policeNegative: best.policeNegative,
      reposts: best.reposts,
    });
  }

  const byItems = <T extends { items: number; name: string }>(rows: T[]): T[] => [...rows].sort((x, y) => y.items - x.items || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  const sourceTop = byItems(input.sources.top).map((s) => ({ ...s, share: current.items > 0 ? round(s.items / current.items, 4) : 0 }));
  const inc = input.incidents;
  const health = input.sourceHealth;

  return {
    version: 1,
    kind: input.kind,
    title: title(input),
    period: {
      from: from.toISOString(),
      to: to.toISOString(),
      timeZone: tz,
      label: `${formatDateTime(from, tz)} 至 ${formatDateTime(to, tz)}（${zoneLabel(tz)}）`,
    },
    previousPeriod: { from: new Date(from.getTime() - span).toISOString(), to: from.toISOString() },
    generatedAt: input.generatedAt.toISOString(),
    headline: {
      items: figure(current.items, previous.items),
      policeRelated: figure(current.policeRelated, previous.policeRelated),
      policeNegative: figure(current.policeNegative, previous.policeNegative),
      negativeShare: shareFigure(current, previous),
      analyzed: current.analyzed,
    },
    volume,
    warnings: warnings(input),
    topics: { count: input.topicCount, heatDefinition: HEAT_DEFINITION, top },
    incidents: {
      opened: { count: inc.opened.count, previous: inc.previousOpened, list: inc.opened.rows.map((r) => incident(r, to, false)) },
      closed: { count: inc.closed.count, previous: inc.previousClosed, list: inc.closed.rows.map((r) => incident(r, to, false)) },
      overdue: { count: inc.overdue.count, definition: OVERDUE_DEFINITION, list: inc.overdue.rows.map((r) => incident(r, to, true)) },
    },
    places: {
      policeRelated: input.places.policeRelated,
      withPlace: input.places.withPlace,
      withJurisdiction: input.places.withJurisdiction,
      topPlaces: byItems(input.places.topPlaces),
      topJurisdictions: byItems(input.places.topJurisdictions),
    },
    sources: {
      activeCount: input.sources.activeCount,
      totalItems: current.items,
      top: sourceTop,
      otherItems: Math.max(0, current.items - sourceTop.reduce((s, x) => s + x.items, 0)),
    },
    sourceHealth: {
      enabledSources: health.enabledSources,
      fetches: health.fetches,
      fetchErrors: health.fetchErrors,
      failingEvents: health.failingEvents,
      recoveredEvents: health.recoveredEvents,
      failingAtEnd: {
        count: health.failingAtEnd.count,
        list: health.failingAtEnd.rows.map((r) => ({ sourceId: r.sourceId, name: r.name, since: r.since.toISOString(), consecutiveErrors: r.consecutiveErrors, error: r.error })),
      },
      erroring: { count: health.erroring.count, list: [...health.erroring.rows].sort((x, y) => y.errors - x.errors || x.sourceId - y.sourceId) },
    },
    representativeItems,
    notes: [
      '条目按发布时间计入统计时段（含起点、不含终点）；上一时段为紧邻其前、等长的时段。',
      `涉警、涉警负面以系统自动研判为准；${SHARE_DEFINITION}。尚未研判的条目只计入条目总数（本时段已研判 ${current.analyzed} 条）。`,
      '预警按话题预警（不含信源异常、事件超时）的预警记录计：新发、升级、次生（消退后再次升温）、解除，级别为该记录的级别。',
      HEAT_DEFINITION,
      '话题等级为统计时段结束时的等级；阶段为生成时话题所处阶段。',
      `${OVERDUE_DEFINITION}；${CLOSED_DEFINITION}；开立按开立时间计；事件列表中的级别、状态、应回应时间为统计时段结束时的，负责人为生成时的。`,
      '地域、辖区分布只计涉警条目；信源异常指统计时段结束时最近一次健康事件为“异常”的信源。',
    ],
  };
}
