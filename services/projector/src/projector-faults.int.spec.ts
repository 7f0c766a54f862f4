// The projector's faults as a real process: kill -9 mid-batch with group offsets moved past the
// checkpoints, records the rules refuse, and a checkpoint below the log start.
import { Kafka, logLevel } from 'kafkajs';
import { SAMPLE_EVENTS, collectTopic, kafkaBrokers, waitFor } from '@mailfleet/testing';
import { dlqTopicOf } from '@mailfleet/contracts';
import { collectionNames } from '@mailfleet/read-models';
import { groupOf } from './handlers/projection-controller';
import {
  createProjectorFixture,
  type ProjectorFixture,
  type TestEvent,
} from '../test/projector-test-fixture';
import { lifecycleEvents } from '../test/projector-scenario';

let f: ProjectorFixture;
beforeEach(async () => {
  f = await createProjectorFixture();
});
afterEach(() => f.close());

const t0 = Date.UTC(2026, 10, 23, 8, 0, 0);

test('kill -9 mid-batch and a group offset moved past the checkpoints: the projection equals one computed from scratch', async () => {
  const events = lifecycleEvents('k', 120, t0);
  await f.publish(events);
  const db = f.database();
  const first = await f.startProjector(db, { PROJECTOR_CHUNK_SIZE: '5' });
  await waitFor('some records applied', async () => {
    const cps = await db.collection<{ offset: string }>(collectionNames(1).checkpoints).find({}).toArray();
    return cps.reduce((n, c) => n + Number(c.offset) + 1, 0) >= 40 ? true : undefined;
  });
  await first.process.kill9();
  const appliedAtKill = (
    await db.collection<{ offset: string }>(collectionNames(1).checkpoints).find({}).toArray()
  ).reduce((n, c) => n + Number(c.offset) + 1, 0);
  expect(appliedAtKill).toBeLessThan(events.length);
  // Whatever the group offsets say: move them to the end, as if everything had been applied.
  const groupId = groupOf(`${f.groupPrefix}-${db.databaseName}`, 1);
  const committed = await f.admin.fetchOffsets({ groupId, topics: [...f.inputs] });
  expect(committed.length).toBe(f.inputs.length);
  // The killed member leaves the group when its session times out.
  await waitFor(
    'the killed projector to leave its group',
    async () => ((await f.admin.describeGroups([groupId])).groups[0]?.state === 'Empty' ? true : undefined),
    60_000,
  );
  for (const topic of f.inputs) {
    const ends = await f.admin.fetchTopicOffsets(topic);
    await f.admin.setOffsets({
      groupId,
      topic,
      partitions: ends.map((e) => ({ partition: e.partition, offset: e.high })),
    });
  }
  await f.startProjector(db, { PROJECTOR_CHUNK_SIZE: '5' });
  await f.waitCaughtUp(db, 1);

  const scratch = f.database();
  await f.startProjector(scratch);
  await f.waitCaughtUp(scratch, 1);
  const expected = await f.dump(scratch, 1);
  expect(expected.mails).toHaveLength(120 * 2);
  expect(await f.dump(db, 1)).toEqual(expected);
});

test('a record the projection rules cannot apply (a time out of range) is dead-lettered with the reason; its partition goes on, and a restart does not dead-letter it again', async () => {
  const good = 'order-confirmation:o-good';
  const request = (mailId: string, requestedAt: number): TestEvent => ({
    type: 'MailRequested',
    key: 'same-partition',
    payload: { ...SAMPLE_EVENTS.MailRequested, mailId, requestedAt },
  });
  // 9e15 ms is a valid Avro long but no JavaScript date: the rules cannot file it under a day. The last
  // refused record ends its partition: only the position stored for it marks it done.
  await f.publish([
    request('order-confirmation:o-bad', 9_000_000_000_000_000),
    request(good, t0),
    request('order-confirmation:o-bad-last', 9_000_000_000_000_001),
  ]);
  const dlq = await collectTopic(dlqTopicOf(f.topics.mailRequested.name));
  const db = f.database();
  const projector = await f.startProjector(db);
  await f.waitCaughtUp(db, 1);
  const { mails } = await f.dump(db, 1);
  expect(mails.map((m) => m._id)).toEqual([good]);
  await dlq.waitForEnd();
  expect(dlq.records).toHaveLength(2);
  for (const dead of dlq.records) {
    expect(dead.headers['dlq-error-code']).toBe('projection-refused');
    expect(String(dead.headers['dlq-reason'])).toContain('Invalid time value');
  }
  const metrics = await (await fetch(`${projector.opsUrl}/metrics`)).text();
  expect(metrics).toMatch(
    /mailfleet_consumer_records_total\{group="[^"]*-v1",[^}]*event_type="MailRequested",outcome="dead-lettered"[^}]*\} 2\n/,
  );

  // Restarted, the version starts after its checkpoint: a record behind it is projected, and the DLQ
  // still holds the two dead letters, once each.
  expect(await projector.process.stop()).toBe(0);
  await f.startProjector(db);
  await f.publish([request('order-confirmation:o-after-restart', t0)]);
  await f.waitCaughtUp(db, 1);
  expect((await f.dump(db, 1)).mails.map((m) => m._id)).toEqual(['order-confirmation:o-after-restart', good]); // sorted by id
  await dlq.waitForEnd();
  expect(dlq.records).toHaveLength(2);
  await dlq.stop();
});

test('a checkpoint below the log start (retention deleted records) is reported with a warning and a metric, and the partition goes on', async () => {
  const request = (mailId: string): TestEvent => ({
    type: 'MailRequested',
    key: 'same-partition',
    payload: { ...SAMPLE_EVENTS.MailRequested, mailId, requestedAt: t0 },
  });
  const db = f.database();
  await f.publish([request('order-confirmation:o-a')]);
  const first = await f.startProjector(db);
  await f.waitCaughtUp(db, 1);
  expect(await first.process.stop()).toBe(0);
  await f.publish([request('order-confirmation:o-lost'), request('order-confirmation:o-after')]);
  // Retention removes the record after the checkpoint before the projector is back.
  const admin = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(f.topics.mailRequested.name);
  const partition = offsets.find((o) => o.high === '3')!.partition;
  await admin.deleteTopicRecords({
    topic: f.topics.mailRequested.name,
    partitions: [{ partition, offset: '2' }],
  });
  await admin.disconnect();
  const second = await f.startProjector(db);
  await waitFor(
    'the record after the gap',
    async () =>
      (await f.dump(db, 1)).mails.some((m) => m._id === 'order-confirmation:o-after') ? true : undefined,
    60_000,
  );
  expect((await f.dump(db, 1)).mails.map((m) => m._id).sort()).toEqual([
    'order-confirmation:o-a',
    'order-confirmation:o-after',
  ]);
  const metrics = await (await fetch(`${second.opsUrl}/metrics`)).text();
  expect(metrics).toMatch(/projector_checkpoint_below_log_start_total\{[^}]*\} 1\n/);
});
