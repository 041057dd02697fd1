/**
 * `yuqing` — the command line of the whole system. Every command lives in its own module under
 * commands/ and is loaded only when asked for, so `yuqing extract` never opens a database pool.
 */
import { loadConfig } from '@yuqing/config';
import { ZodError } from 'zod';
import { CliError, type CliIO, type Command, println } from './io';
import { formatZodError } from './zod-format';

const commands: Record<string, { summary: string; load: () => Promise<{ run: Command }> }> = {
  up: { summary: '迁移数据库并启动全部服务 (migrate, then start every service; --demo: with the demo)', load: () => import('./commands/up') },
  demo: { summary: 'demo [--port 3999] [--remove] — 演示：发布一段内置的舆情数据流并添加为信息源，两分钟内出现预警', load: () => import('./commands/demo') },
  db: { summary: 'db migrate | db status', load: () => import('./commands/db') },
  sources: { summary: 'sources add|list|enable|disable|remove|import|export|catalogue|rsshub', load: () => import('./commands/sources') },
  schemes: { summary: 'schemes list|show ID|preview ID — 监测方案：词语、生成的检索信息源与健康、命中条数，近7日预览', load: () => import('./commands/schemes') },
  users: { summary: 'users add|list|disable|enable — 接口用户与角色', load: () => import('./commands/users') },
  tokens: { summary: 'tokens create|list|revoke — 接口令牌 (只在创建时显示一次)', load: () => import('./commands/tokens') },
  ingest: { summary: 'ingest FILE.jsonl — 批量导入其他爬虫产出的条目', load: () => import('./commands/ingest') },
  extract: { summary: 'extract FILE [--url URL] — 从保存的网页中抽取正文 (JSON)', load: () => import('./commands/extract') },
  api: { summary: 'api — 仅启动 HTTP 接口服务', load: () => import('./commands/api') },
  analyze: { summary: 'analyze < items.jsonl — 逐行分析 (涉警、情感、涉警负面、关键词、指纹…)，输出 JSONL', load: () => import('./commands/analyze') },
  train: { summary: 'train --in labels.jsonl [--from-db] --out model.json — 训练情感/涉警负面分类模型 (--from-db: 含人工校正)', load: () => import('./commands/train') },
  models: { summary: 'models list|show|retrain|activate VERSION — 涉警负面模型的版本、训练、门槛评估与回滚', load: () => import('./commands/models') },
  labels: { summary: 'labels export [--out FILE] — 导出分析员的人工校正 (train --in 格式的 JSONL)', load: () => import('./commands/labels') },
  replay: { summary: 'replay < items.jsonl — 按事件时间重放：分析、转载链、事件、预警 (JSONL 事件)', load: () => import('./commands/replay') },
  forms: { summary: 'forms list|generate KIND|export ID — 报表：周报表、科学预警记录、重大事项呈报表、危机管理登记表、信息采集表、走访记录 (Word/Excel)', load: () => import('./commands/forms') },
  digest: { summary: 'digest --from T --to T | --daily | --weekly [--format json|html|markdown] [--store] — 生成舆情日报/周报/专报', load: () => import('./commands/digest') },
  analyzer: { summary: 'analyzer — 仅启动分析服务', load: () => import('./commands/analyzer') },
  crawler: { summary: 'crawler — 仅启动采集服务 (scheduler, workers, reconciler)', load: () => import('./commands/crawler') },
};

function usage(io: CliIO): void {
  println(io.stderr, 'usage: yuqing <command> [args]');
  for (const [name, c] of Object.entries(commands)) println(io.stderr, `  ${name.padEnd(10)} ${c.summary}`);
}

/** Runs one CLI invocation and returns its exit code; errors for the user never show a stack. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    usage(io);
    return name ? 0 : 2;
  }
  const entry = commands[name];
  if (!entry) {
    println(io.stderr, `yuqing: unknown command "${name}"`);
    usage(io);
    return 2;
  }
  try {
    const { run } = await entry.load();
    return await run(rest, io);
  } catch (err) {
    if (err instanceof CliError) {
      println(io.stderr, `yuqing ${name}: ${err.message}`);
      return err.exitCode;
    }
    if (err instanceof ZodError) {
      println(io.stderr, `yuqing ${name}: invalid input\n${formatZodError(err)}`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    println(io.stderr, `yuqing ${name}: ${message}`);
    return 1;
  }
}

const isEntry = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/services\//, 'services/'));
if (isEntry) {
  // pnpm runs scripts from the repository root; INIT_CWD is where the user typed the command.
  let cwd = process.cwd();
  try {
    cwd = loadConfig().INIT_CWD ?? cwd;
  } catch {
    // a bad environment is reported by the command that needs the config
  }
  const io: CliIO = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, cwd };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      println(io.stderr, `yuqing: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    },
  );
}
