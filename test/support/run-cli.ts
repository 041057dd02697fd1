/** Runs the real `yuqing` CLI in-process with its own streams and environment. */
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../services/cli/src/main';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Calls main(argv) as the binary would, capturing what it prints. */
export async function runCli(argv: string[], opts: { env?: Record<string, string>; cwd?: string; stdin?: string } = {}): Promise<CliRun> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on('data', (c: Buffer) => chunks.out.push(c));
  err.on('data', (c: Buffer) => chunks.err.push(c));
  const code = await main(argv, {
    stdin: Readable.from([opts.stdin ?? '']),
    stdout: out,
    stderr: err,
    cwd: opts.cwd ?? process.cwd(),
    env: opts.env ?? {},
  });
  return { code, stdout: Buffer.concat(chunks.out).toString('utf8'), stderr: Buffer.concat(chunks.err).toString('utf8') };
}
