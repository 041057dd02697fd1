/**
 * `yuqing digest`: a leadership digest of any period, printed or written to a file, and with
 * --store kept (replacing the period's stored digest, audited as the CLI user) like the API's
 * regenerate. --daily / --weekly name the period the schedule makes (DIGEST_DAILY_CRON /
 * DIGEST_WEEKLY_CRON in DIGEST_TIMEZONE): the latest run on or before --date (default: now).
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildDigest, generateDigest, lastFireTime, lastFireTimeOnDate, periodProblem, scheduledPeriod } from '@yuqing/api';
import type { Config } from '@yuqing/config';
import { DIGEST_KINDS, fromWallTime, isValidTimeZone, renderDigestHtml, renderDigestMarkdown, type Digest, type DigestKind } from '@yuqing/digest';
import { cliActor, cliConfig, withDb } from '../context';
import { CliError, println, type CliIO, type Command } from '../io';

const USAGE = `usage:
  yuqing digest --from TIME --to TIME [--kind daily|weekly|custom] [--format json|html|markdown] [--out FILE] [--store]
  yuqing digest --daily|--weekly [--date YYYY-MM-DD] [--format …] [--out FILE] [--store]
  TIME: 2026-11-28T08:00+08:00 (with its zone), or 2026-11-28 08:00 read in DIGEST_TIMEZONE`;

const FORMATS = ['json', 'html', 'markdown'] as const;
type Format = (typeof FORMATS)[number];

/** A time on the command line: ISO 8601 with a zone, or a local date/time read in `timeZone`. */
export function parseCliTime(text: string, timeZone: string): Date {
  const local = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text.trim());
  if (local) {
    const [, y, mo, d, hh, mi, ss] = local;
    return fromWallTime({ year: Number(y), month: Number(mo), day: Number(d), hour: Number(hh ?? 0), minute: Number(mi ?? 0), second: Number(ss ?? 0) }, timeZone);
  }
  const ms = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(text.trim()) ? Date.parse(text.trim()) : Number.NaN;
  if (!Number.isFinite(ms)) throw new CliError(`无法识别的时间「${text}」：请写成 2026-11-28T08:00+08:00 或 2026-11-28 08:00`);
  return new Date(ms);
}

interface Period {
  kind: DigestKind;
  from: Date;
  to: Date;
}

function periodOf(values: { from?: string; to?: string; kind?: string; daily?: boolean; weekly?: boolean; date?: string }, cfg: Config): Period {
  const tz = cfg.DIGEST_TIMEZONE;
  if (!isValidTimeZone(tz)) throw new CliError(`DIGEST_TIMEZONE 无效: ${tz}`);
  if (values.daily || values.weekly) {
    if (values.daily && values.weekly) throw new CliError('--daily 与 --weekly 只能选一个');
    if (values.from || values.to || values.kind) throw new CliError('--daily/--weekly 已确定时段，不能再给 --from、--to 或 --kind');
    const kind = values.daily ? 'daily' : 'weekly';
    const pattern = kind === 'daily' ? cfg.DIGEST_DAILY_CRON : cfg.DIGEST_WEEKLY_CRON;
    if (values.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.date)) throw new CliError(`--date 应为 YYYY-MM-DD：${values.date}`);
    const fire = values.date ? lastFireTimeOnDate(pattern, tz, values.date) : lastFireTime(pattern, tz, new Date());
    if (!fire) throw new CliError(`在 ${values.date ?? '今天'} 及之前 8 天内找不到 ${kind === 'daily' ? 'DIGEST_DAILY_CRON' : 'DIGEST_WEEKLY_CRON'}（${pattern}）的执行时间`);
    return { kind, ...scheduledPeriod(kind, fire, tz) };
  }
  if (values.date) throw new CliError('--date 只与 --daily 或 --weekly 一起使用');
  if (!values.from || !values.to) throw new CliError(`需要 --from 和 --to（或 --daily / --weekly）\n${USAGE}`);
  const kind = (values.kind ?? 'custom') as DigestKind;
  if (!(DIGEST_KINDS as readonly string[]).includes(kind)) throw new CliError(`--kind 只能是 daily、weekly 或 custom：${values.kind}`);
  return { kind, from: parseCliTime(values.from, tz), to: parseCliTime(values.to, tz) };
}

async function output(io: CliIO, out: string | undefined, text: string): Promise<void> {
  if (!out) {
    io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return;
  }
  const file = resolve(io.cwd, out);
  await writeFile(file, text, 'utf8');
  println(io.stderr, `已写入 ${file}`);
}

export const run: Command = async (argv, io) => {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        kind: { type: 'string' },
        daily: { type: 'boolean' },
        weekly: { type: 'boolean' },
        date: { type: 'string' },
        format: { type: 'string', default: 'json' },
        out: { type: 'string' },
        store: { type: 'boolean' },
      },
    }));
  } catch (err) {
    // parseArgs reports unknown or malformed options with a TypeError carrying a code.
    if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) throw new CliError(`${err.message}\n${USAGE}`);
    throw err;
  }
  const format = values.format as Format;
  if (!FORMATS.includes(format)) throw new CliError(`--format 只能是 json、html 或 markdown：${values.format}`);
  const cfg = cliConfig(io);
  const p = periodOf(values, cfg);
  const problem = periodProblem(p.kind, p.from, p.to, cfg.DIGEST_TIMEZONE);
  if (problem) throw new CliError(problem);

  const rendered = await withDb(cfg, async (db) => {
    if (values.store) {
      const actor = cliActor();
      const g = await generateDigest(db, {
        ...p,
        now: new Date(),
        by: actor.actorName,
        timeZone: cfg.DIGEST_TIMEZONE,
        baseUrl: cfg.PUBLIC_BASE_URL,
        replace: true,
        audit: actor,
      });
      println(io.stderr, `已保存简报 #${g.stored.id}：${g.digest.title}${g.created ? '' : '（替换了该时段原有的简报）'}`);
      return format === 'html' ? g.stored.html : format === 'markdown' ? g.stored.markdown : JSON.stringify({ id: g.stored.id, ...g.digest }, null, 2);
    }
    const digest: Digest = await buildDigest(db, { ...p, now: new Date(), timeZone: cfg.DIGEST_TIMEZONE });
    return format === 'html' ? renderDigestHtml(digest) : format === 'markdown' ? renderDigestMarkdown(digest) : JSON.stringify(digest, null, 2);
  });
  await output(io, values.out, rendered);
  return 0;
};
