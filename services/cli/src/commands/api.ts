/** `yuqing api` — runs the HTTP API until SIGINT/SIGTERM. */
import { startApiServer } from '@yuqing/api';
import { cliConfig, untilSignal } from '../context';
import { CliError, println, type Command } from '../io';

export const run: Command = async (argv, io) => {
  if (argv.length) throw new CliError('usage: yuqing api');
  const server = await startApiServer(cliConfig(io)).catch((err: unknown) => {
    throw new CliError(err instanceof Error ? err.message : String(err), 1);
  });
  println(io.stdout, `API listening on ${server.url}`);
  await untilSignal();
  await server.close();
  return 0;
};
