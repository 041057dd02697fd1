/**
 * Hostile input, issue 14: NUL bytes and lone surrogates in every field of every route, and a
 * credential reused after it was revoked.
 *
 * The cases are generated from the API's own OpenAPI document (/docs/json), not listed by hand:
 * every operation with a JSON body, a query string or string path parameters; every string in
 * its request schema (nested objects and arrays, a record's values and its keys); and the string
 * leaves of the known-good example bodies below, for what a schema leaves open (a pushed item, a
 * form's data). Each field is sent, by a role the operation names, with U+0000, with a lone
 * surrogate (the JSON escape "\ud800", which is valid JSON) and as bytes that are not UTF-8 at all.
 *
 * Every answer must be < 500: a 4xx in the service's error shape with nothing written (no table
 * gained a row, no row holds the value), or a 2xx that does not hand the character back. And the
 * product rule of plugins/text-guard.ts: only the push of items takes such text (the store cleans
 * it); every other operation refuses it with 400 INVALID_TEXT.
 */
import type { FastifyInstance, InjectOptions } from 'fastify';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, generateDigest } from '@yuqing/api';
import { ruleSchema } from '@yuqing/alerting';
import {
  appendAlertEvent,
  createForm,
  createUnit,
  getRootUnit,
  insertAdminRule,
  insertAlert,
  insertModel,
  insertReceiver,
  insertScheme,
  insertSource,
  insertUnitPerson,
  insertVisit,
  ROLES,
  schemeInputSchema,
  sourceInputSchema,
  type Role,
} from '@yuqing/db';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, callerPerRole, makeCaller, type Caller } from './auth-fixtures';
import { seedItem } from './read-fixtures';

/** The parts of JSON Schema (as @fastify/swagger emits zod's) that the walk below reads. */
interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  default?: unknown;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  exclusiveMinimum?: boolean | number;
  minItems?: number;
  pattern?: string;
  format?: string;
}

interface DocParameter {
  in: 'query' | 'path' | 'header' | 'cookie';
  name: string;
  schema?: JsonSchema;
}

/** One operation of the document. */
interface Operation {
  method: string;
  /** The OpenAPI path, `/api/forms/{id}`. */
  path: string;
  /** `PUT /api/forms/{id}`: the key of EXAMPLES. */
  key: string;
  /** Who may call it; null for a public operation. */
  roles: Role[] | null;
  body: JsonSchema | undefined;
  params: DocParameter[];
}

/** A step into a body: a property, an array's first element, or a record's (made-up) key. */
type Step = { key: string | number | typeof RECORD_KEY; schema: JsonSchema | undefined };
const RECORD_KEY = Symbol('record key');

/** Where one hostile value goes. */
type Field =
  | { where: 'body'; steps: Step[]; asKey: boolean; label: string }
  | { where: 'query' | 'path'; name: string; label: string };

/** How the value is hostile. */
type Variant = 'nul' | 'surrogate' | 'bytes';

const PASSWORD = '敌意字段测试密码-long enough';
const LOGIN_USER = 'hf-login';
/** The one operation that takes NUL and lone surrogates and stores them cleaned (packages/db/src/storable.ts). */
const CLEANING_OPERATIONS = new Set(['POST /api/items']);

let t: TestEnv;
let app: FastifyInstance;
let callers: Record<Role, Caller>;
let operations: Operation[];
let seq = 0;
/** Every table of the test's schema, counted, with the rows holding a marker counted apart. */
let tableStateSql: string;

// ---------------------------------------------------------------------------------------------
// Fixtures: known-good bodies where a schema cannot say what is valid, and ids for path parameters.

/** A period no other form has (a form is one per kind and period). */
function newPeriod(): { from: number; to: number } {
  const from = Date.UTC(2021, 0, 1) + ++seq * 86_400_000;
  return { from, to: from + 86_400_000 };
}

/**
 * Known-good request bodies, for operations whose valid body the schema cannot describe (a user or
 * catalogue entry that must exist, a URL, an OPML document, a workflow step, a pushed item's
 * fields). Every other operation gets the least body its schema allows (minimal below).
 */
const EXAMPLES: Record<string, () => unknown> = {
  'POST /api/auth/login': () => ({ name: LOGIN_USER, password: PASSWORD }),
  'POST /api/auth/screen': () => ({ token: callers.leader.token }),
  'POST /api/tokens': () => ({ user: 'role-pr', name: '值班大屏' }),
  'POST /api/sources': () => ({ name: `信源 ${++seq}`, url: `https://hf${seq}.example.cn/rss.xml` }),
  'PATCH /api/sources/{id}': () => ({ name: `改名信源 ${++seq}` }),
  'POST /api/sources/preview': () => ({ name: '预览', url: 'http://127.0.0.1:9/feed.xml' }),
  'POST /api/sources/import': () => ({ opml: `<opml version="2.0"><body><outline text="导入 ${++seq}" xmlUrl="https://opml${seq}.example.cn/rss"/></body></opml>` }),
  'POST /api/sources/catalogue': () => ({ entries: [{ id: 'weibo-keyword', params: { keyword: `敌意${++seq}` } }] }),
  'POST /api/items': () => [
    {
      id: `hf-${++seq}`,
      url: `https://push.example.com/hostile/${seq}`,
      title: '推送标题',
      text: '推送正文',
      summary: '推送摘要',
      author: { name: '推送作者' },
      publishedAt: '2026-11-28 10:00',
      source: '推送来源',
      parentUrl: 'https://push.example.com/hostile/parent',
      language: 'zh',
      // Not in the push schema: kept in the item's `extra` (jsonb).
      channel: '额外字段',
    },
  ],
  'PUT /api/items/{id}/label': () => ({ policeNegative: true, note: '人工校正' }),
  'POST /api/silences': () => ({ matchers: [{ field: 'level', op: '=', value: 'blue' }], endsAt: Date.now() + 3_600_000, comment: '演练' }),
  'POST /api/receivers': () => ({ name: `接收端 ${++seq}`, kind: 'webhook', url: 'https://example.com/hook' }),
  'POST /api/digests': () => ({ kind: 'custom', from: '2026-11-28T08:00+08:00', to: '2026-11-28T20:00+08:00' }),
  'POST /api/incidents': () => ({ title: `事件 ${++seq}` }),
  'POST /api/incidents/{id}/transition': () => ({ to: 'assessing' }),
  'POST /api/schemes': () => ({ name: `方案 ${++seq}`, placeWords: ['青石'] }),
  'PUT /api/schemes/{id}': () => ({ name: `改名方案 ${++seq}`, placeWords: ['白沙'] }),
  'POST /api/schemes/preview': () => ({ placeWords: ['青石'] }),
  'POST /api/forms': () => ({ kind: 'visit-record', ...newPeriod() }),
  'PUT /api/forms/{id}': () => ({ data: { header: { serial: '公关〔2026〕1号', secrecy: '内部', unit: '测试单位' } }, expectVersion: 1 }),
  'POST /api/forms/{id}/status': () => ({ to: 'review' }),
  'POST /api/info-entries': () => ({ channel: '来电', occurredAt: '2026-11-28 10:00', place: '某街道', people: '群众', content: `来电反映 ${++seq}`, officer: '值班民警' }),
  'POST /api/visits': () => ({ visitedOn: '2026-11-20', person: `代表 ${++seq}`, role: '人大代表', officer: '民警' }),
  // Unit 1 is the root migration 029 makes in a fresh schema.
  'POST /api/units': () => ({ parentId: 1, name: `单位 ${++seq}`, kind: 'station' }),
  'PATCH /api/units/{id}': () => ({ name: `改名单位 ${++seq}` }),
  'PUT /api/units/{id}/places': () => ({ places: [{ name: '东城区', aliases: ['东城'], kind: 'district' }] }),
  'POST /api/units/{id}/people': () => ({ name: '张三', duty: '联络员', position: '副所长', phone: '0571-87000000', since: '2026-01-01', note: '备注' }),
  'PATCH /api/unit-people/{id}': () => ({ phone: '13800000000', until: '2026-12-01' }),
};

async function newAlert(): Promise<number> {
  const a = await insertAlert(t.db, { kind: 'topic', dedupKey: `hostile:${++seq}`, level: 'yellow', title: '测试预警' });
  if (!a) throw new Error('alert not created');
  await appendAlertEvent(t.db, { alertId: a.id, type: 'firing', level: 'yellow', audienceRoles: ['admin', 'pr', 'analyst', 'leader'] });
  return a.id;
}

/**
 * A fresh resource for each path parameter (by the path up to it), so that a request reaches the
 * handler's writes rather than a 404, and a workflow step starts from the same state every time.
 */
const SEEDS: Record<string, () => Promise<string | number>> = {
  '/api/users/{name}': async () => (await makeCaller(t.db, `hf-user-${++seq}`, 'pr')).user.name,
  '/api/sources/{id}': async () => (await insertSource(t.db, sourceInputSchema.parse({ name: `待改信源 ${++seq}`, url: `https://hf-src${seq}.example.cn/rss.xml` })))!.id,
  '/api/items/{id}': async () => seedItem(t.db, { title: '某派出所民警执法视频引关注', sourceName: '微博' }),
  '/api/alerts/{id}': newAlert,
  '/api/rules/{id}': async () => (await insertAdminRule(t.db, { spec: ruleSchema.parse({ name: `待改规则 ${++seq}` }), by: callers.admin.user.id }))!.id,
  '/api/receivers/{id}': async () => (await insertReceiver(t.db, { name: `待改接收端 ${++seq}`, kind: 'webhook', url: 'https://example.com/hook' }))!.id,
  '/api/incidents/{id}': async () =>
    (
      await t.db.query<{ id: number }>(
        `INSERT INTO incidents (title, level, due_at, created_by_name, status) VALUES ($1, 'yellow', now() + interval '1 hour', '测试', 'new') RETURNING id`,
        [`测试事件 ${++seq}`],
      )
    ).rows[0]!.id,
  '/api/incident-tags/{tag}': async () => {
    const tag = `待删标签${++seq}`;
    await t.db.query('INSERT INTO incident_tag_vocabulary (tag) VALUES ($1)', [tag]);
    return tag;
  },
  '/api/models/{version}': async () =>
    (
      await insertModel(t.db, {
        modelVersion: `lr1-hostile${++seq}`,
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
      })
    ).version,
  '/api/schemes/{id}': async () => (await insertScheme(t.db, schemeInputSchema.parse({ name: `待改方案 ${++seq}`, placeWords: ['青石'] }), { id: null, name: 'test' }))!.id,
  '/api/forms/{id}': async () => {
    const p = newPeriod();
    const actor = { actorId: null, actorName: 'test', displayName: '测试' };
    return (await createForm(t.db, { kind: 'visit-record', target: { period: { from: new Date(p.from), to: new Date(p.to) } }, unitName: '测试', timeZone: 'Asia/Shanghai' }, actor)).form.id;
  },
  '/api/units/{id}': async () => (await createUnit(t.db, { parentId: (await getRootUnit(t.db)).id, name: `待改单位 ${++seq}`, kind: 'station' })).id,
  '/api/unit-people/{id}': async () => (await insertUnitPerson(t.db, { unitId: (await getRootUnit(t.db)).id, name: `待改人员${++seq}`.slice(0, 50), duty: '公关民警', since: '2026-01-01' })).id,
  '/api/visits/{id}': async () =>
    (await insertVisit(t.db, { visitedOn: new Date('2026-11-20T00:00:00+08:00'), person: `待改代表 ${++seq}`, role: '政协委员', organisation: '', views: '', followUp: '', officer: '民警' }, { id: null, name: '测试' })).id,
};

// ---------------------------------------------------------------------------------------------
// Reading the document.

const branchesOf = (s: JsonSchema): JsonSchema[] => [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])];
const typesOf = (s: JsonSchema): string[] => (s.type === undefined ? [] : [s.type].flat());

/** Whether a value of `s` may be a string: typed so, or left open (`{}`, an untyped pushed item). */
function takesString(s: JsonSchema): boolean {
  if (typesOf(s).includes('string')) return true;
  if (branchesOf(s).some(takesString)) return true;
  return typesOf(s).length === 0 && !s.properties && !s.items && !s.enum && branchesOf(s).length === 0;
}

const stepLabel = (steps: Step[]): string => `/${steps.map((s) => (s.key === RECORD_KEY ? '{key}' : String(s.key))).join('/')}`;

/** Every place in a body schema that holds a string, and every record whose keys are strings too. */
function schemaFields(s: JsonSchema | undefined, steps: Step[], out: Map<string, Field>): void {
  if (!s || steps.length > 12) return;
  const add = (f: Field): void => void (out.has(f.label) ? undefined : out.set(f.label, f));
  if (takesString(s) && steps.length > 0) add({ where: 'body', steps, asKey: false, label: `body:${stepLabel(steps)}` });
  for (const b of branchesOf(s)) schemaFields(b, steps, out);
  for (const [k, p] of Object.entries(s.properties ?? {})) schemaFields(p, [...steps, { key: k, schema: p }], out);
  if (s.items && typeof s.items === 'object') schemaFields(s.items, [...steps, { key: 0, schema: s.items }], out);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') {
    const v = s.additionalProperties;
    const at: Step[] = [...steps, { key: RECORD_KEY, schema: v }];
    schemaFields(v, at, out);
    add({ where: 'body', steps: at, asKey: true, label: `body:${stepLabel(steps)}/{key}(key)` });
  }
}

/** The string leaves of an example body (the parts its schema leaves open). */
function exampleFields(v: unknown, steps: Step[], out: Map<string, Field>): void {
  if (typeof v === 'string') {
    const label = `body:${stepLabel(steps)}`;
    if (!out.has(label)) out.set(label, { where: 'body', steps, asKey: false, label });
  } else if (Array.isArray(v)) {
    if (v.length > 0) exampleFields(v[0], [...steps, { key: 0, schema: undefined }], out);
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) exampleFields(x, [...steps, { key: k, schema: undefined }], out);
  }
}

/** The fields of an operation to make hostile. */
function fieldsOf(op: Operation, example: unknown): Field[] {
  const out = new Map<string, Field>();
  for (const p of op.params) {
    if ((p.in === 'query' || p.in === 'path') && p.schema && takesString(p.schema)) out.set(`${p.in}:${p.name}`, { where: p.in, name: p.name, label: `${p.in}:${p.name}` });
  }
  if (op.body) {
    schemaFields(op.body, [], out);
    exampleFields(example, [], out);
  }
  return [...out.values()];
}

/** A string the schema accepts, different every call (names are unique in many tables). */
function sampleString(s: JsonSchema): string {
  const n = ++seq;
  const candidates = s.format === 'date-time' ? [new Date().toISOString()] : [`样例${n}`, `a${n}`, '08:00', new Date().toISOString()];
  const re = s.pattern ? new RegExp(s.pattern) : null;
  for (const c of candidates) {
    const v = c.padEnd(s.minLength ?? 0, '样').slice(0, s.maxLength ?? Infinity);
    if (!re || re.test(v)) return v;
  }
  return candidates[0]!;
}

/** The least value `s` allows: required properties only, the first enum value and branch. */
function minimal(s: JsonSchema | undefined): unknown {
  if (!s) return '样例';
  if (s.default !== undefined) return structuredClone(s.default);
  if (s.enum) return s.enum[0];
  const branches = s.anyOf ?? s.oneOf;
  if (branches?.[0]) return minimal(branches[0]);
  const type = typesOf(s)[0];
  if (type === 'object' || (!type && s.properties)) return Object.fromEntries((s.required ?? []).map((k) => [k, minimal(s.properties?.[k])]));
  if (type === 'array') return Array.from({ length: s.minItems ?? 0 }, () => minimal(s.items));
  if (type === 'string') return sampleString(s);
  if (type === 'integer' || type === 'number') return s.minimum === undefined ? 1 : s.minimum + (s.exclusiveMinimum === true ? 1 : 0);
  if (type === 'boolean') return false;
  return '样例';
}

/** The body of a request that should succeed: the example, or the least the schema allows. */
const baseBody = (op: Operation): unknown => (EXAMPLES[op.key] ? EXAMPLES[op.key]!() : op.body ? minimal(op.body) : undefined);

type Container = Record<string | number, unknown>;

/** `body` with `value` put at the field (as the last key of a record when `asKey`), containers made on the way. */
function withValueAt(body: unknown, root: JsonSchema | undefined, steps: Step[], value: string, asKey: boolean): unknown {
  const holder: Container = { v: structuredClone(body) };
  let parent: Container = holder;
  let key: string | number = 'v';
  let schema = root;
  for (const [i, step] of steps.entries()) {
    const wantArray = typeof step.key === 'number';
    let cur = parent[key];
    if (!cur || typeof cur !== 'object' || Array.isArray(cur) !== wantArray) {
      const made = minimal(schema);
      cur = made && typeof made === 'object' && Array.isArray(made) === wantArray ? made : wantArray ? [] : {};
      parent[key] = cur;
    }
    parent = cur as Container;
    const last = i === steps.length - 1;
    if (step.key === RECORD_KEY) key = last && asKey ? value : 'k';
    else key = step.key;
    schema = step.schema;
    if (last) parent[key] = asKey ? minimal(step.schema) : value;
  }
  return holder.v;
}

// ---------------------------------------------------------------------------------------------
// Sending, and looking at what was written.

interface Sent {
  status: number;
  type: string;
  body: string;
}

/** Injects a request; an event stream is looked at for its head only (app.close() ends it). */
async function send(opts: InjectOptions): Promise<Sent> {
  const res = await app.inject({ ...opts, payloadAsStream: true });
  const type = String(res.headers['content-type'] ?? '');
  if (type.startsWith('text/event-stream')) {
    res.stream().destroy();
    return { status: res.statusCode, type, body: '' };
  }
  return { status: res.statusCode, type, body: await text(res.stream()) };
}

/** Per table: its row count, and how many of its rows hold `marker`. */
async function tableState(marker: string): Promise<Map<string, { rows: number; marked: number }>> {
  const { rows } = await t.db.query<{ t: string; n: number; m: number }>(tableStateSql, [`%${marker}%`]);
  return new Map(rows.map((r) => [r.t, { rows: r.n, marked: r.m }]));
}

/** What changed between two states: tables that gained or lost rows, tables with rows holding the marker. */
function writesBetween(before: Map<string, { rows: number; marked: number }>, after: Map<string, { rows: number; marked: number }>): string[] {
  const out: string[] = [];
  for (const [table, a] of after) {
    const b = before.get(table);
    if (b && a.rows !== b.rows) out.push(`${table}: ${b.rows} → ${a.rows} rows`);
    if (a.marked > 0) out.push(`${table}: ${a.marked} row(s) hold the value`);
  }
  return out;
}

const ERROR_SHAPE = (body: string): boolean => {
  try {
    const e = (JSON.parse(body) as { error?: { code?: unknown; message?: unknown } }).error;
    return typeof e?.code === 'string' && typeof e.message === 'string' && /[\u4e00-\u9fff]/.test(e.message);
  } catch {
    return false;
  }
};

/** A NUL or a lone surrogate handed back (JSON.stringify escapes lone surrogates, emits pairs raw). */
// eslint-disable-next-line no-control-regex -- looking for U+0000 is the point
const HANDS_BACK = /\\u0000|\u0000|\\ud[89a-f][0-9a-f]{2}/i;

/** The caller headers for an operation: a role it names (admin when it does), none when public. */
function headersFor(op: Operation): Record<string, string> {
  if (!op.roles) return {};
  const role = op.roles.includes('admin') ? 'admin' : op.roles[0]!;
  return bearer(callers[role].token);
}

/** The path with every parameter filled: from `fill`, else `anyId`, else a fresh seed. */
async function pathOf(op: Operation, fill: Record<string, string> = {}, anyId?: string): Promise<string> {
  let out = op.path;
  for (const m of op.path.matchAll(/\{([^}]+)\}/g)) {
    const name = m[1]!;
    let value = fill[name] ?? anyId;
    if (value === undefined) {
      const site = op.path.slice(0, m.index + m[0].length);
      const seed = SEEDS[site];
      if (!seed) throw new Error(`no seed for the path parameter ${site}: add one to SEEDS`);
      value = encodeURIComponent(String(await seed()));
    }
    out = out.replace(m[0], value);
  }
  return out;
}

/** The value a field gets: a marker to find it by in the database, then the hostile part. */
function hostile(variant: Variant, marker: string, where: Field['where']): string {
  if (where === 'body') return variant === 'nul' ? `${marker}\u0000空字符` : variant === 'surrogate' ? `${marker}\ud800代理` : `${marker}\ue000坏字节`;
  // In a URL: percent-encoded bytes. A lone surrogate has no UTF-8 form; what a WTF-8 or CESU-8
  // writer sends for one is ED A0 80, which is not UTF-8, as FF FE is not.
  const tail = variant === 'nul' ? '%00' : variant === 'surrogate' ? '%ED%A0%80' : '%FF%FE';
  return `${marker}${tail}${encodeURIComponent('尾')}`;
}

/** The UTF-8 of U+E000, replaced in the raw body by bytes that are not UTF-8. */
const PLACEHOLDER = Buffer.from('\ue000', 'utf8');
const NOT_UTF8 = Buffer.from([0xed, 0xa0, 0x80, 0xff]);

function rawBody(json: string): Buffer {
  const buf = Buffer.from(json, 'utf8');
  const at = buf.indexOf(PLACEHOLDER);
  if (at < 0) return buf;
  return Buffer.concat([buf.subarray(0, at), NOT_UTF8, buf.subarray(at + PLACEHOLDER.length)]);
}

/** The request of an operation with one field hostile (or none, for the known-good request). */
async function requestFor(op: Operation, field: Field | null, variant: Variant, marker: string, anyId?: string): Promise<InjectOptions> {
  const value = field ? hostile(variant, marker, field.where) : '';
  const url = await pathOf(op, field?.where === 'path' ? { [field.name]: value } : {}, anyId);
  const query = field?.where === 'query' ? `?${encodeURIComponent(field.name)}=${value}` : '';
  const opts: InjectOptions = { method: op.method as InjectOptions['method'], url: url + query, headers: headersFor(op) };
  if (op.body) {
    const body = field?.where === 'body' ? withValueAt(baseBody(op), op.body, field.steps, value, field.asKey) : baseBody(op);
    const json = JSON.stringify(body);
    opts.payload = field?.where === 'body' && variant === 'bytes' ? rawBody(json) : json;
    opts.headers = { ...opts.headers, 'content-type': 'application/json' };
  }
  return opts;
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  t = await createTestEnv('hostilefields');
  callers = await callerPerRole(t.db);
  await makeCaller(t.db, LOGIN_USER, 'analyst', PASSWORD);
  // GET /api/digests/latest/html redirects to the latest daily digest: there must be one.
  await generateDigest(t.db, { kind: 'daily', from: new Date('2026-11-28T00:00:00Z'), to: new Date('2026-11-29T00:00:00Z'), now: new Date(), by: 'system' });
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  await app.ready();

  const docRes = await app.inject({ url: '/docs/json', headers: bearer(callers.leader.token) });
  expect(docRes.statusCode).toBe(200);
  const doc = docRes.json() as { paths: Record<string, Record<string, { description?: string; security?: unknown[]; parameters?: DocParameter[]; requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>> };
  operations = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const isPublic = Array.isArray(op.security) && op.security.length === 0;
      // The document names the roles (plugins/openapi.ts): 「角色：admin、pr」.
      const named = /角色：([^\n，]+)/.exec(op.description ?? '')?.[1]?.split('、') ?? [];
      const roles = named.filter((r): r is Role => (ROLES as readonly string[]).includes(r));
      if (!isPublic && roles.length === 0) throw new Error(`${method.toUpperCase()} ${path}: the document names no roles`);
      const upper = method.toUpperCase();
      operations.push({ method: upper, path, key: `${upper} ${path}`, roles: isPublic ? null : roles, body: op.requestBody?.content?.['application/json']?.schema, params: op.parameters ?? [] });
    }
  }

  const tables = (
    await t.db.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY 1`, [t.cfg.DATABASE_SCHEMA])
  ).rows.map((r) => r.table_name);
  const schema = `"${t.cfg.DATABASE_SCHEMA}"`;
  tableStateSql = tables.map((n) => `SELECT '${n}' AS t, count(*)::int AS n, (count(*) FILTER (WHERE x::text LIKE $1))::int AS m FROM ${schema}."${n}" x`).join(' UNION ALL ');
});
afterAll(async () => {
  await app?.close();
  await t?.cleanup();
});

/** The operations that take text, each with its fields. */
function exercised(): Array<{ op: Operation; fields: Field[] }> {
  return operations.map((op) => ({ op, fields: fieldsOf(op, EXAMPLES[op.key]?.()) })).filter((x) => x.fields.length > 0);
}

describe('hostile text in every field of every operation of the OpenAPI document', () => {
  it('each operation that takes text accepts its known-good request (so the hostile ones below test the field, not a bad body)', async () => {
    const failures: string[] = [];
    for (const { op } of exercised()) {
      const res = await send(await requestFor(op, null, 'nul', ''));
      // 2xx, or the redirect of GET /api/digests/latest/html.
      if (res.status < 200 || res.status >= 400) failures.push(`${op.key} → ${res.status} ${res.body.slice(0, 300)}`);
    }
    expect(failures, `known-good requests refused (fix EXAMPLES or SEEDS):\n${failures.join('\n')}`).toEqual([]);
  });

  it('U+0000, a lone surrogate and bytes that are not UTF-8: never a 5xx; refused (400 INVALID_TEXT, nothing written) everywhere but the push of items, which stores them cleaned', { timeout: 600_000 }, async () => {
    const failures: string[] = [];
    const perOperation: string[] = [];
    let cases = 0;
    let fieldCount = 0;
    for (const { op, fields } of exercised()) {
      fieldCount += fields.length;
      perOperation.push(`${op.key}: ${fields.map((f) => f.label).join(', ')}`);
      for (const field of fields) {
        for (const variant of ['nul', 'surrogate', 'bytes'] as const) {
          const marker = `Hq${++seq}Z`;
          const what = `${op.key} ${field.label} [${variant}]`;
          const req = await requestFor(op, field, variant, marker);
          const before = await tableState(marker);
          const res = await send(req);
          const written = writesBetween(before, await tableState(marker));
          cases++;
          if (res.status >= 500) {
            failures.push(`${what} → ${res.status} ${res.body.slice(0, 200)}`);
            continue;
          }
          if (res.status >= 400) {
            if (!ERROR_SHAPE(res.body)) {
              // A path the router cannot decode never reaches a hook or the error handler: only Fastify's frameworkErrors option sees it.
              const hint = res.body.includes('FST_ERR_BAD_URL') ? ' (app.ts: Fastify({ frameworkErrors }) from plugins/text-guard.ts)' : '';
              failures.push(`${what} → ${res.status} not in the error shape${hint}: ${res.body.slice(0, 200)}`);
            }
            if (written.length) failures.push(`${what} → ${res.status} but written: ${written.join('; ')}`);
          } else if (res.status >= 200 && res.status < 300 && /json|text/.test(res.type) && HANDS_BACK.test(res.body)) {
            failures.push(`${what} → ${res.status} hands the character back: ${res.body.slice(0, 200)}`);
          }
          // The product rule. Checked where the server surely sees the character: every variant in a
          // JSON body, and U+0000 in a URL (how a URL's bytes that are not UTF-8 decode is the
          // router's and the query parser's business; the checks above hold for them all the same).
          const seen = field.where === 'body' || variant === 'nul';
          if (seen && !CLEANING_OPERATIONS.has(op.key)) {
            const code = res.status === 400 ? (JSON.parse(res.body) as { error: { code: string } }).error.code : null;
            if (code !== 'INVALID_TEXT') failures.push(`${what} → ${res.status} ${res.body.slice(0, 160)} (expected 400 INVALID_TEXT)`);
          }
          if (seen && CLEANING_OPERATIONS.has(op.key) && res.status !== 200) failures.push(`${what} → ${res.status} (the push stores such text cleaned)`);
        }
      }
    }
    console.info(`[hostile-fields] ${perOperation.length} operations, ${fieldCount} fields, 3 variants each: ${cases} requests`);
    expect(failures, `${failures.length} of ${cases} hostile requests failed:\n${failures.join('\n')}\n\nThe fields, per operation:\n${perOperation.join('\n')}`).toEqual([]);
    // The walk found the document's operations and their fields, and the search for written rows
    // finds one (a broken walk or search would pass vacuously).
    expect(perOperation.length).toBeGreaterThanOrEqual(50);
    expect(fieldCount).toBeGreaterThanOrEqual(150);
    const probe = `Hq${++seq}Z`;
    const before = await tableState(probe);
    const made = await app.inject({ method: 'POST', url: '/api/incidents', headers: bearer(callers.admin.token), payload: { title: `${probe} 事件` } });
    expect(made.statusCode, made.body).toBe(201);
    expect(writesBetween(before, await tableState(probe))).toEqual(expect.arrayContaining([expect.stringMatching(/^incidents: \d+ → \d+ rows$/), 'incidents: 1 row(s) hold the value']));
  });
});

describe('the refusal (plugins/text-guard.ts)', () => {
  const post = (url: string, payload: string | Buffer | object) =>
    app.inject({ method: 'POST', url, headers: { ...bearer(callers.admin.token), 'content-type': 'application/json' }, payload });

  it('names the field in Chinese, and never sends the character back', async () => {
    const res = await post('/api/rules', { name: '规则', keywords: { anyOf: ['正常', '坏\u0000词'] } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: { code: 'INVALID_TEXT', message: expect.stringMatching(/^请求体含有无法保存的字符/), issues: [{ path: '/keywords/anyOf/1', message: expect.stringMatching(/[\u4e00-\u9fff]/) }] },
    });
    // In a key (a source's request headers): the path shows U+FFFD where the character was.
    const key = await post('/api/sources', { name: '信源', url: 'https://key.example.cn/rss.xml', headers: { 'X-\ud800': 'v' } });
    expect(key.statusCode).toBe(400);
    expect(key.json().error.issues).toEqual([{ path: '/headers/X-\uFFFD', message: expect.any(String) }]);
    expect(key.body).not.toMatch(HANDS_BACK);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM sources WHERE url = 'https://key.example.cn/rss.xml'`)).rows[0].n).toBe(0);
  });

  it('refuses a body that is not UTF-8 (GBK sent as UTF-8) instead of storing U+FFFD; the push decodes it as before', async () => {
    const gbk = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xb9, 0xe6, 0xd4, 0xf2]), Buffer.from('"}')]); // 「规则」 in GBK
    const rules = async (): Promise<number> => (await t.db.query('SELECT count(*)::int AS n FROM alert_rules')).rows[0].n;
    const before = await rules();
    const res = await post('/api/rules', gbk);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'INVALID_TEXT', message: '请求体不是有效的 UTF-8 编码，请以 UTF-8 重新提交' } });
    expect(await rules()).toBe(before);
    const pushed = await app.inject({
      method: 'POST',
      url: '/api/items',
      headers: { ...bearer(callers.ingest.token), 'content-type': 'application/json' },
      payload: Buffer.concat([Buffer.from('[{"url":"https://gbk.example.cn/1","title":"'), Buffer.from([0xb9, 0xe6, 0xd4, 0xf2]), Buffer.from('"}]')]),
    });
    expect(pushed.statusCode, pushed.body).toBe(200);
    expect(pushed.json().inserted).toBe(1);
    expect((await t.db.query(`SELECT title FROM items WHERE url = 'https://gbk.example.cn/1'`)).rows[0].title).toMatch(/^\uFFFD+$/);
    // Malformed JSON keeps Fastify's own answer.
    const malformed = await post('/api/rules', '{"name": ');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('FST_ERR_CTP_INVALID_JSON_BODY');
  });

  it('walks a body nested 100,000 deep without overflowing the stack', async () => {
    const res = await post('/api/rules', `{"name":"x","keywords":${'['.repeat(100_000)}"\\u0000"${']'.repeat(100_000)}}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('INVALID_TEXT');
    expect(res.json().error.issues[0].path).toBe(`/keywords${'/0'.repeat(100_000)}`);
  });
});

describe('a credential reused after it was revoked', () => {
  it('a revoked token and a logged-out session get 401 on every operation of the document, the streams too, and change nothing', { timeout: 120_000 }, async () => {
    const victim = await makeCaller(t.db, 'hf-revoked', 'admin', PASSWORD);
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { name: 'hf-revoked', password: PASSWORD } });
    expect(login.statusCode, login.body).toBe(200);
    const c = login.cookies.find((x) => x.name === t.cfg.AUTH_COOKIE_NAME)!;
    const session = { cookie: `${c.name}=${c.value}` };
    // Both work, and are remembered by the credential cache, before they are ended.
    expect((await app.inject({ url: '/api/auth/me', headers: bearer(victim.token) })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/auth/me', headers: session })).statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: `/api/tokens/${victim.tokenId}`, headers: bearer(callers.admin.token) })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/api/auth/logout', headers: session })).statusCode).toBe(204);

    // Every operation with its known-good body (ids need not exist: credentials are judged first), made before counting.
    const guarded = operations.filter((op) => op.roles !== null);
    const requests: Array<{ req: InjectOptions; how: string }> = [];
    for (const op of guarded) {
      const { headers, ...req } = await requestFor(op, null, 'nul', '', '1');
      const { authorization: _own, ...rest } = headers as Record<string, string>;
      requests.push({ req: { ...req, headers: { ...rest, ...bearer(victim.token) } }, how: 'revoked token' });
      requests.push({ req: { ...req, headers: { ...rest, ...session } }, how: 'logged-out session' });
    }
    const before = await tableState('never-a-marker');
    const failures: string[] = [];
    for (const { req, how } of requests) {
      const res = await send(req);
      const code = res.status === 401 ? (JSON.parse(res.body) as { error?: { code?: string } }).error?.code : undefined;
      if (code !== 'UNAUTHENTICATED') failures.push(`${req.method} ${req.url} with the ${how} → ${res.status} ${res.body.slice(0, 160)}`);
    }
    expect(failures, failures.join('\n')).toEqual([]);
    expect(requests.length).toBe(guarded.length * 2);
    expect(guarded.some((op) => op.path.endsWith('/stream'))).toBe(true);
    expect(writesBetween(before, await tableState('never-a-marker'))).toEqual([]);
  });
});
