/**
 * Every route against every role: anonymous → 401, a role the route does not name → 403, a role
 * it names → 2xx. The table below is the access policy; a route added without a row here fails
 * the completeness check at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, generateDigest } from '@yuqing/api';
import { ruleSchema } from '@yuqing/alerting';
import { appendAlertEvent, changeFormStatus, createForm, createUnit, getRootUnit, insertAdminRule, insertAdminSilence, insertAlert, insertModel, insertReceiver, insertScheme, insertSource, insertUnitPerson, insertVisit, recordHotListSnapshot, ROLES, schemeInputSchema, sourceInputSchema, type Role } from '@yuqing/db';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { text } from 'node:stream/consumers';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, callerPerRole, makeCaller, type Caller } from './auth-fixtures';
import { seedTopic } from './read-fixtures';

let t: TestEnv;
let app: FastifyInstance;
let callers: Record<Role, Caller>;
let seq = 0;
const declared: Array<{ method: string; url: string; public: boolean; roles: readonly Role[] }> = [];

interface RouteCase {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  roles: readonly Role[];
  /** Builds the request (fresh data per call: a new user name, a token to revoke); `caller` for routes whose success depends on the role's data (workflow steps). */
  request(caller: Role | 'anonymous'): Promise<Omit<InjectOptions, 'method' | 'url' | 'headers'> & { url?: string }>;
  /** A response that never ends on its own (SSE): only its status and head are awaited. */
  stream?: boolean;
  /** The status an allowed caller gets when it is not 2xx (a redirect). */
  okStatus?: number;
}

const READERS: Role[] = ['admin', 'pr', 'analyst', 'leader'];
const HANDLERS: Role[] = ['admin', 'pr'];
const RULE_READERS: Role[] = ['admin', 'pr', 'analyst'];
const routes: RouteCase[] = [
  { method: 'GET', url: '/api/auth/me', roles: ROLES, request: async () => ({}) },
  { method: 'GET', url: '/api/users', roles: ['admin'], request: async () => ({}) },
  { method: 'POST', url: '/api/users', roles: ['admin'], request: async () => ({ payload: { name: `new-user-${++seq}`, role: 'pr', displayName: '新用户' } }) },
  { method: 'POST', url: '/api/tokens', roles: ['admin'], request: async () => ({ payload: { user: 'role-pr', name: `label ${++seq}` } }) },
  {
    method: 'DELETE',
    url: '/api/tokens/:id',
    roles: ['admin'],
    request: async () => ({ url: `/api/tokens/${(await makeCaller(t.db, `victim-${++seq}`, 'analyst')).tokenId}` }),
  },
  { method: 'GET', url: '/api/sources', roles: READERS, request: async () => ({}) },
  { method: 'GET', url: '/api/sources/health', roles: ['admin'], request: async () => ({}) },
  { method: 'POST', url: '/api/sources/preview', roles: ['admin'], request: async () => ({ payload: { name: '预览', url: 'http://127.0.0.1:9/feed.xml' } }) },
  { method: 'POST', url: '/api/sources', roles: ['admin'], request: async () => ({ payload: { name: `信源 ${++seq}`, url: `https://roles${seq}.example.cn/rss.xml` } }) },
  { method: 'PATCH', url: '/api/sources/:id', roles: ['admin'], request: async () => ({ url: `/api/sources/${await newSource()}`, payload: { enabled: false } }) },
  { method: 'DELETE', url: '/api/sources/:id', roles: ['admin'], request: async () => ({ url: `/api/sources/${await newSource()}` }) },
  {
    method: 'POST',
    url: '/api/sources/import',
    roles: ['admin'],
    request: async () => ({ payload: { opml: `<opml version="2.0"><body><outline text="导入 ${++seq}" xmlUrl="https://opml${seq}.example.cn/rss"/></body></opml>` } }),
  },
  { method: 'GET', url: '/api/sources/catalogue', roles: ['admin', 'analyst'], request: async () => ({}) },
  { method: 'POST', url: '/api/sources/catalogue', roles: ['admin'], request: async () => ({ payload: { entries: [{ id: 'weibo-keyword', params: { keyword: `角色测试${++seq}` } }] } }) },
  { method: 'GET', url: '/api/sources/rsshub', roles: ['admin'], request: async () => ({}) },
  { method: 'GET', url: '/api/hotlists', roles: READERS, request: async () => ({}) },
  { method: 'GET', url: '/api/overview', roles: READERS, request: async () => ({}) },
  { method: 'GET', url: '/api/overview/stream', roles: READERS, request: async () => ({}), stream: true },
  { method: 'GET', url: '/api/tokens', roles: ['admin'], request: async () => ({}) },
  {
    method: 'PATCH',
    url: '/api/users/:name',
    roles: ['admin'],
    request: async () => ({ url: `/api/users/${(await makeCaller(t.db, `to-disable-${++seq}`, 'pr')).user.name}`, payload: { disabled: true } }),
  },
  {
    method: 'POST',
    url: '/api/users/:name/password',
    roles: ['admin'],
    request: async () => ({ url: `/api/users/${(await makeCaller(t.db, `to-reset-${++seq}`, 'analyst')).user.name}/password` }),
  },
  {
    method: 'POST',
    url: '/api/receivers/:id/test',
    roles: ['admin'],
    request: async () => ({ url: `/api/receivers/${(await insertReceiver(t.db, { name: `测试接收端 ${++seq}`, kind: 'webhook', url: 'http://127.0.0.1:9/hook', secret: null, enabled: true, allowPrivate: true }))!.id}/test` }),
  },
  { method: 'GET', url: '/api/hotlists/entries/:id', roles: READERS, request: async () => ({ url: `/api/hotlists/entries/${await hotListEntry()}` }) },
  // -- monitoring schemes (rows added by the schemes work) --
  { method: 'GET', url: '/api/schemes', roles: READERS, request: async () => ({}) },
  { method: 'GET', url: '/api/schemes/gazetteer', roles: ['admin', 'analyst'], request: async () => ({}) },
  { method: 'GET', url: '/api/schemes/:id', roles: READERS, request: async () => ({ url: `/api/schemes/${await newScheme()}` }) },
  { method: 'POST', url: '/api/schemes', roles: ['admin', 'analyst'], request: async () => ({ payload: { name: `方案 ${++seq}`, placeWords: ['青石'], subjectWords: ['派出所'] } }) },
  { method: 'PUT', url: '/api/schemes/:id', roles: ['admin', 'analyst'], request: async () => ({ url: `/api/schemes/${await newScheme()}`, payload: { name: `改名方案 ${++seq}`, placeWords: ['白沙'] } }) },
  { method: 'DELETE', url: '/api/schemes/:id', roles: ['admin', 'analyst'], request: async () => ({ url: `/api/schemes/${await newScheme()}` }) },
  { method: 'POST', url: '/api/schemes/preview', roles: ['admin', 'analyst'], request: async () => ({ payload: { placeWords: ['青石'], eventWords: ['打人'] } }) },
  // Read API and push ingestion.
  { method: 'POST', url: '/api/items', roles: ['admin', 'ingest'], request: async () => ({ payload: [{ url: `https://push.example.com/roles/${++seq}`, title: '推送条目' }] }) },
  { method: 'GET', url: '/api/items', roles: READERS, request: async () => ({ url: '/api/items?q=民警' }) },
  { method: 'GET', url: '/api/topics', roles: READERS, request: async () => ({}) },
  { method: 'GET', url: '/api/topics/:id', roles: READERS, request: async () => ({ url: `/api/topics/${(await seedTopic(t.db)).topicId}` }) },
  { method: 'GET', url: '/api/topics/:id/spread', roles: READERS, request: async () => ({ url: `/api/topics/${(await seedTopic(t.db)).topicId}/spread` }) },
  { method: 'GET', url: '/api/stories/:id', roles: READERS, request: async () => ({ url: `/api/stories/${(await seedTopic(t.db)).storyIds[0]}` }) },
  { method: 'GET', url: '/api/alerts/stream', roles: READERS, request: async () => ({}), stream: true },
  // Alerting: rules, alerts, silences, receivers.
  { method: 'GET', url: '/api/alerts', roles: READERS, request: async () => ({}) },
  { method: 'GET', url: '/api/alerts/:id', roles: READERS, request: async () => ({ url: `/api/alerts/${await newAlert()}` }) },
  { method: 'POST', url: '/api/alerts/:id/acknowledge', roles: HANDLERS, request: async () => ({ url: `/api/alerts/${await newAlert()}/acknowledge` }) },
  { method: 'POST', url: '/api/alerts/:id/resolve', roles: HANDLERS, request: async () => ({ url: `/api/alerts/${await newAlert()}/resolve` }) },
  { method: 'GET', url: '/api/rules', roles: RULE_READERS, request: async () => ({}) },
  { method: 'POST', url: '/api/rules', roles: HANDLERS, request: async () => ({ payload: { name: `规则 ${++seq}` } }) },
  { method: 'PUT', url: '/api/rules/:id', roles: HANDLERS, request: async () => ({ url: `/api/rules/${await newRule()}`, payload: { name: `改名 ${++seq}`, minLevel: 'orange' } }) },
  { method: 'DELETE', url: '/api/rules/:id', roles: HANDLERS, request: async () => ({ url: `/api/rules/${await newRule()}` }) },
  { method: 'POST', url: '/api/rules/preview', roles: RULE_READERS, request: async () => ({ payload: { name: '预览', days: 3 } }) },
  { method: 'GET', url: '/api/silences', roles: READERS, request: async () => ({}) },
  {
    method: 'POST',
    url: '/api/silences',
    roles: HANDLERS,
    request: async () => ({ payload: { matchers: [{ field: 'level', op: '=', value: 'blue' }], endsAt: Date.now() + 3_600_000, comment: '演练' } }),
  },
  { method: 'POST', url: '/api/silences/:id/expire', roles: HANDLERS, request: async () => ({ url: `/api/silences/${await newSilence()}/expire` }) },
  { method: 'GET', url: '/api/receivers', roles: ['admin'], request: async () => ({}) },
  { method: 'POST', url: '/api/receivers', roles: ['admin'], request: async () => ({ payload: { name: `接收端 ${++seq}`, kind: 'webhook', url: 'https://example.com/hook' } }) },
  { method: 'PATCH', url: '/api/receivers/:id', roles: ['admin'], request: async () => ({ url: `/api/receivers/${await newReceiver()}`, payload: { enabled: false } }) },
  { method: 'DELETE', url: '/api/receivers/:id', roles: ['admin'], request: async () => ({ url: `/api/receivers/${await newReceiver()}` }) },
  { method: 'GET', url: '/api/receivers/:id/deliveries', roles: ['admin'], request: async () => ({ url: `/api/receivers/${await newReceiver()}/deliveries` }) },
  // -- incidents (rows added by the incidents work) --
  { method: 'GET', url: '/api/incidents', roles: READERS, request: async () => ({ url: '/api/incidents?status=new,assessing&overdue=false' }) },
  { method: 'POST', url: '/api/incidents', roles: ['admin', 'analyst', 'pr'], request: async () => ({ payload: { title: `事件 ${++seq}` } }) },
  { method: 'GET', url: '/api/incidents/:id', roles: READERS, request: async () => ({ url: `/api/incidents/${await newIncident()}` }) },
  { method: 'PATCH', url: '/api/incidents/:id', roles: ['admin', 'analyst', 'pr'], request: async () => ({ url: `/api/incidents/${await newIncident()}`, payload: { summary: '补充摘要' } }) },
  {
    method: 'POST',
    url: '/api/incidents/:id/transition',
    roles: ['admin', 'analyst', 'pr', 'leader'],
    // The workflow decides per role: a leader closes a responded incident, the others start assessing a new one.
    request: async (caller) =>
      caller === 'leader'
        ? { url: `/api/incidents/${await newIncident('responded')}/transition`, payload: { to: 'closed', closingSummary: '舆情平息' } }
        : { url: `/api/incidents/${await newIncident()}/transition`, payload: { to: 'assessing' } },
  },
  { method: 'POST', url: '/api/incidents/:id/notes', roles: ['admin', 'analyst', 'pr', 'leader'], request: async () => ({ url: `/api/incidents/${await newIncident()}/notes`, payload: { body: '已联系属地派出所' } }) },
  { method: 'POST', url: '/api/incidents/:id/links', roles: ['admin', 'analyst', 'pr'], request: async () => ({ url: `/api/incidents/${await newIncident()}/links`, payload: { alertIds: [await newAlert()] } }) },
  { method: 'GET', url: '/api/incident-tags', roles: READERS, request: async () => ({}) },
  { method: 'POST', url: '/api/incident-tags', roles: ['admin'], request: async () => ({ payload: { tag: `标签${++seq}`, description: '测试' } }) },
  { method: 'DELETE', url: '/api/incident-tags/:tag', roles: ['admin'], request: async () => ({ url: `/api/incident-tags/${encodeURIComponent(await newIncidentTag())}` }) },
  { method: 'GET', url: '/api/incidents.csv', roles: READERS, request: async () => ({}) },
  { method: 'GET', url: '/api/alerts.csv', roles: READERS, request: async () => ({}) },
  { method: 'GET', url: '/api/incident-owners', roles: READERS, request: async () => ({}) },
  // -- digests (rows added by the digests work) --
  { method: 'GET', url: '/api/digests', roles: READERS, request: async () => ({ url: '/api/digests?kind=daily&limit=5' }) },
  { method: 'GET', url: '/api/digests/:id', roles: READERS, request: async () => ({ url: `/api/digests/${await newDigest()}` }) },
  { method: 'GET', url: '/api/digests/:id/html', roles: READERS, request: async () => ({ url: `/api/digests/${await newDigest()}/html` }) },
  { method: 'GET', url: '/api/digests/:id/markdown', roles: READERS, request: async () => ({ url: `/api/digests/${await newDigest()}/markdown` }) },
  { method: 'GET', url: '/api/digests/latest/html', roles: READERS, request: async () => (await newDigest(), { url: '/api/digests/latest/html?kind=daily' }), okStatus: 302 },
  {
    method: 'POST',
    url: '/api/digests',
    roles: ['admin', 'leader', 'analyst'],
    request: async () => ({ payload: { kind: 'custom', from: '2026-11-28T08:00+08:00', to: '2026-11-28T20:00+08:00' } }),
  },
  // -- item feedback and alert level (rows added by the feedback work) --
  { method: 'GET', url: '/api/items/:id', roles: READERS, request: async () => ({ url: `/api/items/${(await seedTopic(t.db)).itemIds[0]}` }) },
  {
    method: 'PUT',
    url: '/api/items/:id/label',
    roles: ['admin', 'analyst'],
    request: async () => ({ url: `/api/items/${(await seedTopic(t.db)).itemIds[0]}/label`, payload: { policeNegative: true, note: '人工校正' } }),
  },
  {
    method: 'DELETE',
    url: '/api/items/:id/label',
    roles: ['admin', 'analyst'],
    request: async () => {
      const id = (await seedTopic(t.db)).itemIds[0];
      await t.db.query(`INSERT INTO item_labels (item_id, sentiment, labelled_by_name) VALUES ($1, 'negative', '测试')`, [id]);
      return { url: `/api/items/${id}/label` };
    },
  },
  {
    method: 'PATCH',
    url: '/api/alerts/:id/level',
    roles: ['admin', 'pr', 'analyst'],
    request: async () => ({ url: `/api/alerts/${await newAlert()}/level`, payload: { level: 'red', reason: '涉及重大警情' } }),
  },
  // -- the learning loop's models (rows added by the learning loop work) --
  { method: 'GET', url: '/api/models', roles: ['admin', 'analyst'], request: async () => ({ url: '/api/models?status=rejected&limit=5' }) },
  { method: 'GET', url: '/api/models/:version', roles: ['admin', 'analyst'], request: async () => ({ url: `/api/models/${await newModel()}` }) },
  { method: 'POST', url: '/api/models/retrain', roles: ['admin', 'analyst'], request: async () => ({ payload: { activate: false } }) },
  { method: 'POST', url: '/api/models/:version/activate', roles: ['admin'], request: async () => ({ url: `/api/models/${await newModel()}/activate`, payload: { reason: '回滚' } }) },
  // -- forms (报表), 信息采集, 走访记录 (rows added by the forms work) --
  { method: 'GET', url: '/api/forms', roles: READERS, request: async () => ({ url: '/api/forms?kind=visit-record&limit=5' }) },
  { method: 'POST', url: '/api/forms', roles: ['admin', 'analyst'], request: async () => ({ payload: { kind: 'visit-record', ...newPeriod() } }) },
  { method: 'POST', url: '/api/incidents/:id/major-report', roles: ['admin', 'analyst', 'pr'], request: async () => ({ url: `/api/incidents/${await newIncident()}/major-report` }) },
  { method: 'GET', url: '/api/forms/:id', roles: READERS, request: async () => ({ url: `/api/forms/${await newForm()}` }) },
  { method: 'GET', url: '/api/forms/:id/versions/:version', roles: READERS, request: async () => ({ url: `/api/forms/${await newForm()}/versions/1` }) },
  { method: 'PUT', url: '/api/forms/:id', roles: ['admin', 'analyst'], request: async () => ({ url: `/api/forms/${await newForm()}`, payload: { data: { header: { serial: '公关〔2026〕1号' } }, expectVersion: 1 } }) },
  { method: 'POST', url: '/api/forms/:id/regenerate', roles: ['admin', 'analyst'], request: async () => ({ url: `/api/forms/${await newForm()}/regenerate` }) },
  {
    method: 'POST',
    url: '/api/forms/:id/status',
    roles: ['admin', 'analyst', 'leader'],
    // Per role: a leader files a form under review; the others submit a draft.
    request: async (caller) =>
      caller === 'leader' ? { url: `/api/forms/${await newForm('review')}/status`, payload: { to: 'filed' } } : { url: `/api/forms/${await newForm()}/status`, payload: { to: 'review' } },
  },
  { method: 'GET', url: '/api/forms/:id/document.docx', roles: READERS, request: async () => ({ url: `/api/forms/${await documentForm()}/document.docx` }) },
  { method: 'GET', url: '/api/forms/:id/document.xlsx', roles: READERS, request: async () => ({ url: `/api/forms/${await documentForm()}/document.xlsx` }) },
  { method: 'GET', url: '/api/info-entries', roles: READERS, request: async () => ({ url: '/api/info-entries?limit=5' }) },
  {
    method: 'POST',
    url: '/api/info-entries',
    roles: ['admin', 'analyst', 'pr'],
    request: async () => ({ payload: { channel: '来电', occurredAt: '2026-11-28 10:00', place: '某街道', people: '群众', content: `来电反映情况 ${++seq}`, officer: '值班民警' } }),
  },
  { method: 'GET', url: '/api/info-entries.xlsx', roles: READERS, request: async () => ({ url: '/api/info-entries.xlsx?from=2026-11-01&to=2026-12-01' }) },
  { method: 'GET', url: '/api/visits', roles: READERS, request: async () => ({}) },
  { method: 'POST', url: '/api/visits', roles: ['admin', 'analyst', 'pr'], request: async () => ({ payload: { visitedOn: '2026-11-20', person: `代表 ${++seq}`, role: '人大代表', officer: '民警' } }) },
  { method: 'PATCH', url: '/api/visits/:id', roles: ['admin', 'analyst'], request: async () => ({ url: `/api/visits/${await newVisit()}`, payload: { views: '意见' } }) },
  { method: 'DELETE', url: '/api/visits/:id', roles: ['admin', 'analyst'], request: async () => ({ url: `/api/visits/${await newVisit()}` }) },
  { method: 'GET', url: '/api/visits.xlsx', roles: READERS, request: async () => ({ url: '/api/visits.xlsx?from=2026-10-01&to=2027-01-01' }) },
  // -- units (单位): the tree for every role, people (phone numbers) for the people roles, changes for admins (rows added by the units work) --
  { method: 'GET', url: '/api/units', roles: ROLES, request: async () => ({}) },
  { method: 'POST', url: '/api/units', roles: ['admin'], request: async () => ({ payload: { parentId: (await getRootUnit(t.db)).id, name: `角色测试单位 ${++seq}` } }) },
  { method: 'PATCH', url: '/api/units/:id', roles: ['admin'], request: async () => ({ url: `/api/units/${await newUnit()}`, payload: { name: `改名单位 ${++seq}` } }) },
  { method: 'DELETE', url: '/api/units/:id', roles: ['admin'], request: async () => ({ url: `/api/units/${await newUnit()}` }) },
  { method: 'PUT', url: '/api/units/:id/places', roles: ['admin'], request: async () => ({ url: `/api/units/${await newUnit()}/places`, payload: { places: [{ name: '东城区', aliases: ['东城'], kind: 'district' }] } }) },
  { method: 'GET', url: '/api/units/:id/people', roles: READERS, request: async () => ({ url: `/api/units/${(await getRootUnit(t.db)).id}/people?subtree=true` }) },
  { method: 'POST', url: '/api/units/:id/people', roles: ['admin'], request: async () => ({ url: `/api/units/${await newUnit()}/people`, payload: { name: '张三', duty: '联络员', phone: '0571-87000000' } }) },
  { method: 'PATCH', url: '/api/unit-people/:id', roles: ['admin'], request: async () => ({ url: `/api/unit-people/${await newPerson()}`, payload: { until: '2026-12-01' } }) },
  { method: 'DELETE', url: '/api/unit-people/:id', roles: ['admin'], request: async () => ({ url: `/api/unit-people/${await newPerson()}` }) },
  { method: 'GET', url: '/api/unit-people.xlsx', roles: READERS, request: async () => ({ url: `/api/unit-people.xlsx?duty=${encodeURIComponent('联络员')}` }) },
  // The audit log: read-only, admins only.
  { method: 'GET', url: '/api/audit', roles: ['admin'], request: async () => ({}) },
  { method: 'GET', url: '/api/audit.csv', roles: ['admin'], request: async () => ({}) },
  // Operations: metrics for admins (and the METRICS_TOKEN bearer: metrics-docs.test.ts); the API docs for every signed-in role.
  { method: 'GET', url: '/metrics', roles: ['admin'], request: async () => ({}) },
  // One declaration serves /docs and /docs/ (fastify reports the GET once).
  { method: 'GET', url: '/docs', roles: ROLES, request: async () => ({ url: '/docs/' }) },
  { method: 'GET', url: '/docs/json', roles: ROLES, request: async () => ({}) },
  { method: 'GET', url: '/docs/yaml', roles: ROLES, request: async () => ({}) },
  { method: 'GET', url: '/docs/static/index.html', roles: ROLES, request: async () => ({}), okStatus: 302 },
  { method: 'GET', url: '/docs/static/swagger-initializer.js', roles: ROLES, request: async () => ({}) },
  { method: 'GET', url: '/docs/static/*', roles: ROLES, request: async () => ({ url: '/docs/static/swagger-ui.css' }) },
];

/** A firing alert every reading role may see. */
async function newAlert(): Promise<number> {
  const a = await insertAlert(t.db, { kind: 'topic', dedupKey: `roles:${++seq}`, level: 'yellow', title: '测试预警' });
  if (!a) throw new Error('alert not created');
  await appendAlertEvent(t.db, { alertId: a.id, type: 'firing', level: 'yellow', audienceRoles: READERS as Array<'admin' | 'pr' | 'analyst' | 'leader'> });
  return a.id;
}

async function newSource(): Promise<number> {
  const s = await insertSource(t.db, sourceInputSchema.parse({ name: `待改信源 ${++seq}`, url: `https://roles-src${seq}.example.cn/rss.xml` }));
  if (!s) throw new Error('source not created');
  return s.id;
}

/** One entry on a hot list (made once), for the entry's history route. */
let hotEntry: number | null = null;
async function hotListEntry(): Promise<number> {
  if (hotEntry !== null) return hotEntry;
  const s = await insertSource(t.db, sourceInputSchema.parse({ name: '角色测试热榜', url: 'https://roles-hot.example.cn/rss.xml', hotList: 'national' }));
  const snap = await recordHotListSnapshot(t.db, s!.id, new Date(), [{ rank: 1, key: 'roles', title: '角色测试', url: null, heat: null }]);
  hotEntry = snap.entryIds.get('roles') as number;
  return hotEntry;
}

async function newScheme(): Promise<number> {
  const s = await insertScheme(t.db, schemeInputSchema.parse({ name: `待改方案 ${++seq}`, placeWords: ['青石'] }), { id: null, name: 'test' });
  if (!s) throw new Error('scheme not created');
  return s.id;
}

async function newRule(): Promise<number> {
  const r = await insertAdminRule(t.db, { spec: ruleSchema.parse({ name: `待改规则 ${++seq}` }), by: callers.admin.user.id });
  if (!r) throw new Error('rule not created');
  return r.id;
}

async function newSilence(): Promise<number> {
  const now = Date.now();
  const s = await insertAdminSilence(t.db, {
    matchers: [{ field: 'level', op: '=', value: 'blue' }],
    startsAt: new Date(now),
    endsAt: new Date(now + 3_600_000),
    createdBy: callers.admin.user.id,
    comment: '演练',
  });
  return s.id;
}

/** An incident in `status` (inserted as stored: the workflow is tested elsewhere). */
async function newIncident(status: 'new' | 'responded' = 'new'): Promise<number> {
  const { rows } = await t.db.query<{ id: number }>(
    `INSERT INTO incidents (title, level, due_at, created_by_name, status, response_at)
     VALUES ($1, 'yellow', now() + interval '1 hour', '测试', $2, CASE WHEN $2 = 'responded' THEN now() END) RETURNING id`,
    [`测试事件 ${++seq}`, status],
  );
  return rows[0]!.id;
}

async function newIncidentTag(): Promise<string> {
  const tag = `待删标签${++seq}`;
  await t.db.query('INSERT INTO incident_tag_vocabulary (tag) VALUES ($1)', [tag]);
  return tag;
}

async function newReceiver(): Promise<number> {
  const r = await insertReceiver(t.db, { name: `待改接收端 ${++seq}`, kind: 'webhook', url: 'https://example.com/hook' });
  if (!r) throw new Error('receiver not created');
  return r.id;
}

/** A stored model (its weights are not looked at by these routes). */
async function newModel(): Promise<number> {
  const m = await insertModel(t.db, {
    modelVersion: `lr1-roles${++seq}`,
    model: { format: 'yuqing-lr', version: 1 },
    trainedAt: new Date(),
    examples: 0,
    trainedOn: [],
    metrics: { decision: 'reject' },
    decisionReason: '测试',
    trigger: 'manual',
    triggeredBy: 'role-admin',
    triggeredById: null,
    status: 'rejected',
  });
  return m.version;
}

/** A period no other form of the table has (forms are one per kind and period). */
function newPeriod(): { from: number; to: number } {
  const from = Date.UTC(2020, 0, 1) + ++seq * 86_400_000;
  return { from, to: from + 86_400_000 };
}

const formActor = { actorId: null, actorName: 'test', displayName: '测试' };

/** A new 走访记录 form (cheap to assemble), moved to `status`. */
async function newForm(status: 'draft' | 'review' = 'draft'): Promise<number> {
  const p = newPeriod();
  const { form } = await createForm(t.db, { kind: 'visit-record', target: { period: { from: new Date(p.from), to: new Date(p.to) } }, unitName: '测试', timeZone: 'Asia/Shanghai' }, formActor);
  if (status === 'review') await changeFormStatus(t.db, form.id, { to: 'review', role: 'admin' }, formActor);
  return form.id;
}

/** One 科学预警记录 (it has both a Word and an Excel document), made once. */
let docForm: number | null = null;
async function documentForm(): Promise<number> {
  docForm ??= (await createForm(t.db, { kind: 'warning-record', target: { period: { from: new Date('2026-11-01T00:00:00+08:00'), to: new Date('2026-12-01T00:00:00+08:00') } }, unitName: '测试', timeZone: 'Asia/Shanghai' }, formActor)).form.id;
  return docForm;
}

async function newVisit(): Promise<number> {
  return (await insertVisit(t.db, { visitedOn: new Date('2026-11-20T00:00:00+08:00'), person: `待改代表 ${++seq}`, role: '政协委员', organisation: '', views: '', followUp: '', officer: '民警' }, { id: null, name: '测试' })).id;
}

/** A unit under the root, holding nothing (so it can be deleted). */
async function newUnit(): Promise<number> {
  return (await createUnit(t.db, { parentId: (await getRootUnit(t.db)).id, name: `待改单位 ${++seq}`, kind: 'station' })).id;
}

async function newPerson(): Promise<number> {
  return (await insertUnitPerson(t.db, { unitId: await newUnit(), name: '李四', duty: '公关民警', since: '2026-01-01' })).id;
}

/** The stored daily digest of one fixed period (generated again each call: same row, same id). */
async function newDigest(): Promise<number> {
  const g = await generateDigest(t.db, { kind: 'daily', from: new Date('2026-11-28T00:00:00Z'), to: new Date('2026-11-29T00:00:00Z'), now: new Date(), by: 'system' });
  return g.stored.id;
}

beforeAll(async () => {
  t = await createTestEnv('apiroles');
  callers = await callerPerRole(t.db);
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  // Route plugins load at ready(), so this hook sees every route the app declares.
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') declared.push({ method, url: r.url, public: r.config?.public === true, roles: r.config?.roles ?? [] });
  });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await t.cleanup();
});

describe.each(routes)('$method $url', (route) => {
  const who: Array<Role | 'anonymous'> = ['anonymous', ...ROLES];
  it.each(who)('as %s', async (caller) => {
    const { url, ...rest } = await route.request(caller);
    const res = await app.inject({
      method: route.method,
      url: url ?? route.url,
      ...rest,
      headers: caller === 'anonymous' ? {} : bearer(callers[caller].token),
      // A stream resolves at its head; app.close() ends it (the stream's preClose hook).
      ...(route.stream ? { payloadAsStream: true } : {}),
    });
    if (route.stream) {
      const body = res.statusCode === 200 ? '' : await text(res.stream());
      res.json = () => JSON.parse(body);
      res.body = body;
    }
    const expected = caller === 'anonymous' ? 401 : route.roles.includes(caller) ? 'ok' : 403;
    if (expected === 'ok' && route.okStatus) {
      expect(res.statusCode, res.body).toBe(route.okStatus);
    } else if (expected === 'ok') {
      expect(res.statusCode, res.body).toBeGreaterThanOrEqual(200);
      expect(res.statusCode, res.body).toBeLessThan(300);
    } else {
      expect(res.statusCode, res.body).toBe(expected);
      expect(res.json()).toEqual({ error: { code: expected === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN', message: expect.any(String) } });
    }
  });
});

it('the table is the declared policy: every non-public route has a row with exactly its roles', () => {
  const nonPublic = declared.filter((r) => !r.public);
  expect(nonPublic.length).toBe(routes.length);
  for (const r of nonPublic) {
    const row = routes.find((x) => x.method === r.method && x.url === r.url);
    expect(row, `${r.method} ${r.url} is missing from the role table`).toBeDefined();
    expect([...r.roles].sort()).toEqual([...(row?.roles ?? [])].sort());
  }
  // And the public ones are exactly these.
  expect(declared.filter((r) => r.public).map((r) => `${r.method} ${r.url}`).sort()).toEqual(
    ['GET /healthz', 'GET /readyz', 'POST /api/auth/login', 'POST /api/auth/logout', 'POST /api/auth/screen', 'GET /', 'GET /assets/:name'].sort(),
  );
});

// The live page and its assets hold no data: everyone gets them, signed in or not.
describe.each([{ url: '/' }, { url: '/assets/app.js' }, { url: '/assets/app.css' }])('public GET $url', ({ url }) => {
  it.each(['anonymous', ...ROLES] as const)('as %s', async (caller) => {
    const res = await app.inject({ method: 'GET', url, headers: caller === 'anonymous' ? {} : bearer(callers[caller].token) });
    expect(res.statusCode, res.body).toBe(200);
  });
});
