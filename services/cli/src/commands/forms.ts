/**
 * `yuqing forms list|generate|export` — the bureau's forms (报表) from the command line, through the
 * same repository as the API: a form generated here is a draft like one made on the page (audited
 * as `cli:<os user>`), found by the page and refused a twin (FORM_EXISTS); an export renders a
 * stored version as the Word document or Excel register the page downloads.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createForm,
  FORM_KIND_RULES,
  FORM_KIND_VALUES,
  FORM_STATUS_WORDS,
  FormError,
  formTarget,
  getForm,
  getFormVersion,
  listForms,
  type FormRecord,
} from '@yuqing/db';
import { FORM_FORMATS, renderDocx, renderXlsx, type FormDataByKind, type FormKind } from '@yuqing/forms';
import { fmtBeijing } from '../beijing-time';
import { cliActor, cliConfig, withDb } from '../context';
import { CliError, println, type CliIO, type Command } from '../io';
import { parseCliTime } from './digest';

const USAGE = `usage:
  yuqing forms list [--kind KIND] [--json]
  yuqing forms generate KIND [--from TIME --to TIME | --incident ID]
  yuqing forms export ID --format docx|xlsx [--version N] --out FILE
  KIND: ${FORM_KIND_VALUES.join(' | ')}
  generate without --from/--to: the last full week (weekly-report), month (warning-record) or quarter
  (visit-record) in DIGEST_TIMEZONE; major-report needs --incident, crisis-register --incident or a
  period, info-collection a period. TIME: 2026-03-01 (00:00 in DIGEST_TIMEZONE), 2026-03-01 08:00, or
  ISO 8601 with its zone; the period is [from, to): --from 2026-03-01 --to 2026-04-01 is March.`;

/** parseArgs' own refusals (unknown or malformed options) as a usage error. */
function parse<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) throw new CliError(`${err.message}\n${USAGE}`);
    throw err;
  }
}

const kindOf = (v: string | undefined): FormKind => {
  if (!v || !(FORM_KIND_VALUES as string[]).includes(v)) throw new CliError(`报表类型应为 ${FORM_KIND_VALUES.join('、')} 之一${v ? `：${v}` : ''}\n${USAGE}`);
  return v as FormKind;
};

const positiveInt = (v: string | undefined, what: string): number => {
  if (!v || !/^[1-9]\d{0,15}$/.test(v)) throw new CliError(`${what}应为正整数${v ? `：${v}` : ''}`);
  return Number(v);
};

const period = (f: FormRecord): string => (f.periodStart && f.periodEnd ? `${fmtBeijing(f.periodStart)} 至 ${fmtBeijing(f.periodEnd)}` : `事件 #${f.incidentId}`);

async function list(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(() => parseArgs({ args: argv, strict: true, options: { kind: { type: 'string' }, json: { type: 'boolean' } } }));
  const kind = values.kind === undefined ? undefined : kindOf(values.kind);
  const forms = await withDb(cliConfig(io), (db) => listForms(db, { ...(kind ? { kind } : {}), limit: 200 }));
  if (values.json) {
    println(io.stdout, JSON.stringify(forms));
    return 0;
  }
  if (!forms.length) {
    println(io.stdout, '(还没有报表 — yuqing forms generate KIND)');
    return 0;
  }
  println(io.stdout, ['ID', '类型', '状态', '版本', '时段/事件', '标题'].join('\t'));
  for (const f of forms) {
    println(io.stdout, [f.id, f.kind, FORM_STATUS_WORDS[f.status], `v${f.version}${f.filedVersion ? `（已报送 v${f.filedVersion}）` : ''}`, period(f), f.title].join('\t'));
  }
  return 0;
}

async function generate(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(() =>
    parseArgs({ args: argv, strict: true, allowPositionals: true, options: { from: { type: 'string' }, to: { type: 'string' }, incident: { type: 'string' } } }),
  );
  if (positionals.length > 1) throw new CliError(`只能给一个报表类型\n${USAGE}`);
  const kind = kindOf(positionals[0]);
  const cfg = cliConfig(io);
  const tz = cfg.DIGEST_TIMEZONE;
  const given = {
    ...(values.from !== undefined ? { from: parseCliTime(values.from, tz) } : {}),
    ...(values.to !== undefined ? { to: parseCliTime(values.to, tz) } : {}),
    ...(values.incident !== undefined ? { incidentId: positiveInt(values.incident, '--incident ') } : {}),
  };
  const actor = cliActor();
  const r = await withDb(cfg, async (db) => {
    try {
      const now = new Date();
      return await createForm(db, { kind, target: formTarget(kind, given, now, tz), unitName: cfg.BUREAU_UNIT_NAME, timeZone: tz, now }, actor);
    } catch (err) {
      if (err instanceof FormError) throw new CliError(err.message, err.code === 'FORM_EXISTS' ? 3 : 2);
      throw err;
    }
  });
  println(io.stdout, JSON.stringify({ id: r.form.id, kind: r.form.kind, title: r.form.title, status: r.form.status, version: r.form.version }));
  println(io.stderr, `已生成 ${FORM_KIND_RULES[kind].name}草稿 #${r.form.id}：${r.form.title}`);
  return 0;
}

async function exportForm(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(() =>
    parseArgs({ args: argv, strict: true, allowPositionals: true, options: { format: { type: 'string' }, version: { type: 'string' }, out: { type: 'string' } } }),
  );
  const id = positiveInt(positionals[0], '报表 ID ');
  const format = values.format;
  if (format !== 'docx' && format !== 'xlsx') throw new CliError(`--format 应为 docx 或 xlsx\n${USAGE}`);
  if (!values.out) throw new CliError(`需要 --out FILE\n${USAGE}`);
  const version = values.version === undefined ? undefined : positiveInt(values.version, '--version ');
  const file = await withDb(cliConfig(io), async (db) => {
    const form = await getForm(db, id);
    if (!form) throw new CliError(`报表 ${id} 不存在`, 1);
    if (!FORM_FORMATS[form.kind].includes(format)) throw new CliError(`「${form.title}」没有 ${format} 格式（可用：${FORM_FORMATS[form.kind].join('、')}）`);
    const v = await getFormVersion(db, form.id, form.kind, version ?? form.version);
    if (!v) throw new CliError(`报表 ${id} 没有第 ${version} 版`, 1);
    if (format === 'docx') {
      const k = form.kind as 'major-report' | 'weekly-report' | 'warning-record' | 'crisis-register';
      return renderDocx(k, v.data as FormDataByKind[typeof k], form.kind === 'crisis-register' && form.incidentId !== null ? { incidentId: form.incidentId } : {});
    }
    const k = form.kind as 'warning-record' | 'crisis-register' | 'info-collection' | 'visit-record';
    return renderXlsx(k, v.data as FormDataByKind[typeof k]);
  });
  const path = resolve(io.cwd, values.out);
  await writeFile(path, file);
  println(io.stderr, `已写入 ${path}（${file.length} 字节）`);
  return 0;
}

export const run: Command = async (argv, io) => {
  const [sub, ...rest] = argv;
  if (sub === 'list') return list(rest, io);
  if (sub === 'generate') return generate(rest, io);
  if (sub === 'export') return exportForm(rest, io);
  throw new CliError(USAGE);
};
