// A Kafka broker of its own for tests that stop and start the broker (the shared one stays untouched).
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadStackEnv } from '@mailfleet/config';
import { createContext, logFile } from './stack';
import { kafka } from './kafka';
import { launch, stopGroup } from './process-control';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

export interface PrivateBroker {
  readonly brokers: string[];
  start(): Promise<void>;
  stop(): Promise<void>;
  close(): Promise<void>;
}

export async function startPrivateBroker(): Promise<PrivateBroker> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mailfleet-broker-'));
  const env = {
    ...loadStackEnv(),
    MAILFLEET_STACK_DIR: dir,
    MAILFLEET_KAFKA_PORT: await freePort(),
    MAILFLEET_KAFKA_CONTROLLER_PORT: await freePort(),
    MAILFLEET_KAFKA_HEAP: '384m',
  };
  const ctx = createContext(path.resolve(__dirname, '..', '..'), env, () => undefined);
  let pid: number | undefined;
  const start = async () => {
    await kafka.prepare(ctx);
    const spec = kafka.launch(ctx);
    pid = launch({
      name: 'kafka',
      command: spec.command,
      args: spec.args,
      cwd: ctx.repoRoot,
      logFile: logFile(ctx, kafka),
      pidFile: path.join(dir, 'kafka.pid'),
      stackId: dir,
    });
    const deadline = Date.now() + kafka.readyTimeoutMs;
    while (!(await kafka.isReady(ctx))) {
      if (Date.now() > deadline) throw new Error(`private broker not ready; see ${logFile(ctx, kafka)}`);
      await sleep(250);
    }
  };
  const stop = async () => {
    if (pid !== undefined) await stopGroup(pid, 20_000);
    pid = undefined;
  };
  await start();
  return {
    brokers: [`127.0.0.1:${env.MAILFLEET_KAFKA_PORT}`],
    start,
    stop,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
