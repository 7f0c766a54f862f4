// The Kafka side of a service's start: one kafkajs client with the configured TLS/SASL, the admin and
// the codec, each closed on shutdown in reverse order of opening.
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Admin, Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import { kafkaSecurity, type BaseServiceEnv } from '@mailfleet/config';
import { EventCodec, type TopicDefinition } from '@mailfleet/contracts';
import { createKafka } from '@mailfleet/kafka';
import { Outbox, collectionsFor, ensureOutboxIndexes } from '@mailfleet/outbox';
import { retryUntil } from '@mailfleet/retry';
import type { ServiceBoot } from './boot-service';

/** Waiting for the schema registry at start: 500 ms·2^n with jitter, at most 15 s apart. */
const REGISTRY_BACKOFF = { initialMs: 500, maxMs: 15_000, jitter: 'equal' } as const;

/**
 * True when the registry did not answer (refused, reset, timed out, unknown host) or answered 5xx; false
 * for its own refusals (409 incompatible, 422 invalid), which no retry changes. The registry client
 * reports a network error as a "status 400" ResponseError whose message names the cause.
 */
export function registryUnreachable(err: unknown): boolean {
  const e = err as { status?: unknown; message?: unknown; code?: unknown };
  const text = `${String(e?.message ?? '')} ${String(e?.code ?? '')}`;
  if (/ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|socket hang up/i.test(text))
    return true;
  return typeof e?.status === 'number' && e.status >= 500;
}

/** How long published outbox records stay for inspection before the TTL index removes them. */
const OUTBOX_RETENTION_SECONDS = 7 * 24 * 3600;

export interface KafkaClients {
  readonly kafka: Kafka;
  /** A connected admin, disconnected on shutdown. */
  admin(): Promise<Admin>;
  /**
   * The codec for `topics`, its schemas registered (the registry must answer); a reader that only
   * decodes, like the projector, registers nothing (`register: false`).
   */
  codec(topics: readonly TopicDefinition[], how?: { register: boolean }): Promise<EventCodec>;
}

export function kafkaClients<C extends BaseServiceEnv>(boot: ServiceBoot<C>): KafkaClients {
  const { config, logger } = boot;
  const kafka = createKafka(
    {
      brokers: config.KAFKA_BROKERS,
      clientId: config.KAFKA_CLIENT_ID ?? boot.service,
      ...kafkaSecurity(config),
    },
    logger,
  );
  return {
    kafka,
    async admin() {
      const admin = kafka.admin();
      await admin.connect();
      boot.onShutdown(() => admin.disconnect());
      return admin;
    },
    async codec(topics, how = { register: true }) {
      const codec = new EventCodec(new SchemaRegistry({ host: config.SCHEMA_REGISTRY_URL }), [...topics]);
      if (!how.register) return codec;
      // A registry that is down or restarting while this service starts (a restart during an outage)
      // is waited for, not a crash loop; a refusal (an incompatible schema) still ends the start at once.
      await retryUntil(() => codec.register(), {
        backoff: REGISTRY_BACKOFF,
        signal: boot.signal,
        retryable: registryUnreachable,
        onRetry: (err, retryInMs) =>
          logger.warn({ err, retryInMs }, 'schema registry not reachable at start; retrying'),
      });
      return codec;
    },
  };
}

/** The service's own outbox in `db`, its collections and indexes in place before the first transaction. */
export async function serviceOutbox(db: Db, codec: EventCodec): Promise<Outbox> {
  await ensureOutboxIndexes(db, collectionsFor(), OUTBOX_RETENTION_SECONDS);
  return new Outbox(db, codec);
}
