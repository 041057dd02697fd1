/**
 * `yuqing extract FILE [--url URL]` — extracts the article from a saved page and prints one JSON
 * line. It runs the crawler's own decode + extract path (extractFromBytes), so what it prints
 * is what the crawler would store; it needs no database or Redis.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
// Sub-path entries of the crawler: the root entry would pull in the queue and database side,
// and this command must stay free of both.
import { extractFromBytes } from '@yuqing/crawler/extract';
import { toShanghaiIso } from '@yuqing/crawler/time';
import { CliError, type Command, println } from '../io';

const USAGE = 'usage: yuqing extract FILE [--url URL]';

interface ExtractArgs {
  file: string;
  url: string | undefined;
}

/** Parses `FILE [--url URL]` (also `--url=URL`); throws CliError on anything else. */
export function parseExtractArgs(argv: string[]): ExtractArgs {
  let file: string | undefined;
  let url: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--url') {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new CliError(`--url needs a value\n${USAGE}`);
      url = next;
    } else if (arg.startsWith('--url=')) {
      url = arg.slice('--url='.length);
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new CliError(`unknown option ${arg}\n${USAGE}`);
    } else if (file === undefined) {
      file = arg;
    } else {
      throw new CliError(`expected one FILE, got also "${arg}"\n${USAGE}`);
    }
  }
  if (!file) throw new CliError(`missing FILE\n${USAGE}`);
  return { file, url };
}

/** Runs `yuqing extract`. */
export const run: Command = async (argv, io) => {
  const { file, url } = parseExtractArgs(argv);
  const path = resolve(io.cwd, file);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new CliError(`cannot read ${file}: ${why}`);
  }
  const page = extractFromBytes(bytes, url === undefined ? {} : { url });
  const out = {
    title: page.title,
    text: page.text,
    publishedAt: page.publishedAt ? toShanghaiIso(page.publishedAt) : null,
    author: page.author,
    charset: page.charset,
  };
  println(io.stdout, JSON.stringify(out));
  return 0;
};
