// The fleet's dead letters as records a person can filter, read and send back: read from the `.dlq`
// topics with the headers the consumers wrote (libs/kafka dead-letter.ts).
import type { KafkaMessage } from 'kafkajs';
import { dlqTopicOf } from '@mailfleet/contracts';
import { DLQ_HEADERS, headerText } from '@mailfleet/kafka';
import type { DeadLetterView } from '@mailfleet/read-models';
import { deadLetterView } from '../../services/projector/src/domain/dead-letter-view';
import type { OpsContext } from './ops-context';
import { UsageError } from './ops-errors';
import { progressBar } from './progress';
import { readRanges, wholeTopic } from './topic-reader';

/** A dead letter as the dashboard lists it (the projector's pure mapping), plus the record itself. */
export interface DeadLetter extends Omit<DeadLetterView, '_id' | 'deadLetteredAt'> {
  /** dlqTopic:partition:offset, how the other commands name it. */
  readonly id: string;
  readonly partition: number;
  readonly offset: string;
  readonly deadLetteredAt: string;
  readonly firstFailedAt: string | null;
  readonly message: KafkaMessage;
}

export interface DeadLetterFilter {
  /** A source topic or its `.dlq` name. */
  readonly topic?: string;
  readonly errorCode?: string;
  /** ISO time: only records dead-lettered at or after it. */
  readonly since?: string;
}

export function parseDeadLetterId(id: string): { topic: string; partition: number; offset: bigint } {
  const m = /^(.+\.dlq):(\d+):(\d+)$/.exec(id);
  if (!m)
    throw new UsageError(
      `"${id}" is not a dead letter; name one as dlq-topic:partition:offset, e.g. orders.events.dlq:0:12`,
    );
  return { topic: m[1]!, partition: Number(m[2]), offset: BigInt(m[3]!) };
}

function toDeadLetter(topic: string, partition: number, message: KafkaMessage): DeadLetter {
  const headers = headerText(message.headers);
  const { _id, deadLetteredAt, ...view } = deadLetterView({
    topic,
    partition,
    offset: message.offset,
    timestamp: Number(message.timestamp),
    headers,
  });
  return {
    ...view,
    id: _id,
    partition,
    offset: message.offset,
    deadLetteredAt: new Date(deadLetteredAt).toISOString(),
    firstFailedAt: headers[DLQ_HEADERS.firstFailedAt] ?? null,
    message,
  };
}

/** The dead-letter topics a filter names (every fleet DLQ by default). */
export function deadLetterTopics(ctx: OpsContext, topic?: string): string[] {
  const all = ctx.topicList.map((t) => dlqTopicOf(t.name));
  if (topic === undefined) return all;
  const dlq = topic.endsWith('.dlq') ? topic : dlqTopicOf(topic);
  if (!all.includes(dlq))
    throw new UsageError(
      `"${topic}" is not a fleet topic; one of ${ctx.topicList.map((t) => t.name).join(', ')}`,
    );
  return [dlq];
}

export async function listDeadLetters(ctx: OpsContext, filter: DeadLetterFilter): Promise<DeadLetter[]> {
  const since = filter.since === undefined ? undefined : Date.parse(filter.since);
  if (since !== undefined && Number.isNaN(since))
    throw new UsageError(`--since "${filter.since}" is not a time; use ISO 8601, e.g. 2026-11-23T08:00:00Z`);
  const admin = await ctx.admin();
  const found: DeadLetter[] = [];
  for (const topic of deadLetterTopics(ctx, filter.topic)) {
    const ranges = await wholeTopic(admin, topic).catch(() => []);
    const bar = progressBar(`reading ${topic}`, ctx.json);
    await readRanges(
      ctx.kafka,
      admin,
      topic,
      ranges,
      ({ partition, message }) => {
        const d = toDeadLetter(topic, partition, message);
        if (filter.errorCode !== undefined && d.errorCode !== filter.errorCode) return;
        if (since !== undefined && Number(message.timestamp) < since) return;
        found.push(d);
      },
      undefined,
      bar.update,
    ).finally(bar.stop);
  }
  return found;
}

export async function readDeadLetter(ctx: OpsContext, id: string): Promise<DeadLetter> {
  const { topic, partition, offset } = parseDeadLetterId(id);
  const admin = await ctx.admin();
  const end = (await admin.fetchTopicOffsets(topic)).find((o) => o.partition === partition);
  if (!end || offset >= BigInt(end.high) || offset < BigInt(end.low))
    throw new UsageError(
      `no dead letter ${id}: ${topic} partition ${partition} holds offsets ${end?.low ?? 0} to ${end ? BigInt(end.high) - 1n : -1}`,
    );
  let found: DeadLetter | undefined;
  await readRanges(ctx.kafka, admin, topic, [{ partition, from: offset, to: offset + 1n }], ({ message }) => {
    found = toDeadLetter(topic, partition, message);
  });
  if (!found) throw new UsageError(`no dead letter ${id} (deleted by retention, or never written)`);
  return found;
}
