// npm run bench -- projector
// The projector as a process against a raw floor measured in the same run: the same kind and number of
// records consumed by a raw kafkajs consumer that writes one document per record with one unordered
// `bulkWrite` per Kafka batch (no reads, no transaction, no checkpoint). Each side is joined to its
// topics and has consumed a warm-up record before the timer starts (start-up outside the timers); then
// the records are published and the timer stops when the last one is applied. Three runs, each on fresh
// topics and a fresh database, the median ratio.
import path from 'node:path';
import { Binary, MongoClient, type AnyBulkWriteOperation } from 'mongodb';
import { collectionNames } from '@mailfleet/read-models';
import { Kafka, logLevel } from 'kafkajs';
import { SAMPLE_EVENTS, kafkaBrokers, mongoUrl, uniqueName, waitFor } from '@mailfleet/testing';
import {
  createProjectorFixture,
  type ProjectorFixture,
  type TestEvent,
} from '../services/projector/test/projector-test-fixture';
import { describeMachine, describeServers, median } from './machine';
import { writeSection } from './results-file';

const ORDERS = Number(process.env['BENCH_ORDERS'] ?? 1000);
const RUNS = 3;
const PARTITIONS = 6;
const PUBLISH_CHUNK = 500;

/** Per order: its placement, the confirmation requested and sent — three records on three topics. */
function scenario(run: string, from: number, count: number): TestEvent[] {
  const at = Date.UTC(2026, 11, 6, 8, 0, 0);
  const events: TestEvent[] = [];
  for (let i = from; i < from + count; i++) {
    const orderId = `${run}-o${i}`;
    const customerId = `${run}-c${i % 97}`;
    const mailId = `order-confirmation:${orderId}`;
    events.push(
      {
        type: 'OrderPlaced',
        key: orderId,
        payload: { ...SAMPLE_EVENTS.OrderPlaced, orderId, customerId, placedAt: at },
      },
      {
        type: 'MailRequested',
        key: mailId,
        payload: {
          ...SAMPLE_EVENTS.MailRequested,
          mailId,
          templateId: 'order-confirmation',
          recipient: { customerId, email: `${customerId}@example.test`, name: 'Bench' },
          templateData: JSON.stringify({ orderId }),
          requestedAt: at + 1_000,
        },
      },
      { type: 'MailSent', key: mailId, payload: { ...SAMPLE_EVENTS.MailSent, mailId, sentAt: at + 2_000 } },
    );
  }
  return events;
}

async function publish(f: ProjectorFixture, events: readonly TestEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += PUBLISH_CHUNK) await f.publish(events.slice(i, i + PUBLISH_CHUNK));
}

interface Run {
  readonly records: number;
  readonly projectorRate: number;
  readonly rawRate: number;
}

async function projectorSide(f: ProjectorFixture, run: string): Promise<number> {
  const db = f.database();
  // BENCH_PROJECTOR_LOG_LEVEL=debug logs each handled batch with its duration (the log file is printed).
  const projector = await f.startProjector(db, {
    LOG_LEVEL: process.env['BENCH_PROJECTOR_LOG_LEVEL'] ?? 'warn',
  });
  console.log(`projector log: ${projector.process.logFile}`);
  try {
    await publish(f, scenario(`${run}w`, 0, 1));
    await f.waitCaughtUp(db, 1, 180_000);
    const events = scenario(run, 0, ORDERS);
    const t0 = performance.now();
    await publish(f, events);
    const published = (performance.now() - t0) / 1000;
    await f.waitCaughtUp(db, 1, 600_000);
    const seconds = (performance.now() - t0) / 1000;
    console.log(`projector: published in ${published.toFixed(1)} s, applied in ${seconds.toFixed(1)} s`);
    const sent = await db
      .collection(collectionNames(1).mails)
      .countDocuments({ _id: { $regex: `^order-confirmation:${run}-o` } as never, status: 'sent' });
    if (sent !== ORDERS) throw new Error(`projector: ${sent} of ${ORDERS} mails projected as sent`);
    return events.length / seconds;
  } finally {
    await projector.process.kill9();
  }
}

async function rawSide(f: ProjectorFixture, run: string): Promise<number> {
  const db = f.database();
  const target = db.collection<{ _id: string }>('raw_floor');
  const kafka = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: uniqueName('bench-raw') });
  await consumer.connect();
  // Only what is published from here on: the projector side's records are not the floor's.
  for (const topic of f.inputs) await consumer.subscribe({ topic, fromBeginning: false });
  let applied = 0;
  let warmed = false;
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const ops: AnyBulkWriteOperation<{ _id: string }>[] = batch.messages.map((m) => ({
        replaceOne: {
          filter: { _id: `${batch.topic}:${m.key?.toString() ?? ''}` },
          replacement: {
            _id: `${batch.topic}:${m.key?.toString() ?? ''}`,
            offset: m.offset,
            value: new Binary(m.value ?? Buffer.alloc(0)),
          } as never,
          upsert: true,
        },
      }));
      if (ops.length > 0) await target.bulkWrite(ops, { ordered: false });
      for (const m of batch.messages) {
        if (m.key?.toString().includes(`${run}w-`)) warmed = true;
        else applied++;
      }
    },
  });
  try {
    // Joined and reading: a warm-up record published every 2 s until one arrives (offsets start at
    // the join, so the ones published before it are never read).
    let lastWarmUp = -Infinity;
    await waitFor(
      'the raw consumer to be reading',
      async () => {
        if (warmed) return true;
        if (performance.now() - lastWarmUp > 2_000) {
          lastWarmUp = performance.now();
          await publish(f, scenario(`${run}w`, 0, 1));
        }
        return undefined;
      },
      180_000,
    );
    applied = 0;
    const events = scenario(run, 0, ORDERS);
    const t0 = performance.now();
    await publish(f, events);
    console.log(`raw floor: published in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await waitFor(
      'the raw consumer to apply every record',
      async () => (applied >= events.length ? true : undefined),
      600_000,
    );
    return events.length / ((performance.now() - t0) / 1000);
  } finally {
    await consumer.disconnect();
  }
}

async function oneRun(run: number): Promise<Run> {
  const f = await createProjectorFixture(PARTITIONS);
  try {
    const tag = `r${run}${Date.now().toString(36)}`;
    console.log(`run ${run + 1}/${RUNS}: projector`);
    const projectorRate = await projectorSide(f, tag);
    console.log(`run ${run + 1}/${RUNS}: raw floor`);
    const rawRate = await rawSide(f, `${tag}x`);
    return { records: ORDERS * 3, projectorRate, rawRate };
  } finally {
    await f.close();
  }
}

async function main(): Promise<void> {
  const runs: Run[] = [];
  for (let run = 0; run < RUNS; run++) runs.push(await oneRun(run));
  const mongo = await MongoClient.connect(mongoUrl());
  const servers = await describeServers(path.resolve(__dirname, '..'), mongo.db('admin'));
  await mongo.close();

  const list = (pick: (r: Run) => number, digits = 0) => runs.map((r) => pick(r).toFixed(digits)).join(', ');
  const ratios = runs.map((r) => r.projectorRate / r.rawRate);
  const section = `## Projector

\`npm run bench -- projector\` — ${new Date().toISOString().slice(0, 10)}, ${describeMachine()}; ${servers}.

| measure | value |
| --- | --- |
| records per run | ${ORDERS * 3}: ${ORDERS} orders, each OrderPlaced, MailRequested and MailSent (three topics of ${PARTITIONS} partitions); ${RUNS} runs, each on fresh topics and a fresh database |
| raw floor: a kafkajs consumer writing one document per record, one unordered \`bulkWrite\` per Kafka batch, no reads, no transaction | ${list((r) => r.rawRate)} records/s |
| projector (a process; reads, projection rules, one transaction per fetch with its checkpoints) | ${list((r) => r.projectorRate)} records/s |
| **projector / raw floor** (runs; median) | ${list((r) => r.projectorRate / r.rawRate, 2)}; **${median(ratios).toFixed(2)}** |

Both sides are joined to their topics and have consumed a warm-up record before their timer starts;
each timer runs from the first publish of the measured records to the last one applied, so both include
the same publishing.
`;
  writeSection('projector', section);
  console.log(section);
}

main().catch((err: unknown) => {
  console.error('bench projector:', err);
  process.exit(1);
});
