// Carries out one planned fault against the private stack, the fleet or the input topics, and says what
// it did. Every fault ends by itself (a paused process is continued, a stopped server restarted).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Producer } from 'kafkajs';
import type { ShopFixture } from '@mailfleet/example-orders';
import type { SinkClient } from '@mailfleet/testing';
import type { PlannedFault, PoisonKind, SmtpFault } from './fault-plan';
import type { FleetSupervisor } from './fleet-supervisor';
import type { PrivateStack } from './private-stack';

export interface FaultRecord {
  readonly kind: PlannedFault['kind'];
  readonly detail: string;
  readonly startedAt: number;
  readonly endedAt: number;
  /** `skipped`: not possible here (stopping a MongoDB the harness does not own); `failed`: the fault's own check failed. */
  readonly outcome: 'injected' | 'skipped' | 'failed';
}

export interface InjectorDeps {
  readonly stack: PrivateStack;
  readonly fleet: FleetSupervisor;
  readonly sink: SinkClient;
  readonly producer: Producer;
  readonly shop: ShopFixture;
  readonly topics: { readonly orders: string; readonly customers: string };
  /** Dead letters the run expects, as `topic|key|group`. */
  readonly poisoned: string[];
  readonly groups: { readonly orders: readonly string[]; readonly customers: readonly string[] };
}

/** Tries `action` again while it fails with a transient error, for up to five minutes. */
async function until<T>(
  action: () => Promise<T>,
  transient: (e: unknown) => boolean = () => true,
): Promise<T> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      return await action();
    } catch (err) {
      if (!transient(err) || Date.now() > deadline) throw err;
      await sleep(1_000);
    }
  }
}

/** The sink rule for each SMTP behaviour; every one is transient, so no mail may be lost to it. */
function sinkRule(fault: SmtpFault, durationMs: number) {
  switch (fault) {
    case 'slow':
      return { kind: 'slow' as const, delayMs: 5_000, durationMs };
    case '4xx-burst':
      return {
        kind: 'reply' as const,
        stage: 'rcpt' as const,
        code: 451,
        enhanced: '4.7.1',
        text: 'greylisted, try again later',
        durationMs,
      };
    case '421-refuse':
      return {
        kind: 'reply' as const,
        stage: 'connect' as const,
        code: 421,
        enhanced: '4.3.2',
        text: 'service not available',
        durationMs,
      };
    case 'drop-after-dot':
      return { kind: 'drop-after-dot' as const, times: 1 };
    case '535-auth':
      return {
        kind: 'reply' as const,
        stage: 'auth' as const,
        code: 535,
        enhanced: '5.7.8',
        text: 'authentication credentials invalid',
        durationMs,
      };
    default: {
      const unreachable: never = fault;
      throw new Error(`unknown SMTP fault ${String(unreachable)}`);
    }
  }
}

function poisonValue(kind: PoisonKind, valid: Buffer): Buffer {
  if (kind === 'undecodable') return Buffer.from('\u007fnot avro at all \u0000\u00ff', 'latin1');
  if (kind === 'unknown-schema-id') {
    const value = Buffer.from(valid);
    value.writeInt32BE(987_654_321, 1);
    return value;
  }
  return valid;
}

export async function inject(fault: PlannedFault, deps: InjectorDeps, runId: string): Promise<FaultRecord> {
  const startedAt = Date.now();
  const done = (detail: string, outcome: FaultRecord['outcome'] = 'injected'): FaultRecord => ({
    kind: fault.kind,
    detail,
    startedAt,
    endedAt: Date.now(),
    outcome,
  });
  switch (fault.kind) {
    case 'kill':
      await deps.fleet.kill9(fault.target, fault.pauseMs);
      return done(`kill -9 ${fault.target}, restarted after ${fault.pauseMs} ms`);
    case 'pause':
      deps.fleet.signal(fault.target, 'SIGSTOP');
      await sleep(fault.durationMs);
      deps.fleet.signal(fault.target, 'SIGCONT');
      return done(`SIGSTOP ${fault.target} for ${fault.durationMs} ms`);
    case 'broker':
      deps.stack.signal('kafka', 'SIGKILL');
      await sleep(fault.durationMs);
      await deps.stack.heal();
      return done(`kill -9 the Kafka broker, restarted after ${fault.durationMs} ms`);
    case 'mongo':
      if (!deps.stack.ownsMongo)
        return done("MongoDB is not the harness's own (MONGO_URL): not stopped", 'skipped');
      deps.stack.signal('mongo', 'SIGSTOP');
      await sleep(fault.durationMs);
      deps.stack.signal('mongo', 'SIGCONT');
      return done(`SIGSTOP MongoDB for ${fault.durationMs} ms`);
    case 'registry':
      deps.stack.signal('registry', 'SIGKILL');
      await sleep(fault.durationMs);
      await deps.stack.heal();
      return done(`schema registry down for ${fault.durationMs} ms`);
    case 'smtp':
      await deps.sink.arm(sinkRule(fault.fault, fault.durationMs));
      // The fault lasts its duration (the sink ends it); recovery is measured from its end.
      if (fault.fault !== 'drop-after-dot') await sleep(fault.durationMs);
      return done(
        `SMTP ${fault.fault}${fault.fault === 'drop-after-dot' ? '' : ` for ${fault.durationMs} ms`}`,
      );
    case 'poison': {
      const topic = deps.topics[fault.topic];
      const key = `${runId}-poison-${fault.poison}-${fault.topic}-${deps.poisoned.length}`;
      // A valid value of the topic, so that only the one thing named by the poison kind is wrong.
      const valid =
        fault.topic === 'orders'
          ? await deps.shop.codec.encode(topic, 'OrderCancelled', {
              orderId: key,
              customerId: key,
              reason: 'poison',
              cancelledAt: Date.now(),
            })
          : await deps.shop.codec.encode(topic, 'CustomerEmailChanged', {
              customerId: key,
              email: `${key}@example.test`,
              changedAt: Date.now(),
            });
      const headers =
        fault.poison === 'missing-headers'
          ? {}
          : {
              'event-id': `poison-${key}`,
              'event-type': fault.topic === 'orders' ? 'OrderCancelled' : 'CustomerEmailChanged',
              'correlation-id': `poison-${key}`,
              'causation-id': `poison-${key}`,
              'occurred-at': new Date().toISOString(),
              producer: 'chaos-harness',
            };
      // The broker may be down at this moment (another fault); an upstream producer would keep trying too.
      await until(() =>
        deps.producer.send({ topic, messages: [{ key, value: poisonValue(fault.poison, valid), headers }] }),
      );
      for (const group of deps.groups[fault.topic]) deps.poisoned.push(`${topic}|${key}|${group}`);
      return done(`${fault.poison} record ${key} on ${topic}`);
    }
    case 'oversized': {
      const orderId = `${runId}-oversized`;
      const err = await until(
        () =>
          deps.shop.shop.placeOrder({
            orderId,
            customerId: `${runId}-c0`,
            lines: [{ sku: 'HUGE', name: 'x'.repeat(2_000_000), unitPriceMinor: 1, quantity: 1 }],
            currency: 'EUR',
            subtotalMinor: 1,
            shippingMinor: 0,
            taxMinor: 0,
            totalMinor: 1,
          }),
        // MongoDB may be stopped at this moment: only its refusal of the record counts as an answer.
        (e) => e instanceof Error && e.name.startsWith('Mongo'),
      ).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      if (err?.name !== 'OutboxRecordTooLargeError')
        throw new Error(
          `the oversized command was not refused at write: ${err ? err.message : 'it committed'}`,
        );
      return done(`oversized OrderPlaced refused at write: ${err.message}`);
    }
    default: {
      const unreachable: never = fault;
      throw new Error(`unknown fault ${JSON.stringify(unreachable)}`);
    }
  }
}
