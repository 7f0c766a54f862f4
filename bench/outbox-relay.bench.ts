// npm run bench -- outbox
// 1. Throughput: the relay publishing N committed outbox records, versus a raw floor in the same run:
//    the same records read from MongoDB and sent by a raw kafkajs producer (same keys, values, headers,
//    batch size). Three runs, the median ratio.
// 2. Latency: commit-to-consumer time at a fixed offered rate, through the example order service.
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import { ORDERS_EVENTS, CUSTOMERS_EVENTS, type TopicDefinition } from '@mailfleet/contracts';
import { createShopFixture, seeded, type ShopFixture } from '@mailfleet/example-orders';
import { createLogger } from '@mailfleet/logger';
import { OutboxRelay, type OutboxRecord } from '@mailfleet/outbox';
import {
  SAMPLE_EVENTS,
  collectTopic,
  createTestTopics,
  kafkaBrokers,
  mongoUrl,
  schemaRegistryUrl,
  testTopics,
  uniqueName,
  waitFor,
} from '@mailfleet/testing';
import { describeMachine, describeServers, median, percentile } from './machine';
import { writeSection } from './results-file';

const RECORDS = Number(process.env['BENCH_RECORDS'] ?? 3000);
const BATCH = 500;
const LATENCY_RATE = Number(process.env['BENCH_RATE'] ?? 50);
const LATENCY_SECONDS = Number(process.env['BENCH_SECONDS'] ?? 20);

const RUNS = 3;

interface ThroughputRun {
  readonly records: number;
  readonly bytes: number;
  readonly rawRate: number;
  /** A backlog the relay's shards never saw: caught up by a scan. */
  readonly coldRate: number;
  /** A backlog written while the relay was stopped: read from the change stream at its checkpoints. */
  readonly streamRate: number;
  /** The same, from its first published record on (after the stream was opened at the checkpoint). */
  readonly streamFlowRate: number;
  readonly streamOpenSeconds: number;
  readonly oplogEntries: number;
  readonly stageShare: string;
}

/** Fills the outbox with RECORDS OrderPlaced records over ~RECORDS/4 keys, 100 per transaction. */
async function fill(fixture: ShopFixture, topic: TopicDefinition, seed: number): Promise<void> {
  const random = seeded(seed);
  for (let i = 0; i < RECORDS; i += 100) {
    await fixture.client.withSession((s) =>
      s.withTransaction(async () => {
        for (let j = i; j < Math.min(RECORDS, i + 100); j++) {
          const orderId = `o-${Math.floor(random() * (RECORDS / 4))}`;
          const envelope = { ...SAMPLE_ENVELOPE(), eventId: uniqueName('e') };
          await fixture.outbox.add(s, {
            topic: topic.name,
            key: orderId,
            envelope,
            payload: { ...SAMPLE_EVENTS.OrderPlaced, orderId },
          });
        }
      }),
    );
  }
}

/**
 * Starts a relay and times it from the end of its start-up until it has published `count` records.
 * Completion is read from the relay's own counter, in process: no probe loads the measured server.
 */
async function timeRelay(
  fixture: ShopFixture,
  producer: Producer,
  count: number,
): Promise<{
  seconds: number;
  firstSeconds: number;
  firstDone: number;
  stageShare: string;
  relay: OutboxRelay;
  publishedTotal: () => Promise<number>;
}> {
  const metrics = new Registry();
  const relay = new OutboxRelay({
    client: fixture.client,
    db: fixture.db,
    producer,
    logger: createLogger('bench', 'silent'),
    metrics,
    batchSize: BATCH,
  });
  const publishedTotal = async () =>
    (await metrics.getSingleMetric('outbox_relay_published_total')?.get())?.values[0]?.value ?? 0;
  await relay.start();
  const start = performance.now();
  let first = 0;
  let firstDone = 0;
  for (let done = 0; done < count; done = await publishedTotal()) {
    if (done > 0 && first === 0) {
      first = performance.now();
      firstDone = done;
    }
    await sleep(5);
  }
  const seconds = (performance.now() - start) / 1000;
  const firstSeconds = ((first || performance.now()) - start) / 1000;
  const stages = ((await metrics.getSingleMetric('outbox_relay_stage_seconds')?.get())?.values ?? []).filter(
    (v) => (v as { metricName?: string }).metricName?.endsWith('_sum'),
  );
  const stageShare = stages
    .map((v) => `${v.labels['stage']} ${((v.value / seconds) * 100).toFixed(0)}%`)
    .join(', ');
  return { seconds, firstSeconds, firstDone, stageShare, relay, publishedTotal };
}

/**
 * One throughput run on a fresh database: the outbox filled (not timed), then the raw floor — the same
 * records read from the outbox collection (a cursor, ${BATCH} per round trip) and produced in batches
 * of ${BATCH}, nothing written back — then the relay on that backlog (a catch-up scan: it never saw
 * these shards). Then the everyday case: the relay stopped, as many records written again, and a relay
 * started on them, which reads them from the change stream at the checkpoints the first one left.
 */
async function throughputRun(
  producer: Producer,
  topic: TopicDefinition,
  rawTopic: TopicDefinition,
  run: number,
): Promise<ThroughputRun> {
  const fixture = await createShopFixture({
    mongoUrl: mongoUrl(),
    registryUrl: schemaRegistryUrl(),
    dbName: uniqueName(`bench_t${run}`).replace(/-/g, '_'),
    ordersTopic: topic,
  });
  try {
    console.log(`run ${run + 1}/${RUNS}: filling the outbox with ${RECORDS} records`);
    await fill(fixture, topic, 5 + run);
    const outbox = fixture.db.collection<OutboxRecord>('outbox');

    const rawStart = performance.now();
    const cursor = outbox.find({ pending: true }).sort({ createdAt: 1, _id: 1 }).batchSize(BATCH);
    let batch: OutboxRecord[] = [];
    let bytes = 0;
    const send = (records: OutboxRecord[]) =>
      producer.send({
        topic: rawTopic.name,
        acks: -1,
        messages: records.map((r) => ({
          key: r.key,
          value: Buffer.from(r.value.buffer),
          headers: { ...r.headers },
        })),
      });
    for await (const record of cursor) {
      bytes = record.value.buffer.byteLength;
      batch.push(record);
      if (batch.length === BATCH) {
        await send(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await send(batch);
    const rawSeconds = (performance.now() - rawStart) / 1000;

    const cold = await timeRelay(fixture, producer, RECORDS);
    // A relay in service reads the stream: one more record, so that its checkpoint names a stream
    // position (a resume token) as every running relay's does — not only the catch-up's time.
    await fixture.shop.placeOrder({ ...SAMPLE_EVENTS.OrderPlaced, orderId: `o-running-${run}` });
    while ((await cold.publishedTotal()) < RECORDS + 1) await sleep(5);
    await cold.relay.stop();
    console.log(`run ${run + 1}/${RUNS}: the relay stopped; filling again`);
    await fill(fixture, topic, 50 + run);
    const oplogEntries = await fixture.client.db('local').collection('oplog.rs').estimatedDocumentCount();
    const streamed = await timeRelay(fixture, producer, RECORDS);
    await streamed.relay.stop();
    return {
      records: RECORDS,
      bytes,
      rawRate: RECORDS / rawSeconds,
      coldRate: RECORDS / cold.seconds,
      streamRate: RECORDS / streamed.seconds,
      // The first round's records are counted with the opening; the rest flowed after it.
      streamFlowRate:
        (RECORDS - streamed.firstDone) / Math.max(0.001, streamed.seconds - streamed.firstSeconds),
      streamOpenSeconds: streamed.firstSeconds,
      oplogEntries,
      stageShare: streamed.stageShare,
    };
  } finally {
    await fixture.db.dropDatabase();
    await fixture.close();
  }
}

async function main() {
  const topics = testTopics([ORDERS_EVENTS, CUSTOMERS_EVENTS], 6);
  const rawTopics = testTopics([ORDERS_EVENTS], 6);
  await createTestTopics([...topics, ...rawTopics]);
  const kafka = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const logger = createLogger('bench', 'silent');

  const runs: ThroughputRun[] = [];
  for (let run = 0; run < RUNS; run++)
    runs.push(await throughputRun(producer, topics[0]!, rawTopics[0]!, run));

  const fixture = await createShopFixture({
    mongoUrl: mongoUrl(),
    registryUrl: schemaRegistryUrl(),
    dbName: uniqueName('bench').replace(/-/g, '_'),
    ordersTopic: topics[0],
    customersTopic: topics[1],
  });
  const servers = await describeServers(path.resolve(__dirname, '..'), fixture.db);
  const relay = new OutboxRelay({
    client: fixture.client,
    db: fixture.db,
    producer,
    logger,
    batchSize: BATCH,
  });
  await relay.start();

  // Latency at a fixed offered rate, end to end through the example service and the relay.
  console.log(`latency: ${LATENCY_RATE}/s for ${LATENCY_SECONDS}s`);
  const reader = await collectTopic(topics[1]!.name);
  const arrivals = new Map<string, number>();
  const poll = setInterval(() => {
    for (const r of reader.records) if (!arrivals.has(r.eventId)) arrivals.set(r.eventId, performance.now());
  }, 2);
  await sleep(3_000);
  const committedAt = new Map<string, number>();
  const total = LATENCY_RATE * LATENCY_SECONDS;
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / LATENCY_RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const id = await fixture.shop.registerCustomer({
      customerId: `c-${i}`,
      email: `c${i}@example.test`,
      name: 'Bench',
      locale: 'en',
    });
    committedAt.set(id, performance.now());
  }
  const offered = total / ((performance.now() - t0) / 1000);
  await waitFor(
    'every latency record',
    async () => ([...committedAt.keys()].every((id) => arrivals.has(id)) ? true : undefined),
    120_000,
  );
  clearInterval(poll);
  const latencies = [...committedAt].map(([id, at]) => (arrivals.get(id) as number) - at);

  await reader.stop();
  await relay.stop();
  await producer.disconnect();
  await fixture.db.dropDatabase();
  await fixture.close();

  const ratios = runs.map((r) => r.streamRate / r.rawRate);
  const flowRatios = runs.map((r) => r.streamFlowRate / r.rawRate);
  const coldRatios = runs.map((r) => r.coldRate / r.rawRate);
  const list = (f: (r: ThroughputRun) => number, digits = 0) =>
    runs.map((r) => f(r).toFixed(digits)).join(', ');
  const section = `## Outbox relay

\`npm run bench -- outbox\` — ${new Date().toISOString().slice(0, 10)}, ${describeMachine()}; ${servers}.

| measure | value |
| --- | --- |
| records per run | ${RECORDS} (OrderPlaced, ${runs[0]?.bytes ?? 0} bytes each, ~${RECORDS / 4} keys, 6 partitions); ${RUNS} runs, each on a fresh database |
| raw floor: the same records read from the outbox collection (a cursor, ${BATCH} per round trip) and produced in batches of ${BATCH}, acks=all, nothing written back | ${list((r) => r.rawRate)} records/s |
| outbox relay on a backlog written while it was stopped (read from the change stream at its checkpoints, one checkpoint write per round), batches of up to ${BATCH}, timed from the end of its start-up | ${list((r) => r.streamRate)} records/s |
| **relay / raw floor** (runs; median) | ${list((r) => r.streamRate / r.rawRate, 2)}; **${median(ratios).toFixed(2)}** |
| of which: time to its first published record (the stream opened after the checkpoint's resume token; oplog of ${list((r) => r.oplogEntries)} entries) | ${list((r) => r.streamOpenSeconds, 2)} s |
| the same relay once its stream is open (records after the first round, over the time after it) | ${list((r) => r.streamFlowRate)} records/s; / raw floor ${list((r) => r.streamFlowRate / r.rawRate, 2)}; median **${median(flowRatios).toFixed(2)}** |
| where that relay's time went (first run) | ${runs[0]?.stageShare ?? ''} |
| outbox relay on a backlog its shards never saw (a catch-up scan, then the stream) | ${list((r) => r.coldRate)} records/s; / raw floor ${list((r) => r.coldRate / r.rawRate, 2)}; median **${median(coldRatios).toFixed(2)}** |
| commit-to-consumer latency at ${offered.toFixed(0)} commits/s offered (${total} commits) | p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms |

Latency is measured from the end of the writer's transaction to the record's arrival at a consumer, so
it includes the change-stream wake-up, the relay round, the Kafka acknowledgement and the consumer's
fetch — an upper bound of commit-to-publish. The relay's own view is the
\`outbox_relay_commit_to_publish_seconds\` histogram on its /metrics.
`;
  writeSection('outbox-relay', section);
  console.log(section);
}

const SAMPLE_ENVELOPE = () => ({
  eventType: 'OrderPlaced' as const,
  correlationId: 'bench',
  causationId: 'bench',
  occurredAt: new Date().toISOString(),
  producer: 'bench',
});

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
