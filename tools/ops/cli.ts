// mailfleet ops: `npm run ops -- <command>` or the `mailfleet` bin. Replay, dead letters, mails, outboxes,
// projections and topics, for the people who run the fleet (docs/operations.md). Every command takes
// --json and exits 0 (done), 1 (refused or failed) or 2 (used wrongly).
import { Command, CommanderError } from 'commander';
import { registerDlq } from './commands/dlq';
import { registerGroups } from './commands/groups';
import { registerMail } from './commands/mail';
import { registerOutbox } from './commands/outbox';
import { registerProjection } from './commands/projection';
import { registerReplay } from './commands/replay';
import { registerSuppression } from './commands/suppression';
import { registerTopics } from './commands/topics';
import { registerTranslator } from './commands/translator';
import { EXIT } from './ops-errors';

export function opsProgram(): Command {
  const program = new Command('mailfleet')
    .description('Operate the mailfleet: replay, dead letters, mails, outboxes, projections, topics.')
    .option('--json', 'answer with one JSON document on stdout')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)');
  registerGroups(program);
  registerReplay(program);
  registerSuppression(program);
  registerDlq(program);
  registerMail(program);
  registerOutbox(program);
  registerProjection(program);
  registerTopics(program);
  registerTranslator(program);
  // Subcommands inherit the usage-error behaviour (exit 2 instead of commander's exit 1).
  for (const cmd of program.commands) {
    cmd.exitOverride();
    for (const sub of cmd.commands) sub.exitOverride();
  }
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  const program = opsProgram();
  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, successfully.
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      if (process.exitCode === EXIT.usage && argv.includes('--json'))
        process.stdout.write(`${JSON.stringify({ error: err.message, exitCode: EXIT.usage })}\n`);
      return;
    }
    throw err;
  }
}

if (require.main === module) void main(process.argv);
