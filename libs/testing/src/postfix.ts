// A real MTA for tests: Debian's Postfix as a private instance (its own configuration, queue and port,
// in a temporary folder), relaying one domain to a port of ours. Mail it cannot deliver locally comes back
// as a genuine RFC 3464 report, written by Postfix, not by us. Needs the postfix package and root (CI and
// the developers' machines have both; tools/install-test-tools.sh installs the package).
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from './helpers';

export interface PostfixInstance {
  /** Postfix's SMTP port on 127.0.0.1: mail for unknown users @`localDomain` bounces. */
  readonly port: number;
  readonly localDomain: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

function run(command: string, args: string[]): void {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0)
    throw new Error(
      `${command} ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}` +
        (r.error ? ' (is the postfix package installed? tools/install-test-tools.sh installs it)' : ''),
    );
}

export async function startPostfix(options: {
  relayDomain: string;
  relayPort: number;
}): Promise<PostfixInstance> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mailfleet-postfix-'));
  // Postfix's daemons run as the postfix user: they must be able to reach their folders.
  chmodSync(dir, 0o755);
  const conf = path.join(dir, 'conf');
  for (const d of ['conf', 'spool', 'data']) mkdirSync(path.join(dir, d));
  const port = await freePort();
  const localDomain = 'mta.test';
  copyFileSync('/etc/postfix/master.cf', path.join(conf, 'master.cf'));
  writeFileSync(
    path.join(conf, 'main.cf'),
    [
      'compatibility_level = 3.6',
      `queue_directory = ${path.join(dir, 'spool')}`,
      `data_directory = ${path.join(dir, 'data')}`,
      `myhostname = ${localDomain}`,
      `mydomain = ${localDomain}`,
      `myorigin = ${localDomain}`,
      `mydestination = ${localDomain}`,
      'inet_interfaces = loopback-only',
      'inet_protocols = ipv4',
      'mynetworks = 127.0.0.0/8',
      // Accept any local recipient at RCPT, so an unknown user is bounced by a report, not refused.
      'local_recipient_maps =',
      'alias_maps =',
      'alias_database =',
      `transport_maps = inline:{ ${options.relayDomain}=smtp:[127.0.0.1]:${options.relayPort} }`,
      'smtp_dns_support_level = disabled',
      'maillog_file = /dev/stdout',
      'smtpd_banner = $myhostname ESMTP',
      '',
    ].join('\n'),
  );
  // Its own SMTP port instead of 25; no chroot (the temporary queue has none of the files one needs).
  run('postconf', ['-c', conf, '-M', `127.0.0.1:${port}/inet=127.0.0.1:${port} inet n - n - - smtpd`]);
  run('postconf', ['-c', conf, '-MX', 'smtp/inet']);
  run('postconf', ['-c', conf, '-F', '*/*/chroot = n']);
  run('chown', ['postfix', path.join(dir, 'data')]);
  run('postfix', ['-c', conf, 'set-permissions']);
  const logFile = path.join(dir, 'postfix.log');
  const out = openSync(logFile, 'a');
  const master = spawn('postfix', ['-c', conf, 'start-fg'], { stdio: ['ignore', out, out] });
  closeSync(out);
  const exited = new Promise<void>((resolve) => master.once('exit', () => resolve()));
  await waitFor(
    `postfix listening on ${port} (log: ${logFile})`,
    () =>
      new Promise<true | undefined>((resolve) => {
        const socket = createConnection({ host: '127.0.0.1', port }, () => {
          socket.end();
          resolve(true);
        });
        socket.on('error', () => resolve(undefined));
      }),
    30_000,
  );
  return {
    port,
    localDomain,
    logFile,
    async stop() {
      spawnSync('postfix', ['-c', conf, 'stop'], { encoding: 'utf8' });
      master.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
