// One way to run a command: a context for its connections, `--json` or text for its answer, and the exit
// code the CLI promises (0 done, 1 refused or failed, 2 used wrongly), with a message a person can act on.
import type { Command } from 'commander';
import { OpsContext } from './ops-context';
import { EXIT, OpsRefusal, UsageError } from './ops-errors';

export interface Output {
  readonly json: boolean;
  /** Prints `data` as one JSON document, or `text(data)` for a person. */
  result<T>(data: T, text: (data: T) => string): void;
  /** A note for a person (never on stdout with --json). */
  note(line: string): void;
}

export type OpsAction<O> = (ctx: OpsContext, options: O, out: Output, args: string[]) => Promise<void>;

/** Wraps a command's action with the context, the output and the error handling. */
export function action<O>(fn: OpsAction<O>) {
  // Commander passes the positional arguments, the options, then the command itself.
  return async (...params: unknown[]): Promise<void> => {
    const cmd = params[params.length - 1] as Command;
    const options = { ...cmd.optsWithGlobals() } as O & { json?: boolean };
    const args = cmd.args;
    const json = options.json === true;
    const out: Output = {
      json,
      result: (data, text) =>
        process.stdout.write(json ? `${JSON.stringify(data, jsonSafe, 2)}\n` : `${text(data)}\n`),
      note: (line) => process.stderr.write(`${line}\n`),
    };
    let ctx: OpsContext | undefined;
    try {
      ctx = new OpsContext();
      ctx.json = json;
      await fn(ctx, options, out, args);
    } catch (err) {
      process.exitCode = err instanceof UsageError ? EXIT.usage : EXIT.failed;
      const message = err instanceof Error ? err.message : String(err);
      if (json) process.stdout.write(`${JSON.stringify({ error: message, exitCode: process.exitCode })}\n`);
      process.stderr.write(`${cmd.name()}: ${message}\n`);
      if (
        !(err instanceof UsageError) &&
        !(err instanceof OpsRefusal) &&
        process.env['LOG_LEVEL'] === 'debug'
      )
        process.stderr.write(`${(err as Error).stack ?? ''}\n`);
    } finally {
      await ctx?.close();
    }
  };
}

/** BigInt offsets and Buffers as JSON. */
function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** Left-aligned columns for the text answers. */
export function table(rows: readonly (readonly unknown[])[]): string {
  const cells = rows.map((r) => r.map((c) => (c === undefined || c === null ? '-' : String(c))));
  const widths = cells[0]?.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length))) ?? [];
  return cells
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
