/**
 * The assemblers of the six forms (报表): pure reads that fill @yuqing/forms' model types from the
 * database, so a form is what the tables say, recountable with SQL. Each takes the client of one
 * read-only snapshot (forms.ts opens it), so every figure of a form is of the same moment.
 *
 * Counting rules, the same as the digests' (repositories/digests.ts) where a digest counts the same thing:
 *  - items belong to a period by published time, [from, to); 涉警 / 涉警负面 are the automatic
 *    analysis (item_analysis), as in the digests;
 *  - warnings of a week are topic alerts' events of type firing / escalated / reopened in it, at the
 *    event's level (the digest's 新发 + 升级 + 次生); the warning record lists every opinion alert (topic
 *    and incident alerts, not source health) first raised in the period, whoever its audience;
 *  - incidents opened / closed in a week are the digest's (creation time; a close on the timeline);
 *    responses are the official responses recorded on a timeline whose response time is in the week;
 *  - an incident's items are its linked items and the items of its linked topics (and of its linked
 *    alerts' topics), through their stories, merges followed.
 *
 * Only types come from @yuqing/forms: its renderers (docx, exceljs) are not loaded with the database package.
 */
import type {
  CrisisRecord,
  CrisisRegisterData,
  FormDataByKind,
  FormHeader,
  FormKind,
  FormLevel,
  InfoChannel,
  InfoCollectionData,
  InfoEntry,
  MajorReportData,
  VisitEntry,
  VisitRecordData,
  WarningRecordData,
  WeeklyReportData,
} from '@yuqing/forms';
import type { Queryable } from '../pool';
import { loadDigestInput } from './digests';

// --- wall-clock time in a zone (the forms' periods and the words they print) ---

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The local date and time of an instant in a zone. */
export function wallTimeIn(at: Date, timeZone: string): Wall {
  const p: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(at)) p[part.type] = part.value;
  return { year: Number(p['year']), month: Number(p['month']), day: Number(p['day']), hour: Number(p['hour']) % 24, minute: Number(p['minute']), weekday: WEEKDAYS[p['weekday'] ?? ''] ?? 0 };
}

/** The instant the zone's clocks show this local date at 00:00 (month and day may overflow, as in Date.UTC). */
export function localMidnight(year: number, month: number, day: number, timeZone: string): Date {
  const asUtc = Date.UTC(year, month - 1, day);
  const offset = (t: number): number => {
    const w = wallTimeIn(new Date(t), timeZone);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - Math.floor(t / 60_000) * 60_000;
  };
  // Two corrections settle every zone (the offset at the guess, then at the corrected guess).
  let t = asUtc - offset(asUtc);
  t = asUtc - offset(t);
  return new Date(t);
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** 2026-03-02 in the zone. */
export function localDate(at: Date, timeZone: string): string {
  const w = wallTimeIn(at, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/** 2026年3月2日 10:05 in the zone (how a form's prose writes a time). */
export function cnDateTime(at: Date, timeZone: string): string {
  const w = wallTimeIn(at, timeZone);
  return `${w.year}年${w.month}月${w.day}日 ${pad(w.hour)}:${pad(w.minute)}`;
}

/** 3月2日 in the zone. */
function cnDay(at: Date, timeZone: string): string {
  const w = wallTimeIn(at, timeZone);
  return `${w.month}月${w.day}日`;
}

/** 3月2日 21时 in the zone. */
function cnHour(at: Date, timeZone: string): string {
  const w = wallTimeIn(at, timeZone);
  return `${w.month}月${w.day}日${w.hour}时`;
}

// --- words ---

export const LEVEL_WORDS: Record<FormLevel, string> = { none: '无', blue: '蓝色', yellow: '黄色', orange: '橙色', red: '红色' };
/** Incident statuses as the forms print them. */
export const INCIDENT_STATUS_WORDS: Record<string, string> = { new: '新建', assessing: '研判中', handling: '处置中', responded: '已回应', closed: '已结案' };
const ALERT_STATE_WORDS: Record<string, string> = { firing: '预警中', acknowledged: '已确认', resolved: '已解除' };
const EVENT_WORDS: Record<string, string> = { firing: '新发', escalated: '升级', reopened: '次生' };
const TIMELINE_WORDS: Record<string, string> = {
  created: '开立事件',
  note: '备注',
  instruction: '领导批示',
  status: '状态变更',
  level: '级别变更',
  assign: '指定负责人',
  due: '调整应回应时间',
  response: '官方回应',
  link: '关联预警、话题或信息',
  edit: '修改登记信息',
  overdue: '超时未回应',
};

/**
 * A timeline entry as the register prints it: the repository's own words (they say what changed),
 * prefixed where the body alone does not say what it is (a leader's instruction, the response text).
 */
function timelineText(kind: string, body: string): string {
  const word = TIMELINE_WORDS[kind] ?? kind;
  if (!body) return word;
  return kind === 'instruction' || kind === 'response' ? `${word}：${body}` : body;
}

const LEVELS: readonly FormLevel[] = ['none', 'blue', 'yellow', 'orange', 'red'];
const asLevel = (v: string | null | undefined): FormLevel => (LEVELS as readonly string[]).includes(v ?? '') ? (v as FormLevel) : 'none';
const percent = (v: number): string => `${(Math.round(v * 1000) / 10).toFixed(1)}%`;

/** What every assembler needs besides the database. */
export interface AssembleContext {
  /** BUREAU_UNIT_NAME: the header's 呈报/填报单位. */
  unitName: string;
  /** The zone the prose prints times in (DIGEST_TIMEZONE). */
  timeZone: string;
  /** The generation time (呈报时间). */
  now: Date;
  /** Who makes the form (呈报人 / 填报人 by default; empty for the schedule). */
  reporter: string;
}

/** A new form's header: no 编号 yet, 内部, the bureau's unit. */
export function defaultHeader(ctx: Pick<AssembleContext, 'unitName'>): FormHeader {
  return { serial: '', secrecy: '内部', unit: ctx.unitName };
}

/** A period, [from, to). */
export interface FormPeriod {
  from: Date;
  to: Date;
}

// --- 重大事项呈报表 ---

/**
 * The topics an incident is about: linked topics and the topics of linked alerts, each followed
 * through merges to the topic its stories belong to now.
 */
async function incidentTopicIds(db: Queryable, incidentId: number): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT target_id AS id FROM incident_links WHERE incident_id = $1 AND kind = 'topic'
     UNION
     SELECT a.topic_id FROM incident_links l JOIN alerts a ON a.id = l.target_id
      WHERE l.incident_id = $1 AND l.kind = 'alert' AND a.topic_id IS NOT NULL`,
    [incidentId],
  );
  const ids = new Set(rows.map((r) => Number(r.id)));
  let frontier = [...ids];
  // A merge chain is short; the bound only guards against a cycle a bad row could make.
  for (let depth = 0; depth < 20 && frontier.length; depth++) {
    const merged = await db.query<{ merged_into: number }>(`SELECT merged_into FROM topics WHERE id = ANY($1::bigint[]) AND merged_into IS NOT NULL`, [frontier]);
    frontier = merged.rows.map((r) => Number(r.merged_into)).filter((id) => !ids.has(id));
    for (const id of frontier) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

/** The SQL of an incident's items ($1 incident id, $2 topic ids): linked items and its topics' items. */
const INCIDENT_ITEMS = `(
  SELECT si.item_id AS id FROM story_items si JOIN stories st ON st.id = si.story_id WHERE st.topic_id = ANY($2::bigint[])
  UNION SELECT target_id FROM incident_links WHERE incident_id = $1 AND kind = 'item'
)`;

interface IncidentDbRow {
  id: number;
  title: string;
  category: string;
  status: string;
  level: string;
  level_change_reason: string | null;
  level_changed_at: Date | null;
  jurisdiction: string;
  owner_name: string | null;
  due_at: Date;
  summary: string;
  response_at: Date | null;
  response_channel: string | null;
  response_text: string | null;
  closed_at: Date | null;
  closing_summary: string | null;
  created_at: Date;
}

const INCIDENT_SELECT = `SELECT i.id, i.title, i.category, i.status, i.level, i.level_change_reason, i.level_changed_at, i.jurisdiction,
    COALESCE(NULLIF(o.display_name, ''), o.name) AS owner_name, i.due_at, i.summary, i.response_at, i.response_channel, i.response_text,
    i.closed_at, i.closing_summary, i.created_at
  FROM incidents i LEFT JOIN users o ON o.id = i.owner_id`;

/** The facts of a 重大事项呈报表 besides the editable text, and the incident they came from. */
export interface MajorReportFacts {
  incident: IncidentDbRow;
  opinion: Omit<MajorReportData['opinion'], 'summary'>;
  place: string;
  involved: string;
  measures: string;
  response: string;
}

async function majorReportFacts(db: Queryable, incidentId: number, timeZone: string): Promise<MajorReportFacts | null> {
  const inc = await db.query<IncidentDbRow>(`${INCIDENT_SELECT} WHERE i.id = $1`, [incidentId]);
  const incident = inc.rows[0];
  if (!incident) return null;
  const topicIds = await incidentTopicIds(db, incidentId);
  const params = [incidentId, topicIds];

  const totals = await db.query<{ items: number; police_negative: number }>(
    `SELECT count(*)::int AS items, count(*) FILTER (WHERE a.police_negative)::int AS police_negative
     FROM ${INCIDENT_ITEMS} x JOIN items i ON i.id = x.id LEFT JOIN item_analysis a ON a.item_id = i.id`,
    params,
  );
  const first = await db.query<{ author: string | null; source: string | null; published_at: Date; url: string }>(
    `SELECT i.author, COALESCE(s.name, i.source_name) AS source, i.published_at, i.url
     FROM ${INCIDENT_ITEMS} x JOIN items i ON i.id = x.id LEFT JOIN sources s ON s.id = i.source_id
     ORDER BY i.published_at, i.id LIMIT 1`,
    params,
  );
  // Platforms by items, most first; names in code-point order on ties (as the digests sort names).
  const platforms = await db.query<{ name: string }>(
    `SELECT name FROM (
       SELECT COALESCE(s.name, i.source_name, '未知来源') AS name, count(*)::int AS n
       FROM ${INCIDENT_ITEMS} x JOIN items i ON i.id = x.id LEFT JOIN sources s ON s.id = i.source_id
       GROUP BY 1
     ) p ORDER BY n DESC, name COLLATE "C"`,
    params,
  );
  // Whole clock hours (UTC hours are Beijing hours: the offset is whole hours); the earliest of equal peaks.
  const peak = await db.query<{ at: Date; n: number }>(
    `SELECT date_trunc('hour', i.published_at) AS at, count(*)::int AS n
     FROM ${INCIDENT_ITEMS} x JOIN items i ON i.id = x.id
     GROUP BY 1 ORDER BY n DESC, at LIMIT 1`,
    params,
  );
  const names = (column: 'places' | 'jurisdiction_hits') =>
    db.query<{ name: string }>(
      `SELECT v.name, count(*)::int AS n
       FROM ${INCIDENT_ITEMS} x JOIN item_analysis a ON a.item_id = x.id CROSS JOIN LATERAL unnest(a.${column}) AS v(name)
       GROUP BY v.name ORDER BY n DESC, v.name COLLATE "C" LIMIT 5`,
      params,
    );
  const places = await names('places');
  const units = await names('jurisdiction_hits');
  // The level's explanation: the incident's own when a person set its level, else the latest applied
  // automatic change of its topics (the level it was opened at came from there).
  const topicReason = topicIds.length
    ? await db.query<{ reason: string }>(
        `SELECT reason FROM topic_level_changes WHERE topic_id = ANY($1::bigint[]) AND applied ORDER BY at DESC, id DESC LIMIT 1`,
        [topicIds],
      )
    : { rows: [] as Array<{ reason: string }> };
  const notes = await db.query<{ at: Date; body: string }>(
    `SELECT at, body FROM incident_timeline WHERE incident_id = $1 AND kind = 'note' AND body <> '' ORDER BY at, id`,
    [incidentId],
  );

  const t = totals.rows[0] ?? { items: 0, police_negative: 0 };
  const f = first.rows[0];
  const p = peak.rows[0];
  const levelReason = incident.level_change_reason?.trim() || topicReason.rows[0]?.reason || '';
  return {
    incident,
    opinion: {
      firstPost: f ? { author: f.author, source: f.source, at: f.published_at, url: /^https?:\/\//i.test(f.url) ? f.url : null } : null,
      items: t.items,
      policeNegative: t.police_negative,
      platforms: platforms.rows.map((r) => r.name),
      peak: p ? { perHour: p.n, at: p.at } : null,
      level: asLevel(incident.level),
      levelReason,
    },
    place: incident.jurisdiction || places.rows[0]?.name || '',
    involved: units.rows.map((r) => r.name).join('、'),
    measures: notes.rows.map((n) => `${cnDateTime(n.at, timeZone)} ${n.body}`).join('\n'),
    response:
      incident.response_at && incident.response_text
        ? `${cnDateTime(incident.response_at, timeZone)}${incident.response_channel ? `通过${incident.response_channel}` : ''}回应：${incident.response_text}`
        : '',
  };
}

/** 舆情概况's paragraph, composed from the facts (the analyst edits it before filing). */
export function majorReportSummary(f: MajorReportFacts, timeZone: string): string {
  const o = f.opinion;
  const parts: string[] = [];
  if (o.firstPost) {
    const who = o.firstPost.author ? `“${o.firstPost.author}”` : '';
    parts.push(`${cnDateTime(o.firstPost.at, timeZone)}，${o.firstPost.source ?? '网络'}${who ? `用户${who}` : ''}首发相关信息`);
  } else {
    parts.push(`${cnDateTime(f.incident.created_at, timeZone)}登记该事件`);
  }
  const spread =
    `截至目前共监测到相关信息${o.items}条，其中涉警负面信息${o.policeNegative}条` +
    (o.platforms.length ? `，涉及${o.platforms.slice(0, 5).join('、')}${o.platforms.length > 5 ? `等${o.platforms.length}个平台` : `${o.platforms.length}个平台`}` : '');
  parts.push(spread);
  if (o.peak) parts.push(`传播高峰出现在${cnHour(o.peak.at, timeZone)}，1小时内${o.peak.perHour}条`);
  parts.push(`当前舆情等级为${LEVEL_WORDS[o.level]}${o.level === 'none' ? '' : '预警'}${o.levelReason ? `（${o.levelReason}）` : ''}`);
  const owner = f.incident.owner_name ? `由${f.incident.owner_name}负责，` : '';
  parts.push(`${owner}目前处于“${INCIDENT_STATUS_WORDS[f.incident.status] ?? f.incident.status}”状态`);
  if (f.incident.response_at) parts.push(`已于${cnDateTime(f.incident.response_at, timeZone)}${f.incident.response_channel ? `通过${f.incident.response_channel}` : ''}作出官方回应`);
  return `${parts.join('；')}。`;
}

/** 重大事项呈报表 of one incident; null when there is no such incident. */
export async function assembleMajorReport(db: Queryable, incidentId: number, ctx: AssembleContext): Promise<MajorReportData | null> {
  const f = await majorReportFacts(db, incidentId, ctx.timeZone);
  if (!f) return null;
  return {
    header: defaultHeader(ctx),
    incidentId,
    reportedAt: ctx.now,
    title: f.incident.title,
    occurredAt: f.opinion.firstPost?.at ?? f.incident.created_at,
    place: f.place,
    involved: f.involved,
    opinion: { ...f.opinion, summary: majorReportSummary(f, ctx.timeZone) },
    measures: f.measures,
    response: f.response,
    nextSteps: '',
    reporter: ctx.reporter || f.incident.owner_name || '',
  };
}

// --- 警察公共关系工作情况周报表 ---

const WARNING_EVENT_TYPES = ['firing', 'escalated', 'reopened'];

/** The week's figures, lists and the 本周舆情概述 paragraph. */
export async function assembleWeeklyReport(db: Queryable, period: FormPeriod, ctx: AssembleContext): Promise<WeeklyReportData> {
  const { from, to } = period;
  // The digest's loader: the same counts a weekly digest of this period prints.
  const rows = await loadDigestInput(db, { from, to, limits: { topics: 1, itemsPerTopic: 1, incidents: 1, places: 1, sources: 1, sourceHealth: 1 } });
  const cur = rows.totals.current;
  const warnings: WeeklyReportData['figures']['warnings'] = { blue: 0, yellow: 0, orange: 0, red: 0 };
  for (const e of rows.alertEvents) if (e.period === 'current' && WARNING_EVENT_TYPES.includes(e.type)) warnings[e.level] += e.count;

  const responses = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM incident_timeline WHERE kind = 'response' AND (data ->> 'at')::timestamptz >= $1 AND (data ->> 'at')::timestamptz < $2`,
    [from, to],
  );
  const warningList = await db.query<{ at: Date; level: string; type: string; title: string; state: string }>(
    `SELECT e.created_at AS at, e.level, e.type, a.title, a.state
     FROM alert_events e JOIN alerts a ON a.id = e.alert_id
     WHERE a.kind = 'topic' AND e.type = ANY($3::text[]) AND e.created_at >= $1 AND e.created_at < $2
     ORDER BY e.created_at, e.id`,
    [from, to, WARNING_EVENT_TYPES],
  );
  // Incidents of the week: opened, closed, or officially responded to in it.
  const incidents = await db.query<{ id: number; title: string; level: string; status: string; created_at: Date; response_at: Date | null }>(
    `SELECT i.id, i.title, i.level, i.status, i.created_at, i.response_at FROM incidents i
     WHERE (i.created_at >= $1 AND i.created_at < $2)
        OR EXISTS (SELECT 1 FROM incident_timeline t WHERE t.incident_id = i.id AND (
             (t.kind = 'status' AND t.data ->> 'to' = 'closed' AND t.at >= $1 AND t.at < $2)
          OR (t.kind = 'response' AND (t.data ->> 'at')::timestamptz >= $1 AND (t.data ->> 'at')::timestamptz < $2)))
     ORDER BY i.created_at, i.id`,
    [from, to],
  );
  // Police-related topics first (what a police reader looks for), the most police-negative first.
  const policeTopics = await db.query<{ title: string | null; topic_id: number; items: number; police_negative: number }>(
    `SELECT st.topic_id, t.title, count(*)::int AS items, count(*) FILTER (WHERE a.police_negative)::int AS police_negative,
            count(*) FILTER (WHERE a.police_related)::int AS police_related
     FROM items i JOIN story_items si ON si.item_id = i.id JOIN stories st ON st.id = si.story_id
     LEFT JOIN item_analysis a ON a.item_id = i.id LEFT JOIN topics t ON t.id = st.topic_id
     WHERE i.published_at >= $1 AND i.published_at < $2
     GROUP BY st.topic_id, t.title
     HAVING count(*) FILTER (WHERE a.police_related) > 0
     ORDER BY police_negative DESC, police_related DESC, items DESC, st.topic_id LIMIT 3`,
    [from, to],
  );

  const figures: WeeklyReportData['figures'] = {
    items: cur.items,
    policeRelated: cur.policeRelated,
    policeNegative: cur.policeNegative,
    negativeShare: cur.policeRelated > 0 ? cur.policeNegative / cur.policeRelated : null,
    warnings,
    incidentsOpened: rows.incidents.opened.count,
    incidentsClosed: rows.incidents.closed.count,
    responses: responses.rows[0]?.n ?? 0,
  };
  const tz = ctx.timeZone;
  const totalWarnings = warnings.red + warnings.orange + warnings.yellow + warnings.blue;
  const byLevel = (['red', 'orange', 'yellow', 'blue'] as const)
    .filter((l) => warnings[l] > 0)
    .map((l) => `${LEVEL_WORDS[l]}${warnings[l]}次`)
    .join('、');
  const overview = [
    `本周（${cnDay(from, tz)}至${cnDay(new Date(to.getTime() - 1), tz)}）共监测到相关信息${figures.items}条，其中涉警信息${figures.policeRelated}条、涉警负面信息${figures.policeNegative}条` +
      (figures.negativeShare === null ? '' : `，负面占比${percent(figures.negativeShare)}`),
    `发出预警${totalWarnings}次${byLevel ? `（${byLevel}）` : ''}`,
    `新开立舆情事件${figures.incidentsOpened}起、结案${figures.incidentsClosed}起，作出官方回应${figures.responses}次`,
    policeTopics.rows.length
      ? `涉警热点话题：${policeTopics.rows.map((r) => `“${r.title ?? `话题${r.topic_id}`}”（${r.items}条，涉警负面${r.police_negative}条）`).join('、')}`
      : '本周未发现涉警热点话题',
  ].join('；');

  return {
    header: defaultHeader(ctx),
    periodStart: from,
    periodEnd: to,
    figures,
    warnings: warningList.rows.map((r) => ({
      at: r.at,
      level: asLevel(r.level),
      title: r.title,
      state: `${EVENT_WORDS[r.type] ?? r.type}，${ALERT_STATE_WORDS[r.state] ?? r.state}`,
    })),
    incidents: incidents.rows.map((r) => ({
      id: Number(r.id),
      title: r.title,
      level: asLevel(r.level),
      status: INCIDENT_STATUS_WORDS[r.status] ?? r.status,
      openedAt: r.created_at,
      respondedAt: r.response_at,
    })),
    overview: `${overview}。`,
    mainWork: '',
    nextWeek: '',
    filledBy: ctx.reporter,
  };
}

// --- 科学预警记录 ---

interface IncidentRef {
  id: number;
  title: string;
  status: string;
  closing_summary: string | null;
}

/**
 * Every opinion alert first raised in the period, with its handling and outcome: who acknowledged
 * it and when, the incidents opened from it (linked), and how it ended — resolved, or where those
 * incidents (and, for an overdue alert, the incident it is about) stand now.
 */
export async function assembleWarningRecord(db: Queryable, period: FormPeriod, ctx: AssembleContext): Promise<WarningRecordData> {
  const { rows } = await db.query<{
    id: number;
    kind: string;
    level: string;
    state: string;
    rule: string | null;
    topic_title: string | null;
    topic_id: number | null;
    created_at: Date;
    ack_name: string | null;
    acknowledged_at: Date | null;
    resolved_at: Date | null;
    opened: IncidentRef[] | null;
    subject: IncidentRef | null;
  }>(
    `SELECT a.id, a.kind, a.level, a.state, COALESCE(r.name, a.rule_name) AS rule, t.title AS topic_title, a.topic_id, a.created_at,
            COALESCE(NULLIF(u.display_name, ''), u.name) AS ack_name, a.acknowledged_at, a.resolved_at,
            (SELECT json_agg(json_build_object('id', n.id, 'title', n.title, 'status', n.status, 'closing_summary', n.closing_summary) ORDER BY n.id)
               FROM incident_links l JOIN incidents n ON n.id = l.incident_id
              WHERE l.kind = 'alert' AND l.target_id = a.id) AS opened,
            (SELECT json_build_object('id', n.id, 'title', n.title, 'status', n.status, 'closing_summary', n.closing_summary)
               FROM incidents n WHERE n.id = a.incident_id) AS subject
       FROM alerts a
       LEFT JOIN alert_rules r ON r.id = a.rule_id
       LEFT JOIN topics t ON t.id = a.topic_id
       LEFT JOIN users u ON u.id = a.acknowledged_by
      WHERE a.kind <> 'source_health' AND a.created_at >= $1 AND a.created_at < $2
      ORDER BY a.created_at, a.id`,
    [period.from, period.to],
  );
  const tz = ctx.timeZone;
  const where = (n: IncidentRef): string =>
    `事件#${n.id}${INCIDENT_STATUS_WORDS[n.status] ?? n.status}${n.status === 'closed' && n.closing_summary ? `：${n.closing_summary}` : ''}`;
  return {
    header: defaultHeader(ctx),
    periodStart: period.from,
    periodEnd: period.to,
    rows: rows.map((r) => {
      const opened = r.opened ?? [];
      const handling = [
        r.ack_name || r.acknowledged_at ? `${r.ack_name ?? ''}${r.acknowledged_at ? `于${cnDateTime(r.acknowledged_at, tz)}` : ''}确认` : '未确认',
        ...opened.map((n) => `开立事件#${n.id}“${n.title}”`),
      ].join('；');
      const state = r.state === 'resolved' && r.resolved_at ? `已解除（${cnDateTime(r.resolved_at, tz)}）` : (ALERT_STATE_WORDS[r.state] ?? r.state);
      const incidents = [...opened, ...(r.subject && !opened.some((n) => n.id === r.subject!.id) ? [r.subject] : [])];
      return {
        alertId: Number(r.id),
        at: r.created_at,
        level: asLevel(r.level),
        // An overdue alert is about an incident, not a topic.
        topic: r.topic_title ?? (r.subject ? `事件#${r.subject.id}“${r.subject.title}”` : r.topic_id === null ? '' : `话题${r.topic_id}`),
        rule: r.kind === 'incident' ? '事件超时未回应' : (r.rule ?? ''),
        handling,
        outcome: [state, ...incidents.map(where)].join('；'),
      };
    }),
  };
}

// --- 危机管理登记表 ---

/** Incidents opened in a period, or one incident, as full records with their timelines. */
export async function assembleCrisisRegister(db: Queryable, target: FormPeriod | { incidentId: number }, ctx: AssembleContext): Promise<CrisisRegisterData | null> {
  const byIncident = 'incidentId' in target;
  const inc = byIncident
    ? await db.query<IncidentDbRow>(`${INCIDENT_SELECT} WHERE i.id = $1`, [target.incidentId])
    : await db.query<IncidentDbRow>(`${INCIDENT_SELECT} WHERE i.created_at >= $1 AND i.created_at < $2 ORDER BY i.created_at, i.id`, [target.from, target.to]);
  if (byIncident && !inc.rows.length) return null;
  const ids = inc.rows.map((r) => Number(r.id));
  const timeline = ids.length
    ? await db.query<{ incident_id: number; at: Date; actor_name: string; kind: string; body: string }>(
        `SELECT incident_id, at, actor_name, kind, body FROM incident_timeline WHERE incident_id = ANY($1::bigint[]) ORDER BY incident_id, at, id`,
        [ids],
      )
    : { rows: [] as Array<{ incident_id: number; at: Date; actor_name: string; kind: string; body: string }> };
  const records: CrisisRecord[] = inc.rows.map((r) => ({
    incidentId: Number(r.id),
    title: r.title,
    level: asLevel(r.level),
    category: r.category,
    place: r.jurisdiction,
    openedAt: r.created_at,
    status: INCIDENT_STATUS_WORDS[r.status] ?? r.status,
    owner: r.owner_name ?? '',
    dueAt: r.due_at,
    respondedAt: r.response_at,
    responseChannel: r.response_channel ?? '',
    responseText: r.response_text ?? '',
    closedAt: r.closed_at,
    closingSummary: r.closing_summary ?? '',
    summary: r.summary,
    timeline: timeline.rows
      .filter((e) => Number(e.incident_id) === Number(r.id))
      .map((e) => ({ at: e.at, actor: e.actor_name, text: timelineText(e.kind, e.body) })),
  }));
  return {
    header: defaultHeader(ctx),
    periodStart: byIncident ? null : target.from,
    periodEnd: byIncident ? null : target.to,
    records,
  };
}

// --- 信息采集表 and 走访记录 ---

export interface InfoEntryRow {
  id: number;
  channel: InfoChannel;
  occurred_at: Date;
  place: string;
  people: string;
  content: string;
  follow_up: string;
  officer: string;
  item_id: number | null;
  created_at: Date;
}

export const infoEntryFromRow = (r: InfoEntryRow): InfoEntry => ({
  id: Number(r.id),
  channel: r.channel,
  occurredAt: r.occurred_at,
  place: r.place,
  people: r.people,
  content: r.content,
  followUp: r.follow_up,
  officer: r.officer,
  itemId: r.item_id === null ? null : Number(r.item_id),
  createdAt: r.created_at,
});

/** 信息采集表 of a period (entries by the time of what they record). */
export async function assembleInfoCollection(db: Queryable, period: FormPeriod, ctx: AssembleContext): Promise<InfoCollectionData> {
  const { rows } = await db.query<InfoEntryRow>(
    `SELECT id, channel, occurred_at, place, people, content, follow_up, officer, item_id, created_at
     FROM info_entries WHERE occurred_at >= $1 AND occurred_at < $2 ORDER BY occurred_at, id`,
    [period.from, period.to],
  );
  return { header: defaultHeader(ctx), periodStart: period.from, periodEnd: period.to, entries: rows.map(infoEntryFromRow) };
}

export interface VisitRow {
  id: number;
  visited_at: Date;
  person: string;
  role: VisitEntry['role'];
  organisation: string;
  views: string;
  follow_up: string;
  officer: string;
  created_at: Date;
}

/** A visit's date (a Beijing calendar date) as the instant of its 00:00 in Beijing. */
export const VISIT_SELECT = `SELECT id, (visited_on::timestamp AT TIME ZONE 'Asia/Shanghai') AS visited_at, person, role, organisation, views, follow_up, officer, created_at FROM visits`;

export const visitFromRow = (r: VisitRow): VisitEntry => ({
  id: Number(r.id),
  visitedOn: r.visited_at,
  person: r.person,
  role: r.role,
  organisation: r.organisation,
  views: r.views,
  followUp: r.follow_up,
  officer: r.officer,
  createdAt: r.created_at,
});

/** 走访记录 of a period (visits whose day begins in it). */
export async function assembleVisitRecord(db: Queryable, period: FormPeriod, ctx: AssembleContext): Promise<VisitRecordData> {
  const { rows } = await db.query<VisitRow>(
    `${VISIT_SELECT} WHERE (visited_on::timestamp AT TIME ZONE 'Asia/Shanghai') >= $1 AND (visited_on::timestamp AT TIME ZONE 'Asia/Shanghai') < $2 ORDER BY visited_on, id`,
    [period.from, period.to],
  );
  return { header: defaultHeader(ctx), periodStart: period.from, periodEnd: period.to, entries: rows.map(visitFromRow) };
}

// --- any kind ---

/** What a form covers: a period, or (major report, one crisis record) an incident. */
export type FormTarget = { period: FormPeriod; incidentId?: undefined } | { incidentId: number; period?: undefined };

/** Assembles a form of any kind; null when its incident does not exist. */
export async function assembleForm<K extends FormKind>(db: Queryable, kind: K, target: FormTarget, ctx: AssembleContext): Promise<FormDataByKind[K] | null> {
  const need = (): FormPeriod => {
    if (!target.period) throw new Error(`a ${kind} form needs a period`);
    return target.period;
  };
  let data: FormDataByKind[FormKind] | null;
  switch (kind) {
    case 'major-report':
      if (target.incidentId === undefined) throw new Error('a major report needs an incident');
      data = await assembleMajorReport(db, target.incidentId, ctx);
      break;
    case 'weekly-report':
      data = await assembleWeeklyReport(db, need(), ctx);
      break;
    case 'warning-record':
      data = await assembleWarningRecord(db, need(), ctx);
      break;
    case 'crisis-register':
      data = await assembleCrisisRegister(db, target.incidentId !== undefined ? { incidentId: target.incidentId } : need(), ctx);
      break;
    case 'info-collection':
      data = await assembleInfoCollection(db, need(), ctx);
      break;
    case 'visit-record':
      data = await assembleVisitRecord(db, need(), ctx);
      break;
    default:
      throw new Error(`unknown form kind ${String(kind)}`);
  }
  return data as FormDataByKind[K] | null;
}
