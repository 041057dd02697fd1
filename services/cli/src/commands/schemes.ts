/**
 * `yuqing schemes list|show|preview` — the monitoring schemes (监测方案) from the command line: the
 * same repository and preview as the API. Schemes are edited on the page or through the API (they
 * generate sources, audited per user); the CLI reads them.
 */
import { parseArgs } from 'node:util';
import {
  getScheme,
  listSchemeItems,
  listSchemes,
  listSchemeSources,
  previewScheme,
  schemeMatchStats,
  searchKeywords,
  SEARCH_ROUTES,
  type Scheme,
} from '@yuqing/db';
import { fmtBeijing } from '../beijing-time';
import { cliConfig, withDb } from '../context';
import { CliError, println, type CliIO, type Command } from '../io';

const USAGE = `usage:
  yuqing schemes list [--json]
  yuqing schemes show ID [--json]
  yuqing schemes preview ID [--json]
  list shows every scheme with its words, generated sources and matches (last 24 h / 7 Beijing days);
  show one scheme with each generated source's health and its latest matched items; preview what
  the scheme would have matched among the items of the last 7 days (publication time).`;

const parseId = (v: string | undefined): number => {
  if (!v || !/^[1-9]\d{0,15}$/.test(v)) throw new CliError(`a scheme ID (a whole number) is required\n${USAGE}`);
  return Number(v);
};

const words = (s: Scheme): string =>
  [
    ['地域', s.placeWords],
    ['主体', s.subjectWords],
    ['事件', s.eventWords],
    ['排除', s.excludeWords],
  ]
    .filter(([, l]) => (l as string[]).length)
    .map(([k, l]) => `${k}:${(l as string[]).join('、')}`)
    .join('  ');

const routes = (s: Scheme): string => s.sources.map((k) => SEARCH_ROUTES[k].label).join('、') || '-';

async function list(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { json: { type: 'boolean' } } });
  const out = await withDb(cliConfig(io), async (db) => {
    const schemes = await listSchemes(db);
    const ids = schemes.map((s) => s.id);
    const [sources, { stats }] = await Promise.all([listSchemeSources(db, ids), schemeMatchStats(db, ids)]);
    return schemes.map((s) => ({ ...s, generated: sources.get(s.id) ?? [], matches: stats.get(s.id) }));
  });
  if (values.json) {
    println(io.stdout, JSON.stringify(out));
    return 0;
  }
  if (!out.length) {
    println(io.stdout, '(no schemes yet — add one on the page, 监测方案)');
    return 0;
  }
  println(io.stdout, ['ID', '名称', '状态', '辖区', '组合', '检索渠道', '信息源(故障)', '命中24h', '命中7日', '词语'].join('\t'));
  for (const s of out) {
    const failing = s.generated.filter((g) => g.enabled && g.status === 'failing').length;
    println(
      io.stdout,
      [s.id, s.name, s.enabled ? '启用' : '停用', s.jurisdiction ? '本辖区' : '-', s.match === 'all' ? '全部' : '任一', routes(s), `${s.generated.length}(${failing})`, s.matches?.items24h ?? 0, s.matches?.items7d ?? 0, words(s)].join('\t'),
    );
  }
  return 0;
}

async function show(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { json: { type: 'boolean' } } });
  const id = parseId(positionals[0]);
  const out = await withDb(cliConfig(io), async (db) => {
    const s = await getScheme(db, id);
    if (!s) return null;
    const [sources, { days, stats }, items] = await Promise.all([listSchemeSources(db, [id]), schemeMatchStats(db, [id]), listSchemeItems(db, id, 20)]);
    return { scheme: s, generated: sources.get(id) ?? [], days, matches: stats.get(id), searches: searchKeywords(s), recentItems: items };
  });
  if (!out) throw new CliError(`no scheme ${id}`, 1);
  if (values.json) {
    println(io.stdout, JSON.stringify(out));
    return 0;
  }
  const s = out.scheme;
  println(io.stdout, `#${s.id} ${s.name}（${s.enabled ? '启用' : '停用'}${s.jurisdiction ? '，本辖区方案' : ''}，${s.match === 'all' ? '各类词均需命中' : '任一类词命中即可'}）`);
  if (s.description) println(io.stdout, s.description);
  println(io.stdout, words(s));
  println(io.stdout, `检索渠道：${routes(s)}；生成检索 ${out.searches.keywords.length} 个${out.searches.omitted.length ? `，未生成 ${out.searches.omitted.length} 个：${out.searches.omitted.join('、')}` : ''}`);
  println(io.stdout, `命中：近24小时 ${out.matches?.items24h ?? 0} 条，近7日 ${out.matches?.items7d ?? 0} 条（${out.days.map((d, i) => `${d.slice(5)} ${out.matches?.daily[i] ?? 0}`).join('，')}）`);
  println(io.stdout, '');
  println(io.stdout, ['信息源', '状态', '渠道', '检索词', '上次成功(北京时间)', '24h条目', '最近错误'].join('\t'));
  for (const g of out.generated) {
    const st = !g.enabled ? '停用' : g.status === 'failing' ? '故障' : '正常';
    println(io.stdout, [g.sourceId, st, g.search, g.keyword, fmtBeijing(g.lastSuccessAt), g.items24h, g.lastError ? `${fmtBeijing(g.lastErrorAt)} ${g.lastError}` : '-'].join('\t'));
  }
  if (out.recentItems.length) {
    println(io.stdout, '');
    for (const i of out.recentItems) println(io.stdout, [fmtBeijing(i.publishedAt), i.policeNegative ? '涉警负面' : '-', i.source ?? '-', i.title ?? i.url, i.words.join('、')].join('\t'));
  }
  return 0;
}

async function preview(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { json: { type: 'boolean' } } });
  const id = parseId(positionals[0]);
  const out = await withDb(cliConfig(io), async (db) => {
    const s = await getScheme(db, id);
    return s ? { scheme: s, preview: await previewScheme(db, s) } : null;
  });
  if (!out) throw new CliError(`no scheme ${id}`, 1);
  const p = out.preview;
  if (values.json) {
    println(io.stdout, JSON.stringify(p));
    return 0;
  }
  println(io.stdout, `「${out.scheme.name}」近7日（${p.days[0]} 至 ${p.days.at(-1)}，北京时间）将命中 ${p.total} 条，其中涉警负面 ${p.policeNegative} 条`);
  println(io.stdout, p.days.map((d, i) => `${d.slice(5)} ${p.daily[i] ?? 0}`).join('，'));
  for (const i of p.items) println(io.stdout, [fmtBeijing(i.publishedAt), i.policeNegative ? '涉警负面' : '-', i.source ?? '-', i.title ?? i.url, i.words.join('、')].join('\t'));
  return 0;
}

export const run: Command = async (argv, io) => {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'list':
      return list(rest, io);
    case 'show':
      return show(rest, io);
    case 'preview':
      return preview(rest, io);
    default:
      throw new CliError(USAGE);
  }
};
