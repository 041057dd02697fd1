/** `yuqing analyzer` — runs the analyzer service until SIGINT/SIGTERM. */
import { startAnalyzerService } from '@yuqing/analyzer';
import { cliConfig, untilSignal } from '../context';
import { CliError, type Command } from '../io';

export const run: Command = async (argv, io) => {
  if (argv.length) throw new CliError('usage: yuqing analyzer');
  const service = await startAnalyzerService(cliConfig(io)).catch((err: unknown) => {
    throw new CliError(err instanceof Error ? err.message : String(err), 1);
  });
  await untilSignal();
  await service.close();
  return 0;
};
