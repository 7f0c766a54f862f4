// Runs the fleet for a chaos run: `instances` of every service, each its own process logging to a file,
// restarted when it dies (as a container orchestrator would), and killable or pausable by name.
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '@mailfleet/testing';

export interface ServiceSpec {
  /** "translator", "relay-shop", … */
  readonly service: string;
  readonly entry: string;
  readonly env: Readonly<Record<string, string>>;
}

interface Instance {
  readonly name: string;
  readonly spec: ServiceSpec;
  readonly opsPort: number;
  child?: ChildProcess | undefined;
  /** Set while the harness holds the instance down on purpose (a kill's pause). */
  held: boolean;
  starts: number;
  crashes: number;
}

export interface FleetSupervisor {
  readonly names: readonly string[];
  /** Each instance's /healthz, /readyz and /metrics port. */
  readonly opsPorts: readonly number[];
  kill9(name: string, pauseMs: number): Promise<void>;
  signal(name: string, signal: 'SIGSTOP' | 'SIGCONT'): void;
  /** Unexpected exits (not the harness's kills), per instance. */
  crashes(): Record<string, number>;
  stop(): Promise<void>;
}

export async function superviseFleet(options: {
  repoRoot: string;
  logDir: string;
  specs: readonly ServiceSpec[];
  instances: number;
  env: Readonly<Record<string, string>>;
  restartDelayMs?: number;
}): Promise<FleetSupervisor> {
  mkdirSync(options.logDir, { recursive: true });
  const restartDelayMs = options.restartDelayMs ?? 2_000;
  let stopping = false;
  const instances: Instance[] = [];
  for (const spec of options.specs)
    for (let i = 1; i <= options.instances; i++)
      instances.push({
        name: `${spec.service}#${i}`,
        spec,
        opsPort: await freePort(),
        held: false,
        starts: 0,
        crashes: 0,
      });

  const start = (inst: Instance) => {
    const out = openSync(path.join(options.logDir, `${inst.name.replace('#', '-')}.log`), 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(options.repoRoot, inst.spec.entry)], {
      cwd: options.repoRoot,
      env: {
        ...process.env,
        ...options.env,
        ...inst.spec.env,
        OPS_PORT: String(inst.opsPort),
        LOG_FORMAT: 'json',
        RELAY_INSTANCE_ID: inst.name,
      },
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    inst.child = child;
    inst.starts++;
    child.once('exit', () => {
      if (inst.child !== child) return;
      inst.child = undefined;
      if (stopping || inst.held) return;
      inst.crashes++;
      setTimeout(() => {
        if (!stopping && !inst.held && inst.child === undefined) start(inst);
      }, restartDelayMs);
    });
  };
  instances.forEach(start);

  const find = (name: string) => {
    const inst = instances.find((i) => i.name === name);
    if (!inst) throw new Error(`no instance ${name}`);
    return inst;
  };
  const exited = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return {
    names: instances.map((i) => i.name),
    opsPorts: instances.map((i) => i.opsPort),
    async kill9(name, pauseMs) {
      const inst = find(name);
      inst.held = true;
      const child = inst.child;
      if (child) {
        // A paused process must be able to die too.
        child.kill('SIGKILL');
        await exited(child);
      }
      inst.child = undefined;
      await sleep(pauseMs);
      inst.held = false;
      if (!stopping) start(inst);
    },
    signal(name, signal) {
      find(name).child?.kill(signal);
    },
    crashes: () => Object.fromEntries(instances.map((i) => [i.name, i.crashes])),
    async stop() {
      stopping = true;
      await Promise.all(
        instances.map(async (inst) => {
          const child = inst.child;
          if (!child) return;
          child.kill('SIGCONT');
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
          await exited(child);
          clearTimeout(timer);
        }),
      );
    },
  };
}
