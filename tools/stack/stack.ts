// up / down / status for the whole local stack: idempotent, readiness-checked, nothing left behind.
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { StackEnv } from '@mailfleet/config';
import { provisionContracts } from '../contracts/provision';
import type { Component, StackContext } from './component';
import { schemaRegistry, smtpSink } from './dev-servers';
import { kafka } from './kafka';
import { mongo } from './mongo';
import {
  isAlive,
  launch,
  portIsFree,
  processesOfStack,
  readPid,
  removeFile,
  stopGroup,
  tailOf,
} from './process-control';

/** Start order; `down` goes in reverse. */
export const COMPONENTS: readonly Component[] = [kafka, mongo, schemaRegistry, smtpSink];

export class StackError extends Error {
  override name = 'StackError';
}

export function createContext(repoRoot: string, env: StackEnv, say: (m: string) => void): StackContext {
  const stackDir = path.resolve(repoRoot, env.MAILFLEET_STACK_DIR);
  return {
    repoRoot,
    stackDir,
    env,
    say,
    dir(component) {
      const dir = path.join(stackDir, component);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
  };
}

const pidFile = (ctx: StackContext, c: Component) => path.join(ctx.dir(c.name), `${c.name}.pid`);
export const logFile = (ctx: StackContext, c: Component) => path.join(ctx.dir(c.name), `${c.name}.log`);

async function waitReady(ctx: StackContext, c: Component, pid: number): Promise<void> {
  const deadline = Date.now() + c.readyTimeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      throw new StackError(
        `${c.name} exited during start-up. Last lines of ${logFile(ctx, c)}:\n${tailOf(logFile(ctx, c), 20)}`,
      );
    }
    if (await c.isReady(ctx)) return;
    await sleep(250);
  }
  await stopGroup(pid, 5_000);
  throw new StackError(
    `${c.name} was not ready after ${c.readyTimeoutMs / 1000}s. Last lines of ${logFile(ctx, c)}:\n${tailOf(logFile(ctx, c), 20)}`,
  );
}

function runningPid(ctx: StackContext, c: Component): number | undefined {
  const pid = readPid(pidFile(ctx, c));
  return pid !== undefined && isAlive(pid) ? pid : undefined;
}

/** Every port a component that is not running yet will need must be free before anything starts. */
async function checkPorts(ctx: StackContext): Promise<void> {
  const busy: string[] = [];
  for (const c of COMPONENTS) {
    if (runningPid(ctx, c) !== undefined) continue;
    for (const port of c.ports(ctx)) {
      if (!(await portIsFree(port)))
        busy.push(`${c.name}: port ${port} on 127.0.0.1 is in use by another process`);
    }
  }
  if (busy.length > 0) {
    throw new StackError(
      `${busy.join('\n')}\nStop what holds it, or move the stack with the MAILFLEET_*_PORT variables (see README, Configuration).`,
    );
  }
}

async function upOne(ctx: StackContext, c: Component): Promise<void> {
  const running = runningPid(ctx, c);
  if (running !== undefined) {
    await waitReady(ctx, c, running);
    ctx.say(`${c.name}: already running (pid ${running})`);
    return;
  }
  removeFile(pidFile(ctx, c));
  await c.prepare(ctx);
  const spec = c.launch(ctx);
  const started = launch({
    name: c.name,
    command: spec.command,
    args: spec.args,
    env: spec.env ?? {},
    cwd: ctx.repoRoot,
    logFile: logFile(ctx, c),
    pidFile: pidFile(ctx, c),
    stackId: ctx.stackDir,
  });
  const t0 = Date.now();
  await waitReady(ctx, c, started);
  ctx.say(
    `${c.name}: ready in ${((Date.now() - t0) / 1000).toFixed(1)}s (pid ${started}) — ${c.description}`,
  );
}

/** Starts every component that is not running yet and waits until each one answers. */
export async function up(ctx: StackContext): Promise<void> {
  await checkPorts(ctx);
  for (const c of COMPONENTS) await upOne(ctx, c);
  const changes = await provisionContracts({
    brokers: [`127.0.0.1:${ctx.env.MAILFLEET_KAFKA_PORT}`],
    registryUrl: `http://127.0.0.1:${ctx.env.MAILFLEET_REGISTRY_PORT}`,
    profile: 'local',
  });
  const created = changes.filter((c) => c.change !== 'unchanged').length;
  ctx.say(`topics: ${created === 0 ? 'up to date' : `${created} created or updated`}; schemas registered`);
}

/** Stops every component and anything else still carrying this stack's id. */
export async function down(ctx: StackContext): Promise<void> {
  for (const c of [...COMPONENTS].reverse()) {
    const pid = readPid(pidFile(ctx, c));
    if (pid === undefined) continue;
    const outcome = await stopGroup(pid, c.name === 'kafka' ? 30_000 : 10_000);
    removeFile(pidFile(ctx, c));
    if (outcome !== 'not-running') ctx.say(`${c.name}: ${outcome}`);
  }
  // Belt and braces: a process that left its group still carries the stack id in its environment.
  for (const stray of processesOfStack(ctx.stackDir)) {
    if (stray === process.pid) continue;
    await stopGroup(stray, 5_000);
    ctx.say(`stopped stray process ${stray}`);
  }
}

export interface ComponentStatus {
  readonly name: string;
  readonly state: 'running' | 'starting' | 'stopped';
  readonly pid: number | undefined;
  readonly ports: readonly number[];
}

export async function status(ctx: StackContext): Promise<ComponentStatus[]> {
  const rows: ComponentStatus[] = [];
  for (const c of COMPONENTS) {
    const pid = readPid(pidFile(ctx, c));
    const alive = pid !== undefined && isAlive(pid);
    const state = !alive ? 'stopped' : (await c.isReady(ctx)) ? 'running' : 'starting';
    rows.push({ name: c.name, state, pid: alive ? pid : undefined, ports: c.ports(ctx) });
  }
  return rows;
}

export function logFiles(ctx: StackContext): { name: string; file: string }[] {
  return COMPONENTS.map((c) => ({ name: c.name, file: logFile(ctx, c) })).filter(({ file }) =>
    existsSync(file),
  );
}
