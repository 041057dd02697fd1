/** `yuqing crawler` — runs the crawler service until SIGINT/SIGTERM. */
import { startCrawlerService } from '@yuqing/crawler';
import { cliConfig, untilSignal } from '../context';
import { CliError, type Command } from '../io';

export const run: Command = async (argv, io) => {
  if (argv.length) throw new CliError('usage: yuqing crawler');
  const service = await startCrawlerService(cliConfig(io)).catch((err: unknown) => {
    throw new CliError(err instanceof Error ? err.message : String(err), 1);
  });
  await untilSignal();
  await service.close();
  return 0;
};
