// A sink of a test's own, for faults that hit every connection (421 at the greeting, 535 at AUTH): armed
// on the shared sink they would fail the other tests running beside it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from './helpers';
import { startServiceProcess } from './service-process';
import { sinkClient, type SinkClient } from './smtp-sink-client';

export interface PrivateSink extends SinkClient {
  readonly smtpPort: number;
  stop(): Promise<void>;
}

export async function startPrivateSink(): Promise<PrivateSink> {
  const smtpPort = await freePort();
  const apiPort = await freePort();
  const process = startServiceProcess('smtp-sink', 'dev/smtp-sink/main.ts', {
    MAILFLEET_SMTP_PORT: String(smtpPort),
    MAILFLEET_SMTP_API_PORT: String(apiPort),
    MAILFLEET_STACK_DIR: mkdtempSync(path.join(tmpdir(), 'mailfleet-sink-')),
  });
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await waitFor(
    'the private smtp sink',
    async () => ((await fetch(`${apiUrl}/healthz`)).ok ? true : undefined),
    30_000,
  );
  return {
    smtpPort,
    ...sinkClient(apiUrl),
    stop: async () => {
      await process.stop();
    },
  };
}
