// Changes ask before they happen: `--yes` answers for scripts; without a terminal and without `--yes`
// the command is refused rather than left waiting for an answer nobody can give.
import { createInterface } from 'node:readline/promises';
import { UsageError } from './ops-errors';

export async function confirm(question: string, yes: boolean | undefined): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) throw new UsageError(`${question} — not on a terminal, so pass --yes to confirm`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}
