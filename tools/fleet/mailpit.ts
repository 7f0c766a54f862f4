// Mailpit under `npm start`: a real SMTP server with a web UI, so a person sees the fleet's mail as mail.
// Built once from its Go module (tools/install-mailpit.sh); its messages are kept in the stack folder.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { loadStackEnv } from '@mailfleet/config';

export interface MailpitProcess {
  readonly command: string;
  readonly smtpPort: number;
  readonly uiUrl: string;
}

/** Installs Mailpit if needed (a clear message while it builds) and says how to run it. */
export function prepareMailpit(repoRoot: string): MailpitProcess {
  const stack = loadStackEnv();
  const tools = path.resolve(repoRoot, stack.MAILFLEET_TOOLS_DIR);
  const built = spawnSync('bash', ['tools/install-mailpit.sh'], {
    cwd: repoRoot,
    env: { ...process.env, MAILFLEET_TOOLS_DIR: tools },
    stdio: 'inherit',
  });
  if (built.status !== 0) throw new Error('Mailpit could not be built (see above); tools/install-mailpit.sh');
  const database = path.resolve(repoRoot, stack.MAILFLEET_STACK_DIR, 'mailpit', 'mailpit.db');
  const smtpPort = stack.MAILFLEET_MAILPIT_SMTP_PORT;
  const uiPort = stack.MAILFLEET_MAILPIT_UI_PORT;
  return {
    command: [
      path.join(tools, 'mailpit', 'mailpit'),
      `--smtp 127.0.0.1:${smtpPort}`,
      `--listen 127.0.0.1:${uiPort}`,
      `--database ${database}`,
      '--disable-version-check',
      '--quiet',
    ].join(' '),
    smtpPort,
    uiUrl: `http://127.0.0.1:${uiPort}/`,
  };
}

/** Mailpit's web UI address, for the demo to print. */
export function mailpitUiUrl(): string {
  return `http://127.0.0.1:${loadStackEnv().MAILFLEET_MAILPIT_UI_PORT}/`;
}
