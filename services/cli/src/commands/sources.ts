/**
 * `yuqing sources add|list|enable|disable|remove|import|export`. Everything a user types is
 * validated by the source model's zod schema; problems are listed, never thrown as a stack.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  findSource,
  insertSource,
  listSources,
  recordAudit,
  removeSource,
  setSourceEnabled,
  sourceInputSchema,
  upsertSource,
  withTransaction,
  type NewSource,
  type Source,
} from '@yuqing/db';
import { listSelectorsSchema } from '@yuqing/crawler/list-page';
import { cliActor, cliConfig, withDb } from '../context';
import { CliError, println, type CliIO, type Command } from '../io';
import { exportSources, looksLikeOpml, sourcesFromOpml, sourcesFromYaml } from '../source-files';
import { catalogue, rsshubStatus } from './sources-catalogue';
import { formatZodError } from '../zod-format';

const USAGE = `usage:
  yuqing sources add --name NAME --url URL [--kind rss|html] [--interval 10m] [--authority 1]
  yuqing sources add --name NAME --route /weibo/search/hot      (kind rsshub: a route of the RSSHub instances in RSSHUB_URL)
                     [--tags 区县A,区县B] [--charset gbk] [--full-text] [--no-robots]
                     [--header "Name: value"]... [--selectors '{"item":"li","link":"a","time":".date"}'] [--disabled]
  yuqing sources add --json '{"name": …, "url": …}'
  yuqing sources list [--json]
  yuqing sources enable|disable|remove ID|URL
  yuqing sources import FILE          (OPML, YAML or JSON list)
  yuqing sources export [--format yaml|json|opml]
  yuqing sources catalogue list [--category C] [--tier N] [--hot] [--json]
  yuqing sources catalogue add ID [--param uid=…]... | --category C [--tier N]   (templates need --param)
  yuqing sources rsshub               (the RSSHub instances and their health)`;

/** Validates a source; the problems, one per line, or the parsed source. */
export function check(raw: unknown): { ok: true; source: NewSource } | { ok: false; problems: string } {
  const parsed = sourceInputSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problems: formatZodError(parsed.error) };
  if (parsed.data.selectors) {
    // The model checks the shape; the list-page parser checks that cheerio can use each selector.
    const sel = listSelectorsSchema.safeParse(parsed.data.selectors);
    if (!sel.success) return { ok: false, problems: formatZodError(sel.error).replace(/ {2}- /g, '  - selectors.') };
  }
  return { ok: true, source: parsed.data };
}

function validate(raw: unknown, where: string): NewSource {
  const r = check(raw);
  if (!r.ok) throw new CliError(`${where} is not a valid source:\n${r.problems}`);
  return r.source;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${what} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function add(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      json: { type: 'string' },
      name: { type: 'string' },
      url: { type: 'string' },
      route: { type: 'string' },
      kind: { type: 'string' },
      interval: { type: 'string' },
      authority: { type: 'string' },
      tags: { type: 'string' },
      charset: { type: 'string' },
      'full-text': { type: 'boolean' },
      'no-robots': { type: 'boolean' },
      header: { type: 'string', multiple: true },
      selectors: { type: 'string' },
      disabled: { type: 'boolean' },
    },
  });
  let raw: Record<string, unknown>;
  if (values.json) {
    raw = parseJson(values.json, '--json') as Record<string, unknown>;
  } else {
    const headers: Record<string, string> = {};
    for (const h of values.header ?? []) {
      const i = h.indexOf(':');
      if (i <= 0) throw new CliError(`--header "${h}" should look like "Name: value"`);
      headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
    }
    raw = {
      name: values.name,
      ...(values.url !== undefined ? { url: values.url } : {}),
      // A route alone means an RSSHub source.
      ...(values.route !== undefined ? { route: values.route, kind: values.kind ?? 'rsshub' } : {}),
      ...(values.kind ? { kind: values.kind } : {}),
      ...(values.interval ? { pollInterval: values.interval } : {}),
      ...(values.authority ? { authority: Number(values.authority) } : {}),
      ...(values.tags ? { jurisdictionTags: values.tags.split(/[,，]/).map((t) => t.trim()).filter(Boolean) } : {}),
      ...(values.charset ? { charset: values.charset } : {}),
      ...(values['full-text'] ? { fullText: true } : {}),
      ...(values['no-robots'] ? { respectRobots: false } : {}),
      ...(values.selectors ? { selectors: parseJson(values.selectors, '--selectors') } : {}),
      ...(values.disabled ? { enabled: false } : {}),
      headers,
    };
  }
  const input = validate(raw, 'the source');
  const cfg = cliConfig(io);
  const created = await withDb(cfg, (db) =>
    withTransaction(db, async (c) => {
      const src = await insertSource(c, input);
      if (src) await recordAudit(c, { ...cliActor(), action: 'source.add', entity: 'source', entityId: src.id, after: src });
      return src;
    }),
  );
  if (!created) throw new CliError(`a source with ${input.kind === 'rsshub' ? 'route' : 'URL'} ${input.url.replace(/^rsshub:/, '')} already exists`);
  println(io.stdout, `added source ${created.id}: ${created.name} (${created.kind}, every ${created.pollIntervalSeconds}s)`);
  return 0;
}

function fmtTime(d: Date | null): string {
  if (!d) return '-';
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
}

async function list(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { json: { type: 'boolean' } } });
  const sources = await withDb(cliConfig(io), (db) => listSources(db));
  if (values.json) {
    println(io.stdout, JSON.stringify(sources));
    return 0;
  }
  if (sources.length === 0) {
    println(io.stdout, '(no sources yet — add one with `yuqing sources add` or `yuqing sources import FILE`)');
    return 0;
  }
  println(io.stdout, ['ID', '状态', '启用', '类型', '间隔', '连续失败', '上次成功(北京时间)', '名称', 'URL'].join('\t'));
  for (const s of sources) {
    println(
      io.stdout,
      [s.id, s.status === 'failing' ? '故障' : '正常', s.enabled ? '是' : '否', s.kind, `${s.pollIntervalSeconds}s`, s.consecutiveErrors, fmtTime(s.lastSuccessAt), s.name, s.url].join('\t'),
    );
    if (s.lastError && s.consecutiveErrors > 0) println(io.stdout, `\t最近错误: ${s.lastError}`);
  }
  return 0;
}

async function toggleOrRemove(action: 'enable' | 'disable' | 'remove', argv: string[], io: CliIO): Promise<number> {
  const [ref] = argv;
  if (!ref || argv.length > 1) throw new CliError(`usage: yuqing sources ${action} ID|URL`);
  const done = await withDb(cliConfig(io), (db) =>
    withTransaction(db, async (c) => {
      const s: Source | null = await findSource(c, ref);
      if (!s) throw new CliError(`no source ${ref}`);
      if (action === 'remove') await removeSource(c, s.id);
      else await setSourceEnabled(c, s.id, action === 'enable');
      const after = action === 'remove' ? null : await findSource(c, String(s.id));
      await recordAudit(c, { ...cliActor(), action: `source.${action}`, entity: 'source', entityId: s.id, before: s, after });
      return s;
    }),
  );
  println(io.stdout, `${action}d source ${done.id}: ${done.name}`);
  return 0;
}

async function importFile(argv: string[], io: CliIO): Promise<number> {
  const [file] = argv;
  if (!file || argv.length > 1) throw new CliError('usage: yuqing sources import FILE');
  const path = resolve(io.cwd, file);
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  const raws = looksLikeOpml(text) ? sourcesFromOpml(text) : sourcesFromYaml(text);
  if (raws.length === 0) throw new CliError(`${file} holds no sources`);
  // All or nothing: report every bad entry, import none, so a half-applied file never happens.
  const problems: string[] = [];
  const inputs: NewSource[] = [];
  raws.forEach((raw, i) => {
    const r = check(raw);
    if (r.ok) inputs.push(r.source);
    else problems.push(`entry ${i + 1}${raw && typeof raw === 'object' && 'url' in raw ? ` (${String(raw.url)})` : ''}:\n${r.problems}`);
  });
  if (problems.length) throw new CliError(`nothing imported; ${problems.length} invalid entr${problems.length === 1 ? 'y' : 'ies'}:\n${problems.join('\n')}`);
  const counts = await withDb(cliConfig(io), (db) =>
    withTransaction(db, async (client) => {
      let created = 0;
      for (const s of inputs) {
        const r = await upsertSource(client, s);
        if (r.created) created++;
        await recordAudit(client, { ...cliActor(), action: 'source.import', entity: 'source', entityId: r.source.id, after: { ...r.source, created: r.created } });
      }
      return { created, updated: inputs.length - created };
    }),
  );
  println(io.stdout, `imported ${inputs.length} sources: ${counts.created} new, ${counts.updated} updated`);
  return 0;
}

async function exportAll(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { format: { type: 'string', default: 'yaml' } } });
  const format = values.format;
  if (format !== 'yaml' && format !== 'json' && format !== 'opml') throw new CliError('--format must be yaml, json or opml');
  const sources = await withDb(cliConfig(io), (db) => listSources(db));
  io.stdout.write(exportSources(sources, format));
  return 0;
}

export const run: Command = async (argv, io) => {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'add':
        return await add(rest, io);
      case 'list':
        return await list(rest, io);
      case 'enable':
      case 'disable':
      case 'remove':
        return await toggleOrRemove(sub, rest, io);
      case 'import':
        return await importFile(rest, io);
      case 'export':
        return await exportAll(rest, io);
      case 'catalogue':
        return await catalogue(rest, io, check);
      case 'rsshub':
        return await rsshubStatus(rest, io);
      default:
        throw new CliError(USAGE);
    }
  } catch (err) {
    // parseArgs reports unknown or malformed options with a TypeError carrying a code.
    if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) throw new CliError(`${err.message}\n${USAGE}`);
    throw err;
  }
};
