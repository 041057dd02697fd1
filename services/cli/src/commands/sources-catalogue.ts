/**
 * `yuqing sources catalogue list|add` — the shipped source catalogue (packages/db/data/
 * source-catalogue.yaml) — and `yuqing sources rsshub`, the health of the RSSHub instances.
 */
import { parseArgs } from 'node:util';
import {
  CATALOGUE_CATEGORIES,
  CATEGORY_NAMES,
  CatalogueError,
  filterCatalogue,
  insertSource,
  isTemplate,
  listRsshubInstances,
  loadCatalogue,
  recordAudit,
  sourceFromEntry,
  withTransaction,
  type CatalogueEntry,
  type NewSource,
} from '@yuqing/db';
import { cliActor, cliConfig, withDb } from '../context';
import { CliError, println, type CliIO } from '../io';

type Check = (raw: unknown) => { ok: true; source: NewSource } | { ok: false; problems: string };

const CONFIDENCE: Record<CatalogueEntry['confidence'], string> = { high: '高', medium: '中', low: '低' };

function filterOptions(values: { category?: string | undefined; tier?: string | undefined }): { category?: string; tier?: number } {
  const f: { category?: string; tier?: number } = {};
  if (values.category !== undefined) {
    if (!(CATALOGUE_CATEGORIES as readonly string[]).includes(values.category)) throw new CliError(`--category must be one of ${CATALOGUE_CATEGORIES.join(', ')}`);
    f.category = values.category;
  }
  if (values.tier !== undefined) {
    if (!/^[1-4]$/.test(values.tier)) throw new CliError('--tier must be 1, 2, 3 or 4');
    f.tier = Number(values.tier);
  }
  return f;
}

async function listEntries(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { category: { type: 'string' }, tier: { type: 'string' }, hot: { type: 'boolean' }, json: { type: 'boolean' } } });
  const cat = loadCatalogue();
  const entries = filterCatalogue(cat, { ...filterOptions(values), ...(values.hot ? { hotList: true } : {}) });
  if (values.json) {
    println(io.stdout, JSON.stringify({ version: cat.version, updated: cat.updated, entries }));
    return 0;
  }
  println(io.stdout, `source catalogue (updated ${cat.updated}): ${entries.length} of ${cat.entries.length} entries`);
  println(io.stdout, ['ID', '类别', '级别', '类型', '间隔', '可信度', '名称', '路由/地址', '需要'].join('\t'));
  for (const e of entries) {
    const needs = [...(isTemplate(e) ? [`填写 ${Object.keys(e.params ?? {}).join('/')}`] : []), ...e.needs].join('，') || '-';
    println(io.stdout, [e.id, CATEGORY_NAMES[e.category], e.tier, e.hotList ? `${e.kind} 热榜` : e.kind, e.pollInterval, CONFIDENCE[e.confidence], e.name, e.route ?? e.url, needs].join('\t'));
  }
  return 0;
}

/** `--param uid=123` → { uid: '123' }. */
function paramValues(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of list) {
    const i = p.indexOf('=');
    if (i <= 0) throw new CliError(`--param "${p}" should look like name=value (e.g. uid=2803301701)`);
    out[p.slice(0, i).trim()] = p.slice(i + 1);
  }
  return out;
}

async function addEntries(argv: string[], io: CliIO, check: Check): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { category: { type: 'string' }, tier: { type: 'string' }, param: { type: 'string', multiple: true }, disabled: { type: 'boolean' } },
  });
  const cat = loadCatalogue();
  const params = paramValues(values.param ?? []);
  let chosen: Array<{ entry: CatalogueEntry; values: Record<string, string> }>;
  if (positionals.length > 0) {
    if (values.category !== undefined || values.tier !== undefined) throw new CliError('give catalogue ids or --category/--tier, not both');
    chosen = positionals.map((id) => {
      const entry = cat.entries.find((e) => e.id === id);
      if (!entry) throw new CliError(`no catalogue entry ${id} (see \`yuqing sources catalogue list\`)`);
      return { entry, values: isTemplate(entry) ? params : {} };
    });
    if (Object.keys(params).length > 0 && !chosen.some((c) => isTemplate(c.entry))) throw new CliError('--param only applies to template entries');
  } else {
    if (values.category === undefined && values.tier === undefined) throw new CliError('usage: yuqing sources catalogue add ID [--param name=value]... | --category C [--tier N]');
    if (Object.keys(params).length > 0) throw new CliError('--param applies to one template entry given by its id');
    // Templates need a value per bureau: a bulk add takes the ready-to-use entries only.
    chosen = filterCatalogue(cat, filterOptions(values))
      .filter((e) => !isTemplate(e))
      .map((entry) => ({ entry, values: {} }));
    if (chosen.length === 0) throw new CliError('no ready-to-use catalogue entry matches');
  }
  const inputs = chosen.map(({ entry, values: v }) => {
    let raw: ReturnType<typeof sourceFromEntry>;
    try {
      raw = sourceFromEntry(entry, v);
    } catch (err) {
      if (err instanceof CatalogueError) throw new CliError(err.message);
      throw err;
    }
    const r = check({ ...raw, ...(values.disabled ? { enabled: false } : {}) });
    if (!r.ok) throw new CliError(`catalogue entry ${entry.id} is not a valid source:\n${r.problems}`);
    return r.source;
  });
  const results = await withDb(cliConfig(io), (db) =>
    withTransaction(db, async (c) => {
      const out: Array<{ input: NewSource; id: number | null }> = [];
      for (const input of inputs) {
        const src = await insertSource(c, input);
        if (src) await recordAudit(c, { ...cliActor(), action: 'source.add', entity: 'source', entityId: src.id, after: src });
        out.push({ input, id: src?.id ?? null });
      }
      return out;
    }),
  );
  for (const r of results) {
    const where = r.input.url.replace(/^rsshub:/, '');
    println(io.stdout, r.id === null ? `already a source: ${r.input.name} (${where})` : `added source ${r.id}: ${r.input.name} (${r.input.kind} ${where}, every ${r.input.pollInterval}s)`);
  }
  const needs = [...new Set(chosen.flatMap((c) => c.entry.needs))];
  if (needs.length) println(io.stdout, `note: these routes need RSSHub configured with ${needs.join(', ')} (see README, "RSSHub")`);
  return 0;
}

export async function catalogue(argv: string[], io: CliIO, check: Check): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'list') return listEntries(rest, io);
  if (sub === 'add') return addEntries(rest, io, check);
  throw new CliError('usage: yuqing sources catalogue list [--category C] [--tier N] [--hot] [--json] | add ID [--param name=value]... | add --category C [--tier N]');
}

export async function rsshubStatus(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { json: { type: 'boolean' } } });
  const cfg = cliConfig(io);
  const known = await withDb(cfg, (db) => listRsshubInstances(db));
  const rows = [...cfg.RSSHUB_URL.map((u) => known.find((k) => k.baseUrl === u) ?? { baseUrl: u, status: 'untried' as const }), ...known.filter((k) => !cfg.RSSHUB_URL.includes(k.baseUrl)).map((k) => ({ ...k, configured: false }))];
  if (values.json) {
    println(io.stdout, JSON.stringify({ configured: cfg.RSSHUB_URL, instances: rows }));
    return 0;
  }
  if (cfg.RSSHUB_URL.length === 0) println(io.stdout, 'RSSHUB_URL is not set: sources of kind rsshub cannot be fetched.');
  for (const r of rows) {
    const line = [r.baseUrl, r.status === 'ok' ? '正常' : r.status === 'failing' ? '故障' : '未使用'];
    if ('requests' in r) line.push(`请求 ${r.requests}`, `失败 ${r.failures}`, `连续失败 ${r.consecutiveErrors}`);
    if ('configured' in r) line.push('(不在 RSSHUB_URL 中)');
    println(io.stdout, line.join('\t'));
    if ('lastError' in r && r.lastError && r.status === 'failing') println(io.stdout, `\t最近错误: ${r.lastError}`);
  }
  return 0;
}
