// `npm run stack -- up` then `down` must leave no process behind; a second, private stack on its own
// ports and folder is started here so the suite's own stack is never touched.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { processesOfStack } from './process-control';

const repoRoot = path.resolve(__dirname, '..', '..');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

let stackDir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  stackDir = mkdtempSync(path.join(os.tmpdir(), 'mailfleet-stack-'));
  env = {
    ...process.env,
    MAILFLEET_STACK_DIR: stackDir,
    MAILFLEET_TOOLS_DIR: path.join(repoRoot, '.stack', 'tools'),
    MAILFLEET_KAFKA_PORT: String(await freePort()),
    MAILFLEET_KAFKA_CONTROLLER_PORT: String(await freePort()),
    MAILFLEET_KAFKA_HEAP: '384m',
    MAILFLEET_REGISTRY_PORT: String(await freePort()),
    MAILFLEET_MONGO_PORT: String(await freePort()),
    MAILFLEET_SMTP_PORT: String(await freePort()),
    MAILFLEET_SMTP_API_PORT: String(await freePort()),
  };
});

afterAll(() => {
  stack('down');
  rmSync(stackDir, { recursive: true, force: true });
});

function stack(command: string, extraEnv: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(repoRoot, 'tools/stack/cli.ts'), command],
    {
      cwd: repoRoot,
      env: { ...env, ...extraEnv },
      encoding: 'utf8',
    },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test('up starts every component, a second up is a no-op, and down leaves no process behind', () => {
  const first = stack('up');
  // The whole result is compared so that a failure shows what the stack printed.
  expect(first).toEqual({ status: 0, output: expect.stringContaining('kafka: ready') });
  expect(processesOfStack(stackDir).length).toBeGreaterThanOrEqual(4);

  const second = stack('up');
  expect(second.status).toBe(0);
  expect(second.output).toMatch(/kafka: already running[\s\S]*smtp: already running/);
  expect(stack('status').status).toBe(0);

  const down = stack('down');
  expect(down.status).toBe(0);
  expect(processesOfStack(stackDir)).toEqual([]);
  const after = stack('status');
  expect(after.status).toBe(3);
  expect(after.output).toMatch(/kafka\s+stopped/);
});

test('a busy port is reported by name with what to do', async () => {
  const busy: Server = await new Promise((resolve) => {
    const s = createServer().listen(Number(env['MAILFLEET_MONGO_PORT']), '127.0.0.1', () => resolve(s));
  });
  try {
    const result = stack('up');
    expect(result.status).toBe(1);
    expect(result.output).toContain(`port ${env['MAILFLEET_MONGO_PORT']} on 127.0.0.1 is in use`);
    expect(result.output).toContain('MAILFLEET_*_PORT');
    // Nothing was started: the ports are checked before the first component starts.
    expect(processesOfStack(stackDir)).toEqual([]);
  } finally {
    busy.close();
    stack('down');
  }
  expect(processesOfStack(stackDir)).toEqual([]);
});

test('a missing java is reported with what to install', () => {
  const result = stack('up', { PATH: path.join(stackDir, 'empty-path') });
  expect(result.status).toBe(1);
  expect(result.output).toContain('java not found');
});

test('an invalid port setting is reported with the variable and its value', () => {
  const result = stack('status', { MAILFLEET_KAFKA_PORT: 'ninety' });
  expect(result.status).toBe(1);
  expect(result.output).toContain('MAILFLEET_KAFKA_PORT');
  expect(result.output).toContain('"ninety"');
});
