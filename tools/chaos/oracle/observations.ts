// What the oracle reads: the committed facts from the shop's own database, the messages the SMTP server
// accepted, and the fleet's reports on Kafka. Decoding goes straight through the registry client (not the
// fleet's codec), so a codec bug cannot agree with itself.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import type { Db } from 'mongodb';
import { unpublishedCount } from '@mailfleet/outbox';
import type { CommittedFact } from './expected-mails';
import type { DeadLetter, DeliveredMail, DigestInfo } from './verdict';

const header = (m: KafkaMessage, name: string): string | undefined => {
  const v = m.headers?.[name];
  return v === undefined ? undefined : String(Array.isArray(v) ? v[0] : v);
};

/** Every fact the shop committed: its outbox records (a rolled-back command left none). */
export async function committedFacts(shopDb: Db, registryUrl: string): Promise<CommittedFact[]> {
  const registry = new SchemaRegistry({ host: registryUrl });
  const records = await shopDb
    .collection<{
      _id: string;
      key: string;
      eventType: string;
      seq: number;
      headers: Record<string, string>;
      value: { buffer: Uint8Array };
      publishedAt: Date | null;
    }>('outbox')
    .find({})
    .toArray();
  const facts: CommittedFact[] = [];
  for (const r of records) {
    const payload = (await registry.decode(Buffer.from(r.value.buffer))) as Record<string, unknown>;
    facts.push({
      type: r.eventType,
      key: r.key,
      seq: r.seq,
      at: Date.parse(r.headers['occurred-at'] ?? ''),
      payload,
      publishedAt: r.publishedAt ? r.publishedAt.getTime() : Number.POSITIVE_INFINITY,
    });
  }
  return facts;
}

const parseStored = (line: string): DeliveredMail => {
  const m = JSON.parse(line) as {
    messageId?: string;
    receivedAt: string;
    envelope: { rcptTo: string[] };
    headers: Record<string, string>;
  };
  return {
    mailId: m.headers['x-mailfleet-mail-id'] ?? `(no mail id) ${m.messageId ?? ''}`,
    messageId: m.messageId,
    recipients: m.envelope.rcptTo,
    receivedAt: Date.parse(m.receivedAt),
  };
};

/**
 * The messages the sink accepted, from its JSON-lines store (no load on the sink while it works), read
 * incrementally: each call parses only what was appended since the last one.
 */
export function sinkTail(messagesFile: string): { read(): readonly DeliveredMail[] } {
  const delivered: DeliveredMail[] = [];
  let offset = 0;
  let partial = '';
  return {
    read() {
      if (!existsSync(messagesFile)) return delivered;
      const size = statSync(messagesFile).size;
      if (size > offset) {
        const fd = openSync(messagesFile, 'r');
        try {
          const chunk = Buffer.alloc(size - offset);
          readSync(fd, chunk, 0, chunk.length, offset);
          offset = size;
          const lines = (partial + chunk.toString('utf8')).split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) if (line.trim() !== '') delivered.push(parseStored(line));
        } finally {
          closeSync(fd);
        }
      }
      return delivered;
    },
  };
}

/** Reads topics from the beginning up to their end offsets as of the call. */
export async function readTopicsToEnd(
  brokers: readonly string[],
  topics: readonly string[],
  onMessage: (topic: string, message: KafkaMessage) => Promise<void> | void,
): Promise<void> {
  const kafka = new Kafka({ brokers: [...brokers], clientId: 'chaos-oracle', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const remaining = new Map<string, bigint>();
  const existing = new Set(await admin.listTopics());
  const present = topics.filter((t) => existing.has(t));
  for (const topic of present)
    for (const o of await admin.fetchTopicOffsets(topic))
      if (BigInt(o.high) > BigInt(o.low)) remaining.set(`${topic}:${o.partition}`, BigInt(o.high));
  await admin.disconnect();
  if (remaining.size === 0) return;
  const consumer = kafka.consumer({ groupId: `chaos-oracle-${process.pid}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: present, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ topic, partition, message }) => {
          const id = `${topic}:${partition}`;
          const end = remaining.get(id);
          if (end === undefined) return;
          await onMessage(topic, message);
          if (BigInt(message.offset) + 1n >= end) {
            remaining.delete(id);
            if (remaining.size === 0) resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
}

/** Mails the sender reported as ambiguous, and mails it gave up on, from mail.events. */
export async function senderReports(brokers: readonly string[], registryUrl: string, topic: string) {
  const registry = new SchemaRegistry({ host: registryUrl });
  const ambiguous = new Set<string>();
  const dead = new Set<string>();
  await readTopicsToEnd(brokers, [topic], async (_t, m) => {
    const type = header(m, 'event-type');
    if (type !== 'MailSendFailed' && type !== 'MailDeadLettered') return;
    const payload = (await registry.decode(m.value!)) as { mailId: string; errorClass?: string };
    if (type === 'MailDeadLettered') dead.add(payload.mailId);
    else if (payload.errorClass === 'ambiguous') ambiguous.add(payload.mailId);
  });
  return { ambiguous, dead };
}

/** The digests the translator requested, from mail.requested (a record published twice counts once). */
export async function digestsRequested(
  brokers: readonly string[],
  registryUrl: string,
  topic: string,
): Promise<Map<string, DigestInfo>> {
  const registry = new SchemaRegistry({ host: registryUrl });
  const digests = new Map<string, DigestInfo>();
  await readTopicsToEnd(brokers, [topic], async (_t, m) => {
    if (header(m, 'event-type') !== 'MailRequested') return;
    const p = (await registry.decode(m.value!)) as {
      mailId: string;
      recipient: { customerId: string };
      digest: { windowStart: number | Date; windowEnd: number | Date; members: string[] } | null;
    };
    if (p.digest)
      digests.set(p.mailId, {
        customerId: p.recipient.customerId,
        windowStart: Number(p.digest.windowStart),
        windowEnd: Number(p.digest.windowEnd),
        members: p.digest.members,
      });
  });
  return digests;
}

/** Every dead letter on the given DLQ topics, by source topic, key and consumer group. */
export async function deadLetters(
  brokers: readonly string[],
  dlqTopics: readonly string[],
): Promise<DeadLetter[]> {
  const found: DeadLetter[] = [];
  await readTopicsToEnd(brokers, dlqTopics, (_t, m) => {
    found.push({
      topic: header(m, 'dlq-source-topic') ?? '?',
      key: m.key?.toString('utf8') ?? '',
      group: header(m, 'dlq-consumer-group') ?? '?',
    });
  });
  return found;
}

/** Outbox records not published yet or refused by Kafka (quarantined). */
export async function outboxLeft(db: Db): Promise<number> {
  return (
    (await unpublishedCount(db)) +
    (await db.collection('outbox').countDocuments({ quarantined: { $exists: true } }))
  );
}
