/** What a CLI command may touch: its streams and the directory the user ran it from. */
export interface CliIO {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** The directory the user typed the command in (pnpm runs scripts from the repo root). */
  cwd: string;
  /** Environment to read the config from (tests pass their own); default: the process's. */
  env?: Record<string, string | undefined>;
}

/** An error meant for the user: printed as one line, no stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A command takes its arguments (after the command name) and returns the process exit code. */
export type Command = (argv: string[], io: CliIO) => Promise<number>;

/** Writes one line to a stream. */
export function println(stream: NodeJS.WritableStream, line = ''): void {
  stream.write(`${line}\n`);
}
