/**
 * Units (issue 15, first slice) against real PostgreSQL: a three-level tree built through the API —
 * one city, two 分局, four 派出所, people in each — read back by every role; places replaced and
 * validated as the gazetteer is; the refusals (a cycle, moving or deleting the root, a sibling's
 * name, deleting a unit that holds something — with the message saying what); two opposite moves
 * at once; writes refused to every role but admin; every change in the audit log; the 联络员台账
 * and 公关民警登记表 read back by LibreOffice (xlsx → csv) listing exactly the subtree's current
 * people of that duty, as this file's own SQL finds them; users and receivers placed in units
 * through their own routes; and an installation upgraded from migration 028 keeping its users and
 * receivers in the one root unit.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@yuqing/api';
import { loadConfig } from '@yuqing/config';
import { createPool, migrate, unitSubtreeIds, type Role } from '@yuqing/db';
import type { FastifyInstance } from 'fastify';
import { convertWithLibreOffice, hasSoffice, loSkipTitle, parseCsv } from '../../../packages/forms/test/support';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';
import { bearer, callerPerRole, makeCaller, type Caller } from './auth-fixtures';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

let t: TestEnv;
let app: FastifyInstance;
let callers: Record<Role, Caller>;

beforeAll(async () => {
  t = await createTestEnv('unitsapi');
  callers = await callerPerRole(t.db);
  app = buildApp({ cfg: t.cfg, db: t.db, redis: t.redis });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await t?.cleanup();
});

interface Res {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Record<string, unknown>;
  raw: Buffer;
}

async function call(who: Role | Caller, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown): Promise<Res> {
  const caller = typeof who === 'string' ? callers[who] : who;
  const res = await app.inject({ method, url, headers: bearer(caller.token), ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
  let body: unknown = null;
  if (String(res.headers['content-type'] ?? '').startsWith('application/json')) body = res.json();
  return { status: res.statusCode, body, headers: res.headers, raw: res.rawPayload };
}

const q = async <T extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => (await t.db.query<T>(sql, params)).rows;

/** The Beijing date today, YYYY-MM-DD, by Intl (not by the code under test). */
const todayBj = (): string => new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai' }).format(new Date());
const todayChinese = (): string => {
  const [y, m, d] = todayBj().split('-').map(Number);
  return `${y}年${m}月${d}日`;
};

// The tree: name → [parent, kind expected (defaulted from the parent's)].
const CITY = '测试市公安局';
const TREE: Array<{ name: string; parent: string; kind: string }> = [
  { name: '城东分局', parent: CITY, kind: 'branch' },
  { name: '城西分局', parent: CITY, kind: 'branch' },
  { name: '东门派出所', parent: '城东分局', kind: 'station' },
  { name: '北关派出所', parent: '城东分局', kind: 'station' },
  { name: '西门派出所', parent: '城西分局', kind: 'station' },
  { name: '南湖派出所', parent: '城西分局', kind: 'station' },
];
/** How a register writes each unit in full. */
const FULL: Record<string, string> = {
  [CITY]: CITY,
  城东分局: '城东分局',
  城西分局: '城西分局',
  东门派出所: '城东分局东门派出所',
  北关派出所: '城东分局北关派出所',
  西门派出所: '城西分局西门派出所',
  南湖派出所: '城西分局南湖派出所',
};

interface PersonSpec {
  unit: string;
  name: string;
  duty: string;
  position: string;
  phone: string;
  since: string;
  until?: string;
  note?: string;
}
/** People in each unit: current ones, one who left (城东前联络员, 北关民警), one not yet started (东门新联络员). */
const PEOPLE: PersonSpec[] = [
  { unit: CITY, name: '市局联络员', duty: '联络员', position: '科员', phone: '0571-87000001', since: '2024-03-01' },
  { unit: CITY, name: '市局民警', duty: '公关民警', position: '副科长', phone: '13900000001', since: '2024-03-01', note: '负责全市舆情回应' },
  { unit: CITY, name: '市局发言人', duty: '新闻发言人', position: '副局长', phone: '0571-87000002', since: '2023-01-01' },
  { unit: '城东分局', name: '城东联络员', duty: '联络员', position: '民警', phone: '0571-86000001 转 8001', since: '2024-05-01' },
  { unit: '城东分局', name: '城东民警', duty: '公关民警', position: '教导员', phone: '13900000002', since: '2024-05-01' },
  { unit: '城东分局', name: '城东前联络员', duty: '联络员', position: '民警', phone: '13900000003', since: '2023-01-01', until: '2025-01-01', note: '已调离' },
  { unit: '城西分局', name: '城西联络员', duty: '联络员', position: '民警', phone: '13900000004', since: '2024-06-01' },
  { unit: '城西分局', name: '城西民警', duty: '公关民警', position: '副所长', phone: '13900000005', since: '2024-06-01' },
  { unit: '东门派出所', name: '东门联络员', duty: '联络员', position: '社区民警', phone: '01012345678', since: '2025-02-01' },
  { unit: '东门派出所', name: '东门民警', duty: '公关民警', position: '副所长', phone: '13900000006', since: '2025-02-01' },
  { unit: '东门派出所', name: '东门新联络员', duty: '联络员', position: '民警', phone: '13900000007', since: '2099-01-01', note: '拟任' },
  { unit: '北关派出所', name: '北关联络员', duty: '联络员', position: '民警', phone: '13900000008', since: '2025-03-01' },
  { unit: '北关派出所', name: '北关民警', duty: '公关民警', position: '所长', phone: '13900000009', since: '2022-01-01', until: '2024-06-01' },
  { unit: '西门派出所', name: '西门联络员', duty: '联络员', position: '民警', phone: '13900000010', since: '2025-01-01' },
  { unit: '西门派出所', name: '西门民警', duty: '公关民警', position: '副所长', phone: '13900000011', since: '2025-01-01' },
  { unit: '南湖派出所', name: '南湖联络员', duty: '联络员', position: '民警', phone: '13900000012', since: '2025-01-01' },
  { unit: '南湖派出所', name: '南湖民警', duty: '公关民警', position: '教导员', phone: '13900000013', since: '2025-01-01' },
];

const ids: Record<string, number> = {};
const personIds: Record<string, number> = {};
let rootId: number;

describe('building the tree', () => {
  it('the installation starts with one root unit (kind city), which the admin renames', async () => {
    const r = await call('pr', 'GET', '/api/units');
    expect(r.status).toBe(200);
    expect(r.body.units).toHaveLength(1);
    const [root] = r.body.units;
    expect(root).toMatchObject({ parentId: null, name: '市公安局', kind: 'city', depth: 0, path: ['市公安局'], places: [] });
    // Every user so far (callerPerRole) is in the root.
    expect(root.counts).toEqual({ children: 0, users: 5, receivers: 0, people: 0, peopleAll: 0 });
    rootId = root.id;
    expect(r.body.rootId).toBe(rootId);
    ids[CITY] = rootId;

    const renamed = await call('admin', 'PATCH', `/api/units/${rootId}`, { name: CITY });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body.unit).toMatchObject({ id: rootId, name: CITY, kind: 'city', parentId: null });
  });

  it('two 分局 and four 派出所, each kind one level below its parent unless given', async () => {
    for (const u of TREE) {
      const r = await call('admin', 'POST', '/api/units', { parentId: ids[u.parent], name: `  ${u.name} ` });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body.unit).toMatchObject({ name: u.name, kind: u.kind, parentId: ids[u.parent] });
      ids[u.name] = r.body.unit.id;
    }
    // A kind given is kept.
    const other = await call('admin', 'POST', '/api/units', { parentId: ids['城东分局'], name: '城东交警中队', kind: 'other' });
    expect(other.status).toBe(201);
    expect(other.body.unit.kind).toBe('other');
    ids['城东交警中队'] = other.body.unit.id;
  });

  it('people in every unit', async () => {
    for (const p of PEOPLE) {
      const { unit, ...body } = p;
      const r = await call('admin', 'POST', `/api/units/${ids[unit]}/people`, body);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body.person).toMatchObject({ unitId: ids[unit], unitName: unit, unitFullName: FULL[unit], name: p.name, duty: p.duty, position: p.position, phone: p.phone, since: p.since, until: p.until ?? null, note: p.note ?? '' });
      personIds[p.name] = r.body.person.id;
    }
    // A person with no start date starts today (Beijing); the record is current.
    const r = await call('admin', 'POST', `/api/units/${ids['城东交警中队']}/people`, { name: '中队联络员', duty: '联络员' });
    expect(r.status).toBe(201);
    expect(r.body.person).toMatchObject({ since: todayBj(), until: null, current: true, position: '', phone: '' });
    personIds['中队联络员'] = r.body.person.id;
  });

  it('the tree reads back in pre-order with depth, path and counts, for every role (ingest too)', async () => {
    for (const role of ['admin', 'pr', 'analyst', 'leader', 'ingest'] as const) {
      const r = await call(role, 'GET', '/api/units');
      expect(r.status, role).toBe(200);
      expect(r.body.units.map((u: { name: string; depth: number }) => `${'  '.repeat(u.depth)}${u.name}`), role).toEqual([
        CITY,
        '  城东分局',
        '    东门派出所',
        '    北关派出所',
        '    城东交警中队',
        '  城西分局',
        '    西门派出所',
        '    南湖派出所',
      ]);
    }
    const units = (await call('leader', 'GET', '/api/units')).body.units as Array<{ name: string; path: string[]; counts: Record<string, number> }>;
    const by = new Map(units.map((u) => [u.name, u]));
    expect(by.get('北关派出所')!.path).toEqual([CITY, '城东分局', '北关派出所']);
    // Counts by this file's own reading of the specs.
    for (const u of units) {
      const mine = PEOPLE.filter((p) => p.unit === u.name);
      const current = mine.filter((p) => p.since <= todayBj() && (!p.until || p.until > todayBj()));
      const children = TREE.filter((x) => x.parent === u.name).length + (u.name === '城东分局' ? 1 : 0);
      const extra = u.name === '城东交警中队' ? 1 : 0;
      expect(u.counts, u.name).toEqual({ children, users: u.name === CITY ? 5 : 0, receivers: 0, people: current.length + extra, peopleAll: mine.length + extra });
    }
  });

  it('people of a unit: its own, or with its subtree; current ones unless all=true; by duty', async () => {
    const own = await call('pr', 'GET', `/api/units/${ids['东门派出所']}/people`);
    expect(own.status).toBe(200);
    expect(own.body.people.map((p: { name: string }) => p.name)).toEqual(['东门民警', '东门联络员']);
    const all = await call('pr', 'GET', `/api/units/${ids['东门派出所']}/people?all=true`);
    expect(all.body.people.map((p: { name: string; current: boolean }) => [p.name, p.current])).toEqual([
      ['东门民警', true],
      ['东门联络员', true],
      ['东门新联络员', false],
    ]);
    const sub = await call('analyst', 'GET', `/api/units/${ids['城东分局']}/people?subtree=true&duty=${encodeURIComponent('联络员')}`);
    expect(sub.body.people.map((p: { name: string }) => p.name)).toEqual(['城东联络员', '东门联络员', '北关联络员', '中队联络员']);
    // Phone numbers are personal data: not for the machine account.
    expect((await call('ingest', 'GET', `/api/units/${ids['东门派出所']}/people`)).status).toBe(403);
    expect((await call('pr', 'GET', '/api/units/999999/people')).status).toBe(404);
  });

  it('unitSubtreeIds: a unit and all its descendants', async () => {
    expect(await unitSubtreeIds(t.db, ids['城东分局']!)).toEqual([ids['城东分局'], ids['东门派出所'], ids['北关派出所'], ids['城东交警中队']].sort((a, b) => a! - b!));
    expect(await unitSubtreeIds(t.db, ids['南湖派出所']!)).toEqual([ids['南湖派出所']]);
    expect((await unitSubtreeIds(t.db, rootId)).length).toBe(TREE.length + 2); // the root, the tree, 城东交警中队
    expect(await unitSubtreeIds(t.db, 999999)).toEqual([]);
  });
});

describe('jurisdiction (places)', () => {
  it('replaced as a whole, in the order written; aliases deduplicated, the own name dropped from them; kind defaults to other', async () => {
    const r = await call('admin', 'PUT', `/api/units/${ids['东门派出所']}/places`, {
      places: [
        { name: '东门街道', aliases: ['东门', '东门', '东门街道'], kind: 'town' },
        { name: '  东门菜市场 ', aliases: [] },
        { name: '东门派出所辖区', kind: 'station' },
      ],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.places).toEqual([
      { name: '东门街道', aliases: ['东门'], kind: 'town' },
      { name: '东门菜市场', aliases: [], kind: 'other' },
      { name: '东门派出所辖区', aliases: [], kind: 'station' },
    ]);
    const again = await call('admin', 'PUT', `/api/units/${ids['东门派出所']}/places`, { places: [{ name: '东门街道', aliases: ['东门'], kind: 'town' }] });
    expect(again.body.places).toEqual([{ name: '东门街道', aliases: ['东门'], kind: 'town' }]);
    const units = (await call('pr', 'GET', '/api/units')).body.units as Array<{ id: number; places: unknown[] }>;
    expect(units.find((u) => u.id === ids['东门派出所'])!.places).toEqual([{ name: '东门街道', aliases: ['东门'], kind: 'town' }]);
    // The root has none of its own: its jurisdiction stays the gazetteer file.
    expect(units.find((u) => u.id === rootId)!.places).toEqual([]);
    // The same place may be in two units (a 分局's district and its station's streets overlap).
    expect((await call('admin', 'PUT', `/api/units/${ids['城东分局']}/places`, { places: [{ name: '东城区', kind: 'district' }, { name: '东门街道', kind: 'town' }] })).status).toBe(200);
  });

  it('refuses what the gazetteer file would refuse, and a name twice, saying so in Chinese', async () => {
    const cases: Array<[unknown, string]> = [
      [{ places: [{ name: '东门街道' }, { name: '东门街道', kind: 'town' }] }, '地名「东门街道」重复'],
      [{ places: [{ name: '   ' }] }, '地名不能为空'],
      [{ places: [{ name: '东门', kind: 'city' }] }, '地名类型只能是'],
      [{ places: [{ name: '东门', aliases: [''] }] }, '别名不能为空'],
      [{ places: [{ name: '东门', extra: 1 }] }, ''],
    ];
    for (const [body, message] of cases) {
      const r = await call('admin', 'PUT', `/api/units/${ids['东门派出所']}/places`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      if (message) expect(JSON.stringify(r.body.error), JSON.stringify(body)).toContain(message);
    }
    // Nothing changed.
    expect(await q(`SELECT name FROM unit_places WHERE unit_id = $1`, [ids['东门派出所']])).toEqual([{ name: '东门街道' }]);
    expect((await call('admin', 'PUT', '/api/units/999999/places', { places: [] })).status).toBe(404);
  });
});

describe('the registers (联络员台账, 公关民警登记表) read back by LibreOffice', () => {
  /** This file's own reading: the subtree's people of a duty (current unless `all`), in tree order. */
  async function expected(unitId: number, duty: string, all: boolean): Promise<string[][]> {
    const rows = await q<{ unit_name: string; unit_path: string[]; name: string; position: string; duty: string; phone: string; since: string; until: string | null; note: string }>(
      `WITH RECURSIVE tree AS (
         SELECT id, ARRAY[id] AS ids, ARRAY[name] AS path FROM units WHERE id = $1
         UNION ALL SELECT u.id, t.ids || u.id, t.path || u.name FROM units u JOIN tree t ON u.parent_id = t.id
       ),
       up AS (
         SELECT id, parent_id, name, 0 AS n FROM units WHERE id = $1
         UNION ALL SELECT u.id, u.parent_id, u.name, up.n + 1 FROM units u JOIN up ON u.id = up.parent_id
       )
       SELECT un.name AS unit_name, (SELECT array_agg(name ORDER BY n DESC) FROM up) || t.path[2:] AS unit_path,
              p.name, p.position, p.duty, p.phone, p.since::text AS since, p.until::text AS until, p.note
         FROM unit_people p JOIN tree t ON t.id = p.unit_id JOIN units un ON un.id = p.unit_id
        WHERE p.duty = $2 AND ($3 OR (p.since <= $4::date AND (p.until IS NULL OR p.until > $4::date)))
        ORDER BY t.ids, p.since, p.id`,
      [unitId, duty, all, todayBj()],
    );
    return rows.map((r, i) => {
      const full = r.unit_path.length <= 1 ? r.unit_path[0]! : r.unit_path.slice(1).join('');
      return [String(i + 1), full, r.name, r.position, r.duty, r.phone, r.since, ...(all ? [r.until ?? ''] : []), r.note];
    });
  }

  const HEAD = ['序号', '单位', '姓名', '职务', '职责', '联系电话', '起始日期', '备注'];
  const HEAD_ALL = ['序号', '单位', '姓名', '职务', '职责', '联系电话', '起始日期', '离任日期', '备注'];

  const files: Array<{ name: string; url: string; unit: string; duty: string; all: boolean; title: string; from: string }> = [];
  const csv = new Map<string, string[][]>();

  beforeAll(async () => {
    files.push(
      { name: 'liaison-east', url: `/api/unit-people.xlsx?unitId=${ids['城东分局']}&duty=${encodeURIComponent('联络员')}`, unit: '城东分局', duty: '联络员', all: false, title: '联络员台账', from: '城东分局' },
      { name: 'liaison-east-all', url: `/api/unit-people.xlsx?unitId=${ids['城东分局']}&duty=${encodeURIComponent('联络员')}&all=true`, unit: '城东分局', duty: '联络员', all: true, title: '联络员台账', from: '城东分局' },
      { name: 'pr-city', url: `/api/unit-people.xlsx?duty=${encodeURIComponent('公关民警')}`, unit: CITY, duty: '公关民警', all: false, title: '公关民警登记表', from: CITY },
      { name: 'pr-west', url: `/api/unit-people.xlsx?unitId=${ids['城西分局']}&duty=${encodeURIComponent('公关民警')}`, unit: '城西分局', duty: '公关民警', all: false, title: '公关民警登记表', from: '城西分局' },
    );
    const got: Array<{ name: string; data: Buffer; ext: string }> = [];
    for (const f of files) {
      const r = await call('leader', 'GET', f.url);
      expect(r.status, f.url).toBe(200);
      expect(r.headers['content-type']).toBe(XLSX);
      expect(String(r.headers['content-disposition'])).toContain(encodeURIComponent(`${f.title}（${FULL[f.from]}）.xlsx`));
      got.push({ name: f.name, data: r.raw, ext: 'xlsx' });
    }
    if (!hasSoffice) return;
    const out = await convertWithLibreOffice(got, 'csv:Text - txt - csv (StarCalc):44,34,76,1', 'csv');
    for (const [name, data] of out) csv.set(name, parseCsv(data.toString('utf8')));
  }, 400_000);

  it('the specs say who is on the 城东分局 联络员台账 (its own and its stations’ current liaison officers, not the one who left nor the one not yet started)', async () => {
    const names = (await expected(ids['城东分局']!, '联络员', false)).map((r) => r[2]);
    expect(names).toEqual(['城东联络员', '东门联络员', '北关联络员', '中队联络员']);
  });

  describe.skipIf(!hasSoffice)(loSkipTitle('as LibreOffice shows them'), () => {
    it('each lists exactly the subtree’s current people of its duty (all=true: those who left and are yet to start too), every cell as stored', async () => {
      for (const f of files) {
        const rows = csv.get(f.name)!;
        expect(rows[0]![0], f.name).toBe(`${f.title}（截至${todayChinese()}${f.all ? '，含已离任人员' : ''}）`);
        expect(rows[1]![0], f.name).toContain(`填报单位：${FULL[f.from]}`);
        expect(rows[2], f.name).toEqual(f.all ? HEAD_ALL : HEAD);
        const want = await expected(ids[f.unit]!, f.duty, f.all);
        expect(want.length, f.name).toBeGreaterThan(1);
        expect(rows.slice(3).filter((r) => r.some((c) => c !== '')), f.name).toEqual(want);
      }
      // By the specs, beside the SQL: the city's 公关民警 without the one who left (北关民警).
      expect(csv.get('pr-city')!.slice(3).map((r) => r[2])).toEqual(['市局民警', '城东民警', '东门民警', '城西民警', '西门民警', '南湖民警']);
      expect(csv.get('pr-west')!.slice(3).map((r) => r[2])).toEqual(['城西民警', '西门民警', '南湖民警']);
      // Phone numbers stay text: the leading 0, the extension.
      const east = csv.get('liaison-east')!;
      expect(east.find((r) => r[2] === '东门联络员')![5]).toBe('01012345678');
      expect(east.find((r) => r[2] === '城东联络员')![5]).toBe('0571-86000001 转 8001');
      expect(csv.get('liaison-east-all')!.find((r) => r[2] === '城东前联络员')!.slice(6, 9)).toEqual(['2023-01-01', '2025-01-01', '已调离']);
    });
  });

  it('an unknown unit is a 404; a duty not in the list a 400; every reading role may export, the machine account may not', async () => {
    expect((await call('pr', 'GET', '/api/unit-people.xlsx?unitId=999999')).status).toBe(404);
    expect((await call('pr', 'GET', `/api/unit-people.xlsx?duty=${encodeURIComponent('司机')}`)).status).toBe(400);
    for (const role of ['admin', 'pr', 'analyst', 'leader'] as const) expect((await call(role, 'GET', '/api/unit-people.xlsx')).status, role).toBe(200);
    expect((await call('ingest', 'GET', '/api/unit-people.xlsx')).status).toBe(403);
  });
});

describe('people: change, end, remove', () => {
  it('ending a duty keeps the record; it leaves the current list; dates are checked', async () => {
    const id = personIds['西门联络员']!;
    const ended = await call('admin', 'PATCH', `/api/unit-people/${id}`, { until: todayBj() });
    expect(ended.status, JSON.stringify(ended.body)).toBe(200);
    expect(ended.body.person).toMatchObject({ until: todayBj(), current: false });
    const current = await call('pr', 'GET', `/api/units/${ids['西门派出所']}/people`);
    expect(current.body.people.map((p: { name: string }) => p.name)).toEqual(['西门民警']);
    const before = await call('admin', 'PATCH', `/api/unit-people/${id}`, { until: '2024-12-31' });
    expect(before.status).toBe(400);
    expect(before.body.error.message).toBe('离任日期（2024-12-31）不能早于起始日期（2025-01-01）');
    for (const body of [{ since: '2025-02-30' }, { since: '2025/01/01' }, { phone: '电话号码' }, { duty: '司机' }, { name: '' }, { unitId: 'x' }]) {
      expect((await call('admin', 'PATCH', `/api/unit-people/${id}`, body)).status, JSON.stringify(body)).toBe(400);
    }
    // Back in the duty, and moved to another unit.
    const back = await call('admin', 'PATCH', `/api/unit-people/${id}`, { until: null, unitId: ids['南湖派出所'], position: '警长' });
    expect(back.body.person).toMatchObject({ until: null, current: true, unitId: ids['南湖派出所'], unitName: '南湖派出所', position: '警长' });
    expect((await call('admin', 'PATCH', `/api/unit-people/${id}`, { unitId: 999999 })).status).toBe(404);
    expect((await call('admin', 'PATCH', '/api/unit-people/999999', { note: 'x' })).status).toBe(404);
    const moveBack = await call('admin', 'PATCH', `/api/unit-people/${id}`, { unitId: ids['西门派出所'] });
    expect(moveBack.status).toBe(200);
  });

  it('a record removed is gone', async () => {
    const id = personIds['中队联络员']!;
    const r = await call('admin', 'DELETE', `/api/unit-people/${id}`);
    expect(r.status).toBe(200);
    expect(r.body.person.name).toBe('中队联络员');
    expect(await q('SELECT 1 FROM unit_people WHERE id = $1', [id])).toEqual([]);
    expect((await call('admin', 'DELETE', `/api/unit-people/${id}`)).status).toBe(404);
  });
});

describe('refusals', () => {
  it('no cycle: not under itself, not under a descendant; the root neither moves nor goes', async () => {
    const self = await call('admin', 'PATCH', `/api/units/${ids['城东分局']}`, { parentId: ids['城东分局'] });
    expect(self.status).toBe(409);
    expect(self.body.error).toEqual({ code: 'UNIT_CYCLE', message: '不能把「城东分局」移到它自己之下' });
    const down = await call('admin', 'PATCH', `/api/units/${ids['城东分局']}`, { parentId: ids['东门派出所'] });
    expect(down.status).toBe(409);
    expect(down.body.error).toEqual({ code: 'UNIT_CYCLE', message: '不能把「城东分局」移到它的下级单位「东门派出所」之下' });
    const root = await call('admin', 'PATCH', `/api/units/${rootId}`, { parentId: ids['城西分局'] });
    expect(root.status).toBe(409);
    expect(root.body.error.code).toBe('UNIT_ROOT_FIXED');
    const delRoot = await call('admin', 'DELETE', `/api/units/${rootId}`);
    expect(delRoot.status).toBe(409);
    expect(delRoot.body.error.code).toBe('UNIT_ROOT_FIXED');
    expect((await call('admin', 'PATCH', `/api/units/${ids['城东分局']}`, { parentId: 999999 })).status).toBe(404);
    expect((await call('admin', 'POST', '/api/units', { parentId: 999999, name: '无处' })).status).toBe(404);
    // Nothing moved.
    expect(await q('SELECT parent_id FROM units WHERE id = $1', [ids['城东分局']])).toEqual([{ parent_id: rootId }]);
  });

  it('sibling names are unique: on adding, renaming and moving', async () => {
    const dup = await call('admin', 'POST', '/api/units', { parentId: ids['城东分局'], name: '东门派出所' });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toEqual({ code: 'UNIT_NAME_TAKEN', message: '「城东分局」下已有名为「东门派出所」的单位' });
    // The same name under another parent is fine.
    const elsewhere = await call('admin', 'POST', '/api/units', { parentId: ids['城西分局'], name: '东门派出所' });
    expect(elsewhere.status).toBe(201);
    const rename = await call('admin', 'PATCH', `/api/units/${ids['北关派出所']}`, { name: '东门派出所' });
    expect(rename.status).toBe(409);
    expect(rename.body.error.code).toBe('UNIT_NAME_TAKEN');
    const move = await call('admin', 'PATCH', `/api/units/${elsewhere.body.unit.id}`, { parentId: ids['城东分局'] });
    expect(move.status).toBe(409);
    expect(move.body.error.message).toBe('「城东分局」下已有名为「东门派出所」的单位');
    expect((await call('admin', 'DELETE', `/api/units/${elsewhere.body.unit.id}`)).status).toBe(200);
  });

  it('a move that is allowed carries the subtree; moved back', async () => {
    const r = await call('admin', 'PATCH', `/api/units/${ids['北关派出所']}`, { parentId: ids['城西分局'] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(await unitSubtreeIds(t.db, ids['城西分局']!)).toContain(ids['北关派出所']);
    expect(await unitSubtreeIds(t.db, ids['城东分局']!)).not.toContain(ids['北关派出所']);
    const people = await call('pr', 'GET', `/api/units/${ids['城西分局']}/people?subtree=true&duty=${encodeURIComponent('联络员')}`);
    expect(people.body.people.map((p: { name: string; unitFullName: string }) => [p.name, p.unitFullName])).toContainEqual(['北关联络员', '城西分局北关派出所']);
    expect((await call('admin', 'PATCH', `/api/units/${ids['北关派出所']}`, { parentId: ids['城东分局'] })).status).toBe(200);
  });

  it('two opposite moves at once: one wins, the other is refused as a cycle, the tree stays whole', async () => {
    const a = (await call('admin', 'POST', '/api/units', { parentId: rootId, name: '甲大队' })).body.unit.id as number;
    const b = (await call('admin', 'POST', '/api/units', { parentId: rootId, name: '乙大队' })).body.unit.id as number;
    const [x, y] = await Promise.all([call('admin', 'PATCH', `/api/units/${a}`, { parentId: b }), call('admin', 'PATCH', `/api/units/${b}`, { parentId: a })]);
    expect([x.status, y.status].sort()).toEqual([200, 409]);
    expect([x, y].find((r) => r.status === 409)!.body.error.code).toBe('UNIT_CYCLE');
    // Every unit still reachable from the root.
    const [count] = await q<{ n: number }>('SELECT count(*)::int AS n FROM units');
    expect((await call('pr', 'GET', '/api/units')).body.units.length).toBe(count!.n);
    // The database refuses a cycle by itself too (the migration's trigger).
    await expect(t.db.query('UPDATE units SET parent_id = $1 WHERE id = $2', [x.status === 200 ? a : b, x.status === 200 ? b : a])).rejects.toThrow(/cycle/);
    const child = x.status === 200 ? a : b;
    const parent = x.status === 200 ? b : a;
    expect((await call('admin', 'DELETE', `/api/units/${child}`)).status).toBe(200);
    expect((await call('admin', 'DELETE', `/api/units/${parent}`)).status).toBe(200);
  });

  it('a unit is deleted only when it holds nothing, and the message says what holds it', async () => {
    const branch = await call('admin', 'DELETE', `/api/units/${ids['城东分局']}`);
    expect(branch.status).toBe(409);
    expect(branch.body.error).toEqual({ code: 'UNIT_NOT_EMPTY', message: '「城东分局」下还有 3 个下级单位、3 条人员记录，不能删除；请先把它们移到其他单位或删除' });
    // A user and a receiver hold a unit too.
    const user = await call('admin', 'POST', '/api/users', { name: 'jiaojing-duty', role: 'pr', unitId: ids['城东交警中队'] });
    expect(user.status).toBe(201);
    const rcv = await call('admin', 'POST', '/api/receivers', { name: '交警中队群', kind: 'webhook', url: 'https://example.com/hook', unitId: ids['城东交警中队'] });
    expect(rcv.status, JSON.stringify(rcv.body)).toBe(201);
    const held = await call('admin', 'DELETE', `/api/units/${ids['城东交警中队']}`);
    expect(held.body.error.message).toBe('「城东交警中队」下还有 1 个用户、1 个接收端，不能删除；请先把它们移到其他单位或删除');
    // Moved away, the unit can go; its places go with it.
    expect((await call('admin', 'PATCH', '/api/users/jiaojing-duty', { unitId: ids['城东分局'] })).status).toBe(200);
    expect((await call('admin', 'PATCH', `/api/receivers/${rcv.body.receiver.id}`, { unitId: ids['城东分局'] })).status).toBe(200);
    expect((await call('admin', 'PUT', `/api/units/${ids['城东交警中队']}/places`, { places: [{ name: '东环路' }] })).status).toBe(200);
    const gone = await call('admin', 'DELETE', `/api/units/${ids['城东交警中队']}`);
    expect(gone.status, JSON.stringify(gone.body)).toBe(200);
    expect(await q('SELECT 1 FROM units WHERE id = $1', [ids['城东交警中队']])).toEqual([]);
    expect(await q('SELECT 1 FROM unit_places WHERE unit_id = $1', [ids['城东交警中队']])).toEqual([]);
    expect((await call('admin', 'DELETE', `/api/units/${ids['城东交警中队']}`)).status).toBe(404);
  });

  it('every role but admin is refused every write (403), and nothing changes', async () => {
    const [before] = await q<{ n: number }>(`SELECT (SELECT count(*) FROM units) + (SELECT count(*) FROM unit_people) + (SELECT count(*) FROM unit_places) + (SELECT count(*) FROM audit_log) AS n`);
    const person = personIds['南湖民警']!;
    const writes: Array<['POST' | 'PATCH' | 'PUT' | 'DELETE', string, unknown]> = [
      ['POST', '/api/units', { parentId: rootId, name: '越权单位' }],
      ['PATCH', `/api/units/${ids['南湖派出所']}`, { name: '越权改名' }],
      ['DELETE', `/api/units/${ids['南湖派出所']}`, undefined],
      ['PUT', `/api/units/${ids['南湖派出所']}/places`, { places: [{ name: '越权地名' }] }],
      ['POST', `/api/units/${ids['南湖派出所']}/people`, { name: '越权人员', duty: '其他' }],
      ['PATCH', `/api/unit-people/${person}`, { phone: '110' }],
      ['DELETE', `/api/unit-people/${person}`, undefined],
    ];
    for (const role of ['pr', 'analyst', 'leader', 'ingest'] as const) {
      for (const [method, url, body] of writes) {
        const r = await call(role, method, url, body);
        expect(r.status, `${role} ${method} ${url}`).toBe(403);
      }
    }
    const [after] = await q<{ n: number }>(`SELECT (SELECT count(*) FROM units) + (SELECT count(*) FROM unit_people) + (SELECT count(*) FROM unit_places) + (SELECT count(*) FROM audit_log) AS n`);
    expect(after!.n).toBe(before!.n);
  });
});

describe('the audit log', () => {
  it('holds every change, by the admin, with what it was and became', async () => {
    const rows = await q<{ action: string; entity_id: string; actor_name: string; before: any; after: any }>( // eslint-disable-line @typescript-eslint/no-explicit-any
      `SELECT action, entity_id, actor_name, before, after FROM audit_log WHERE entity IN ('unit', 'unit_person') ORDER BY id`,
    );
    expect(rows.every((r) => r.actor_name === 'role-admin')).toBe(true);
    const count = (action: string) => rows.filter((r) => r.action === action).length;
    // 6 of the tree, 城东交警中队, the twin 东门派出所 and 甲/乙大队.
    expect(count('unit.create')).toBe(10);
    expect(count('unit.update')).toBe(1);
    // 北关 there and back, and the winner of the race.
    expect(count('unit.move')).toBe(3);
    expect(count('unit.delete')).toBe(4);
    // 东门 twice, 城东分局, 城东交警中队.
    expect(count('unit.places')).toBe(4);
    expect(count('unit_person.create')).toBe(PEOPLE.length + 1);
    expect(count('unit_person.update')).toBe(3);
    expect(count('unit_person.delete')).toBe(1);
    const rename = rows.find((r) => r.action === 'unit.update')!;
    expect([rename.before.name, rename.after.name]).toEqual(['市公安局', CITY]);
    const move = rows.find((r) => r.action === 'unit.move')!;
    expect(move).toMatchObject({ entity_id: String(ids['北关派出所']), before: { parentId: ids['城东分局'] }, after: { parentId: ids['城西分局'] } });
    const places = rows.find((r) => r.action === 'unit.places')!;
    expect(places.before).toEqual({ places: [] });
    expect(places.after.places.map((p: { name: string }) => p.name)).toEqual(['东门街道', '东门菜市场', '东门派出所辖区']);
    const ended = rows.find((r) => r.action === 'unit_person.update')!;
    expect(ended).toMatchObject({ entity_id: String(personIds['西门联络员']), before: { until: null }, after: { until: todayBj() } });
    const removed = rows.find((r) => r.action === 'unit_person.delete')!;
    expect(removed).toMatchObject({ before: { name: '中队联络员' }, after: null });
  });
});

describe('users and receivers in units', () => {
  it('a user is added to a unit (the root when none is named), moved to another, and sees it on /api/auth/me at once', async () => {
    const added = await call('admin', 'POST', '/api/users', { name: 'dongmen-duty', role: 'pr', displayName: '东门值班', unitId: ids['东门派出所'] });
    expect(added.status).toBe(201);
    expect(added.body.user.unitId).toBe(ids['东门派出所']);
    const plain = await call('admin', 'POST', '/api/users', { name: 'plain-duty', role: 'pr' });
    expect(plain.body.user.unitId).toBe(rootId);
    expect((await call('admin', 'POST', '/api/users', { name: 'nowhere-duty', role: 'pr', unitId: 999999 })).status).toBe(404);
    expect(await q(`SELECT 1 FROM users WHERE name = 'nowhere-duty'`)).toEqual([]);

    const duty = await makeCaller(t.db, 'beiguan-duty', 'pr');
    expect((await call(duty, 'GET', '/api/auth/me')).body.user.unitId).toBe(rootId);
    const moved = await call('admin', 'PATCH', '/api/users/beiguan-duty', { unitId: ids['北关派出所'] });
    expect(moved.status).toBe(200);
    expect(moved.body.user).toMatchObject({ name: 'beiguan-duty', unitId: ids['北关派出所'], disabled: false });
    // The credential cache forgot the user: the next request sees the new unit.
    expect((await call(duty, 'GET', '/api/auth/me')).body.user.unitId).toBe(ids['北关派出所']);
    const [audit] = await q<{ before: { unitId: number }; after: { unitId: number } }>(`SELECT before, after FROM audit_log WHERE action = 'user.update' AND entity_id = $1`, [String(duty.user.id)]);
    expect([audit!.before.unitId, audit!.after.unitId]).toEqual([rootId, ids['北关派出所']]);
    expect((await call('admin', 'PATCH', '/api/users/beiguan-duty', { unitId: 999999 })).status).toBe(404);
    // Moved and disabled at once; the listing shows the unit.
    const both = await call('admin', 'PATCH', '/api/users/beiguan-duty', { unitId: ids['东门派出所'], disabled: true });
    expect(both.body.user).toMatchObject({ unitId: ids['东门派出所'], disabled: true });
    const listed = (await call('admin', 'GET', '/api/users')).body.users.find((u: { name: string }) => u.name === 'beiguan-duty');
    expect(listed.unitId).toBe(ids['东门派出所']);
    // Only admins.
    expect((await call('leader', 'PATCH', '/api/users/dongmen-duty', { unitId: rootId })).status).toBe(403);
  });

  it('a receiver belongs to a unit: the root when none is named; moved through its own route, audited', async () => {
    const plain = await call('admin', 'POST', '/api/receivers', { name: '市局值班群', kind: 'webhook', url: 'https://example.com/hook' });
    expect(plain.status).toBe(201);
    expect(plain.body.receiver.unitId).toBe(rootId);
    const station = await call('admin', 'POST', '/api/receivers', { name: '南湖所群', kind: 'webhook', url: 'https://example.com/hook', unitId: ids['南湖派出所'] });
    expect(station.body.receiver.unitId).toBe(ids['南湖派出所']);
    expect((await call('admin', 'POST', '/api/receivers', { name: '无处群', kind: 'webhook', url: 'https://example.com/hook', unitId: 999999 })).status).toBe(404);
    const moved = await call('admin', 'PATCH', `/api/receivers/${station.body.receiver.id}`, { unitId: ids['西门派出所'] });
    expect(moved.status).toBe(200);
    expect(moved.body.receiver.unitId).toBe(ids['西门派出所']);
    const [audit] = await q<{ before: { unitId: number }; after: { unitId: number } }>(
      `SELECT before, after FROM audit_log WHERE action = 'receiver.update' AND entity_id = $1`,
      [String(station.body.receiver.id)],
    );
    expect([audit!.before.unitId, audit!.after.unitId]).toEqual([ids['南湖派出所'], ids['西门派出所']]);
    expect((await call('admin', 'PATCH', `/api/receivers/${station.body.receiver.id}`, { unitId: 999999 })).status).toBe(404);
    const units = (await call('pr', 'GET', '/api/units')).body.units as Array<{ id: number; counts: { receivers: number } }>;
    expect(units.find((u) => u.id === ids['西门派出所'])!.counts.receivers).toBe(1);
  });
});

describe('upgrading an installation from migration 028', () => {
  it('its users and receivers all belong to the one root unit, which has no places of its own', async () => {
    const schema = `t_unitsup_${randomBytes(4).toString('hex')}`;
    const cfg = loadConfig({ DATABASE_SCHEMA: schema, LOG_LEVEL: 'silent' });
    const db = createPool({ url: cfg.DATABASE_URL, schema, max: 2 });
    try {
      await migrate(db, schema, { upTo: 28 });
      await db.query(`INSERT INTO users (name, display_name, role) VALUES ('old-admin', '老管理员', 'admin'), ('old-duty', '老值班员', 'pr'), ('old-ingest', '推送', 'ingest')`);
      await db.query(`INSERT INTO receivers (name, kind, url) VALUES ('老钉钉群', 'dingtalk', 'https://oapi.dingtalk.com/robot/send?access_token=x'), ('老中转', 'webhook', 'https://example.com/hook')`);
      expect(await migrate(db, schema)).toContain('029_units');
      const units = (await db.query<{ id: number; parent_id: number | null; name: string; kind: string }>('SELECT id, parent_id, name, kind FROM units')).rows;
      expect(units).toHaveLength(1);
      expect(units[0]).toMatchObject({ parent_id: null, name: '市公安局', kind: 'city' });
      const root = units[0]!.id;
      const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : 1);
      expect((await db.query<{ name: string }>('SELECT name, unit_id FROM users')).rows.sort(byName)).toEqual([
        { name: 'old-admin', unit_id: root },
        { name: 'old-duty', unit_id: root },
        { name: 'old-ingest', unit_id: root },
      ]);
      expect((await db.query<{ name: string }>('SELECT name, unit_id FROM receivers')).rows.sort(byName)).toEqual(
        [
          { name: '老中转', unit_id: root },
          { name: '老钉钉群', unit_id: root },
        ].sort(byName),
      );
      expect((await db.query('SELECT count(*)::int AS n FROM unit_places')).rows).toEqual([{ n: 0 }]);
      // A user added afterwards without a unit lands in the root too.
      await db.query(`INSERT INTO users (name, display_name, role) VALUES ('new-duty', '新值班员', 'pr')`);
      expect((await db.query(`SELECT unit_id FROM users WHERE name = 'new-duty'`)).rows).toEqual([{ unit_id: root }]);
    } finally {
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await db.end();
    }
  });
});
