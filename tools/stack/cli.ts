// npm run stack -- up|down|status|logs : the local stack without Docker (see README, "Local stack").
import { Command } from 'commander';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ConfigError, loadStackEnv } from '@mailfleet/config';
import { PrerequisiteError } from './prerequisites';
import { StackError, createContext, down, logFiles, status, up } from './stack';
import { tailOf } from './process-control';

const repoRoot = path.resolve(__dirname, '..', '..');
const context = () => createContext(repoRoot, loadStackEnv(), (m) => console.log(`stack: ${m}`));

const program = new Command('stack').description(
  'The local mailfleet stack: Kafka, MongoDB, schema registry, SMTP sink.',
);

program
  .command('up')
  .description('start every component that is not running and wait until all are ready')
  .action(async () => {
    const ctx = context();
    await up(ctx);
    console.log(`stack: up — data and logs in ${path.relative(process.cwd(), ctx.stackDir) || '.'}`);
  });

program
  .command('down')
  .description('stop every component; nothing of the stack keeps running')
  .action(async () => {
    await down(context());
    console.log('stack: down');
  });

program
  .command('status')
  .description('show each component, its pid and ports')
  .action(async () => {
    const rows = await status(context());
    for (const r of rows) {
      console.log(
        `${r.name.padEnd(9)} ${r.state.padEnd(9)} pid ${String(r.pid ?? '-').padEnd(8)} ports ${r.ports.join(',')}`,
      );
    }
    if (rows.some((r) => r.state !== 'running')) process.exitCode = 3;
  });

program
  .command('logs')
  .description('print the last lines of every log, or follow one component')
  .argument('[component]', 'kafka | mongo | registry | smtp')
  .option('-n, --lines <n>', 'lines per log', '40')
  .option('-f, --follow', 'keep printing new lines (one component)')
  .action((component: string | undefined, opts: { lines: string; follow?: boolean }) => {
    const files = logFiles(context()).filter((f) => component === undefined || f.name === component);
    if (files.length === 0)
      throw new StackError(
        component ? `no log for '${component}' yet` : 'no logs yet: run `npm run stack -- up`',
      );
    if (opts.follow) {
      spawn('tail', ['-n', opts.lines, '-F', ...files.map((f) => f.file)], { stdio: 'inherit' });
      return;
    }
    for (const f of files) console.log(`==> ${f.name} (${f.file})\n${tailOf(f.file, Number(opts.lines))}`);
  });

program.parseAsync().catch((err: unknown) => {
  if (err instanceof StackError || err instanceof PrerequisiteError || err instanceof ConfigError) {
    console.error(`stack: ${err.message}`);
  } else {
    console.error('stack: unexpected failure', err);
  }
  process.exit(1);
});
