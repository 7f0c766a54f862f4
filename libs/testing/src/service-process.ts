// Runs a fleet service as a real child process (so tests can kill -9 it), logging to .stack/test-logs.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly logFile: string;
  kill9(): Promise<void>;
  /** SIGTERM, waiting for a clean exit. */
  stop(): Promise<number | null>;
}

export function startServiceProcess(
  name: string,
  entry: string,
  env: Record<string, string>,
): ServiceProcess {
  const logDir = path.join(repoRoot, '.stack', 'test-logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `${name}-${Date.now()}.log`);
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, entry)], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    logFile,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
