/** Hand-built digest inputs: a daily period 2026-11-28 08:00 → 2026-11-29 08:00 Beijing time, and a tiny XML checker. */
import type { DigestInput, IncidentRow, TopicInputRow } from '../src/index';

export const FROM = new Date('2026-11-28T00:00:00Z'); // 08:00 in Beijing
export const TO = new Date('2026-11-29T00:00:00Z');
export const HOUR = 3_600_000;
export const at = (hours: number): Date => new Date(FROM.getTime() + hours * HOUR);

export function topic(id: number, over: Partial<TopicInputRow> = {}): TopicInputRow {
  return {
    id,
    title: `事件 ${id}`,
    firstSource: '微博',
    stage: '扩散期',
    items: 10,
    policeRelated: 5,
    policeNegative: 2,
    levelAtStart: null,
    levelAtEnd: 'blue',
    levelsInPeriod: ['blue'],
    currentLevel: 'blue',
    hasLevelHistory: true,
    ...over,
  };
}

export function incidentRow(id: number, over: Partial<IncidentRow> = {}): IncidentRow {
  return {
    id,
    title: `危机事件 ${id}`,
    level: 'orange',
    status: 'handling',
    jurisdiction: '城东分局',
    ownerName: '张三',
    createdAt: at(1),
    dueAt: at(5),
    closedAt: null,
    ...over,
  };
}

/** An input with a little of everything; `over` replaces whole fields. */
export function input(over: Partial<DigestInput> = {}): DigestInput {
  return {
    kind: 'daily',
    from: FROM,
    to: TO,
    timeZone: 'Asia/Shanghai',
    generatedAt: new Date(TO.getTime() + 5 * 60_000),
    totals: { current: { items: 120, analyzed: 118, policeRelated: 30, policeNegative: 9 }, previous: { items: 100, analyzed: 100, policeRelated: 25, policeNegative: 5 } },
    hourly: [
      { at: at(0), items: 10, policeRelated: 3, policeNegative: 1 },
      { at: at(5), items: 50, policeRelated: 20, policeNegative: 6 },
      { at: at(23), items: 60, policeRelated: 7, policeNegative: 2 },
    ],
    alertEvents: [
      { period: 'current', type: 'firing', level: 'red', count: 1 },
      { period: 'current', type: 'firing', level: 'yellow', count: 3 },
      { period: 'current', type: 'escalated', level: 'orange', count: 2 },
      { period: 'current', type: 'reopened', level: 'yellow', count: 1 },
      { period: 'current', type: 'resolved', level: 'blue', count: 4 },
      { period: 'current', type: 'acknowledged', level: 'red', count: 7 },
      { period: 'current', type: 'updated', level: 'red', count: 9 },
      { period: 'previous', type: 'firing', level: 'blue', count: 5 },
    ],
    topicCount: 3,
    topics: [topic(1, { items: 20, policeNegative: 1 }), topic(2, { items: 40, policeNegative: 3 }), topic(3, { items: 20, policeNegative: 5 })],
    topicHourly: [
      { topicId: 2, at: at(0), items: 10 },
      { topicId: 2, at: at(5), items: 30 },
      { topicId: 1, at: at(23), items: 20 },
    ],
    representativeItems: [
      { id: 501, topicId: 2, rank: 1, title: '民警执法视频', url: 'https://weibo.example.com/1', sourceName: '微博', publishedAt: at(0.5), policeNegative: true, reposts: 300 },
      { id: 502, topicId: 2, rank: 2, title: '转发', url: 'https://weibo.example.com/2', sourceName: '微博', publishedAt: at(1), policeNegative: true, reposts: 3 },
      { id: 503, topicId: 1, rank: 1, title: null, url: 'javascript:alert(1)', sourceName: null, publishedAt: at(23.5), policeNegative: false, reposts: 0 },
    ],
    incidents: {
      opened: { count: 2, rows: [incidentRow(7), incidentRow(8, { status: 'new' })] },
      closed: { count: 1, rows: [incidentRow(3, { status: 'closed', closedAt: at(10) })] },
      overdue: { count: 1, rows: [incidentRow(7, { dueAt: new Date(TO.getTime() - 90 * 60_000) })] },
      previousOpened: 4,
      previousClosed: 0,
    },
    places: {
      policeRelated: 30,
      withPlace: 12,
      withJurisdiction: 4,
      topPlaces: [
        { name: '某市', items: 5 },
        { name: '东城区', items: 9 },
      ],
      topJurisdictions: [{ name: '城东', items: 4 }],
    },
    sources: {
      activeCount: 3,
      top: [
        { sourceId: 1, name: '微博', items: 70 },
        { sourceId: 2, name: '新闻网', items: 40 },
      ],
    },
    sourceHealth: {
      enabledSources: 12,
      fetches: 300,
      fetchErrors: 6,
      failingEvents: 1,
      recoveredEvents: 1,
      failingAtEnd: { count: 1, rows: [{ sourceId: 9, name: '论坛', since: at(20), consecutiveErrors: 5, error: 'timeout: 30s' }] },
      erroring: {
        count: 2,
        rows: [
          { sourceId: 4, name: '甲', fetches: 20, errors: 1, lastError: 'http_error' },
          { sourceId: 9, name: '论坛', fetches: 20, errors: 5, lastError: 'timeout' },
        ],
      },
    },
    ...over,
  };
}

/**
 * A strict little XML well-formedness check for the inline SVG (elements balanced, attributes
 * double-quoted without '<', only the five XML entities or numeric references). Throws on the first fault.
 */
export function assertWellFormedXml(xml: string): void {
  const token = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[A-Za-z_:][\w:.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  const badEntity = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
  const stack: string[] = [];
  let pos = 0;
  while (pos < xml.length) {
    token.lastIndex = pos;
    const m = token.exec(xml);
    if (!m) throw new Error(`not well-formed at ${pos}: ${xml.slice(pos, pos + 40)}`);
    pos = token.lastIndex;
    const [, close, name, attrs, selfClose, text] = m;
    if (text !== undefined) {
      if (badEntity.test(text)) throw new Error(`bad entity in text: ${text.slice(0, 40)}`);
      continue;
    }
    if (attrs && badEntity.test(attrs)) throw new Error(`bad entity in attributes of <${name}>`);
    const names = [...(attrs ?? '').matchAll(/([A-Za-z_:][\w:.-]*)=/g)].map((a) => a[1]);
    if (new Set(names).size !== names.length) throw new Error(`duplicate attribute in <${name}>`);
    if (close) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else if (!selfClose) {
      stack.push(name as string);
    }
  }
  if (stack.length) throw new Error(`unclosed <${stack.join('> <')}>`);
}

/** Every <svg>…</svg> in a page. */
export function svgsOf(html: string): string[] {
  return [...html.matchAll(/<svg\b[\s\S]*?<\/svg>/g)].map((m) => m[0]);
}
