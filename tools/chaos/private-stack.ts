// A stack of the harness's own: its own folder and ports, fresh topics, an empty sink. Killing its broker
// or stopping its MongoDB never touches the stack `npm start` uses.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { stackEndpoints } from '@mailfleet/config';
import { freePort } from '@mailfleet/testing';
import { readPid, isAlive } from '../stack/process-control';

export type StackComponentName = 'kafka' | 'mongo' | 'registry' | 'smtp';

export interface PrivateStack {
  readonly dir: string;
  /** The variables that point a process at this stack (MAILFLEET_* ports, and MONGO_URL when given). */
  readonly env: Readonly<Record<string, string>>;
  readonly endpoints: ReturnType<typeof stackEndpoints>;
  /** What a fleet process needs to use this stack (and be stopped with it: MAILFLEET_STACK_ID). */
  readonly fleetEnv: Readonly<Record<string, string>>;
  /** True when MongoDB is the stack's own stand-in (false when MONGO_URL points at a real server). */
  readonly ownsMongo: boolean;
  readonly sinkMessagesFile: string;
  signal(component: StackComponentName, signal: NodeJS.Signals): void;
  /** Starts whatever is not running (after a kill) and waits until it answers. */
  heal(): Promise<void>;
  down(): Promise<void>;
}

export async function startPrivateStack(
  repoRoot: string,
  dir: string,
  say: (m: string) => void,
): Promise<PrivateStack> {
  const env: Record<string, string> = {
    MAILFLEET_STACK_DIR: dir,
    MAILFLEET_TOOLS_DIR: path.join(repoRoot, '.stack', 'tools'),
    MAILFLEET_KAFKA_PORT: String(await freePort()),
    MAILFLEET_KAFKA_CONTROLLER_PORT: String(await freePort()),
    MAILFLEET_REGISTRY_PORT: String(await freePort()),
    MAILFLEET_MONGO_PORT: String(await freePort()),
    MAILFLEET_SMTP_PORT: String(await freePort()),
    MAILFLEET_SMTP_API_PORT: String(await freePort()),
    ...(process.env['MONGO_URL'] ? { MONGO_URL: process.env['MONGO_URL'] } : {}),
  };
  // The stack's CLI in a process of its own: its servers read their ports from the environment it gets.
  const stackCli = async (command: 'up' | 'down') => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'tools/stack/cli.ts'), command],
      { cwd: repoRoot, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
    ).catch((err: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`stack ${command} failed: ${err.stderr || err.stdout || err.message}`);
    });
    for (const line of stdout.split('\n').filter(Boolean)) say(line);
  };
  await stackCli('up');
  const endpoints = stackEndpoints(env);
  const pidOf = (c: StackComponentName) => readPid(path.join(dir, c, `${c}.pid`));
  return {
    dir,
    env,
    endpoints,
    fleetEnv: {
      ...env,
      KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
      MONGO_URL: endpoints.mongoUrl,
      MAILFLEET_STACK_ID: dir,
    },
    ownsMongo: process.env['MONGO_URL'] === undefined,
    sinkMessagesFile: path.join(dir, 'smtp', 'messages.jsonl'),
    signal(component, signal) {
      const pid = pidOf(component);
      if (pid === undefined || !isAlive(pid)) throw new Error(`${component} is not running`);
      // Every stack component leads its own process group: the signal reaches its children too.
      process.kill(-pid, signal);
    },
    heal: () => stackCli('up'),
    down: () => stackCli('down'),
  };
}
