// npm start: the local stack (started if it is not running) and the whole fleet, every service its own
// process with prefixed, readable logs, restarted when it crashes. Ctrl-C stops the fleet (the stack
// keeps running; `npm run stack -- down` stops it).
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import concurrently from 'concurrently';
import { loadStackEnv } from '@mailfleet/config';
import { dashboardAccess, feedbackAccess } from './fleet-secrets';
import { fleetProcesses } from './fleet-processes';
import { prepareMailpit } from './mailpit';

const repoRoot = path.resolve(__dirname, '..', '..');

async function waitForDashboard(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(`http://127.0.0.1:${port}/`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return true;
    await sleep(500);
  }
  return false;
}

async function main(): Promise<void> {
  const stack = spawnSync('npm', ['run', '-s', 'stack', '--', 'up'], { cwd: repoRoot, stdio: 'inherit' });
  if (stack.status !== 0) {
    console.error('start: the local stack did not come up (see above); nothing else was started.');
    process.exit(stack.status ?? 1);
  }
  const access = dashboardAccess(repoRoot);
  const feedback = feedbackAccess(repoRoot);
  const stackEnv = loadStackEnv();
  const opsPortBase = stackEnv.MAILFLEET_OPS_PORT_BASE;
  const mailpit = prepareMailpit(repoRoot);
  mkdirSync(path.resolve(repoRoot, stackEnv.MAILFLEET_STACK_DIR, 'mailpit'), { recursive: true });
  const processes = fleetProcesses({
    dashboardPort: access.port,
    dashboardToken: access.token,
    feedbackPort: feedback.port,
    feedbackKey: feedback.key,
    unsubscribeKeys: feedback.unsubscribeKeys,
    unsubscribeUrl: feedback.unsubscribeUrl,
    opsPortBase,
    smtpPort: mailpit.smtpPort,
  });
  const { result } = concurrently(
    [
      { name: 'mailpit', command: mailpit.command },
      ...processes.map((p) => ({
        name: p.name,
        command: `node --import tsx ${p.entry}`,
        env: p.env,
      })),
    ],
    {
      cwd: repoRoot,
      prefix: '{name}',
      padPrefix: true,
      prefixColors: ['gray', 'blue', 'magenta', 'cyan', 'green', 'yellow', 'red', 'white'],
      // A crashed service comes back after 2 s, for ever: the fleet is built to resume where it stopped.
      restartTries: -1,
      restartDelay: 2_000,
      killOthersOn: [],
      handleInput: false,
    },
  );
  const ready = await waitForDashboard(access.port, 60_000);
  console.log(
    [
      '',
      ready ? 'mailfleet is running.' : 'mailfleet is starting (the dashboard is not answering yet).',
      `  dashboard:  ${access.url}`,
      `  mail:       ${mailpit.uiUrl}   (Mailpit: every mail the fleet sends)`,
      `  webhooks:   ${feedback.url}   (signing key: ${feedback.keySource}; docs/feedback-webhooks.md)`,
      `  ops:        http://127.0.0.1:${opsPortBase}..${opsPortBase + processes.length - 1}/metrics (one port per process)`,
      '  load:       npm run demo   (in another terminal)',
      '  stop:       Ctrl-C (the stack keeps running; npm run stack -- down stops it)',
      '',
    ].join('\n'),
  );
  await result.catch(() => undefined);
}

main().catch((err: unknown) => {
  console.error('start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
