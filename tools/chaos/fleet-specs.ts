// The fleet as the harness and the pipeline benchmark run it: every service once per instance, an outbox
// relay for each of the three outboxes (the example shop's, the translator's, the sender's), each in its
// own database.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceSpec } from './fleet-supervisor';

export interface FleetDatabases {
  readonly shop: string;
  readonly translator: string;
  readonly sender: string;
  readonly projections: string;
}

export function fleetSpecs(
  dbs: FleetDatabases,
  smtp: { readonly host: string; readonly port: number },
  senderEnv: Readonly<Record<string, string>> = {},
  translatorEnv: Readonly<Record<string, string>> = {},
): ServiceSpec[] {
  const relay = 'services/outbox-relay/src/main.ts';
  return [
    { service: 'relay-shop', entry: relay, env: { MONGO_DB: dbs.shop } },
    {
      service: 'translator',
      entry: 'services/translator/src/main.ts',
      env: { MONGO_DB: dbs.translator, ...translatorEnv },
    },
    { service: 'relay-translator', entry: relay, env: { MONGO_DB: dbs.translator } },
    {
      service: 'sender',
      entry: 'services/sender/src/main.ts',
      env: { MONGO_DB: dbs.sender, SMTP_HOST: smtp.host, SMTP_PORT: String(smtp.port), ...senderEnv },
    },
    { service: 'relay-sender', entry: relay, env: { MONGO_DB: dbs.sender } },
    {
      service: 'projector',
      entry: 'services/projector/src/main.ts',
      env: {
        MONGO_DB: dbs.projections,
        PROJECTOR_OUTBOX_DBS: [dbs.shop, dbs.translator, dbs.sender].join(','),
      },
    },
  ];
}

/** Waits until every process answers /readyz. */
export async function waitFleetReady(opsPorts: readonly number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const port of opsPorts) {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) })
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) break;
      if (Date.now() > deadline)
        throw new Error(`a fleet process (ops port ${port}) was not ready in ${timeoutMs / 1000} s`);
      await sleep(500);
    }
  }
}
