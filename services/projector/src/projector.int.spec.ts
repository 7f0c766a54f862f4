// The projector as a process against the real broker: a scripted scenario gives the expected documents,
// and a poison record goes to the DLQ (and the dashboard's list of dead letters) while it keeps going.
import { Kafka, logLevel } from 'kafkajs';
import { SAMPLE_EVENTS, collectTopic, kafkaBrokers, waitFor } from '@mailfleet/testing';
import { dlqTopicOf } from '@mailfleet/contracts';
import {
  createProjectorFixture,
  type ProjectorFixture,
  type TestEvent,
} from '../test/projector-test-fixture';

let f: ProjectorFixture;
beforeEach(async () => {
  f = await createProjectorFixture();
});
afterEach(() => f.close());

const t0 = Date.UTC(2026, 10, 23, 8, 0, 0);

test('a scripted scenario gives the expected documents; a poison record is dead-lettered and skipped', async () => {
  const placed = (orderId: string, customerId: string): TestEvent => ({
    type: 'OrderPlaced',
    key: orderId,
    payload: { ...SAMPLE_EVENTS.OrderPlaced, orderId, customerId, placedAt: t0, totalMinor: 1000 },
    correlationId: `corr-${orderId}`,
  });
  const requested = (mailId: string, email: string, orderId: string, at: number): TestEvent => ({
    type: 'MailRequested',
    key: mailId,
    payload: {
      ...SAMPLE_EVENTS.MailRequested,
      mailId,
      templateId: mailId.split(':')[0] as string,
      recipient: { customerId: 'c-1', email, name: 'Ada' },
      templateData: JSON.stringify({ orderId }),
      requestedAt: at,
    },
    correlationId: `corr-${orderId}`,
  });
  const conf1 = 'order-confirmation:o-1';
  const cancel2 = 'cancellation-notice:o-2';
  const conf3 = 'order-confirmation:o-3';
  await f.publish([
    placed('o-1', 'c-1'),
    requested(conf1, 'Ada@Example.test', 'o-1', t0 + 1_000),
    {
      type: 'MailSendFailed',
      key: conf1,
      payload: {
        ...SAMPLE_EVENTS.MailSendFailed,
        mailId: conf1,
        attempt: 1,
        retryable: true,
        errorClass: 'smtp-4xx',
        errorMessage: '451 later',
        failedAt: t0 + 2_000,
      },
    },
    {
      type: 'MailSent',
      key: conf1,
      payload: {
        ...SAMPLE_EVENTS.MailSent,
        mailId: conf1,
        attempt: 2,
        smtpMessageId: '<conf1@x>',
        sentAt: t0 + 4_000,
      },
    },
    placed('o-2', 'c-1'),
    {
      type: 'OrderCancelled',
      key: 'o-2',
      payload: {
        ...SAMPLE_EVENTS.OrderCancelled,
        orderId: 'o-2',
        customerId: 'c-1',
        reason: 'changed mind',
        cancelledAt: t0 + 5_000,
      },
    },
    requested(cancel2, 'ada@example.test', 'o-2', t0 + 6_000),
    {
      type: 'MailSendFailed',
      key: cancel2,
      payload: {
        ...SAMPLE_EVENTS.MailSendFailed,
        mailId: cancel2,
        attempt: 1,
        retryable: false,
        errorClass: 'smtp-5xx',
        errorMessage: '550 no such user',
        failedAt: t0 + 7_000,
      },
    },
    // Sent before its request arrives: the topics are independent.
    {
      type: 'MailSent',
      key: conf3,
      payload: {
        ...SAMPLE_EVENTS.MailSent,
        mailId: conf3,
        attempt: 1,
        smtpMessageId: '<conf3@x>',
        sentAt: t0 + 9_000,
      },
    },
    {
      type: 'MailSuppressed',
      key: 'shipping-notice:o-4',
      payload: {
        ...SAMPLE_EVENTS.MailSuppressed,
        mailId: 'shipping-notice:o-4',
        templateId: 'shipping-notice',
        reason: 'customer opted out',
        suppressedAt: t0 + 9_500,
      },
    },
  ]);
  await f.publish([requested(conf3, 'bob@example.test', 'o-3', t0 + 8_000)]);
  // A poison record in the middle of mail.events.
  const producer = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  await producer.send({
    topic: f.topics.mailEvents.name,
    messages: [{ key: conf1, value: Buffer.from('not avro') }],
  });
  await producer.disconnect();
  await f.publish([
    {
      type: 'MailDelivered',
      key: conf1,
      payload: { mailId: conf1, smtpMessageId: '<conf1@x>', deliveredAt: t0 + 10_000 },
    },
  ]);
  const dlq = await collectTopic(dlqTopicOf(f.topics.mailEvents.name));

  const db = f.database();
  const projector = await f.startProjector(db);
  await f.waitCaughtUp(db, 1);
  const { mails, orders, recipients, templateDays } = await f.dump(db, 1);

  const byId = <T extends { _id: string }>(docs: T[]) =>
    new Map(docs.map((d) => [d._id, d as Record<string, unknown>]));
  const m = byId(mails);
  expect([...m.keys()].sort()).toEqual([cancel2, conf1, conf3, 'shipping-notice:o-4']);
  expect(m.get(conf1)).toMatchObject({
    status: 'delivered',
    orderId: 'o-1',
    email: 'ada@example.test',
    messageId: '<conf1@x>',
    attempts: 2,
    correlationId: 'corr-o-1',
    requestedAt: t0 + 1_000,
    sentAt: t0 + 4_000,
    lastError: 'smtp-4xx: 451 later',
  });
  expect((m.get(conf1)?.['timeline'] as { type: string }[]).map((t) => t.type)).toEqual([
    'requested',
    'attempt-failed',
    'sent',
    'delivered',
  ]);
  expect(m.get(cancel2)).toMatchObject({ status: 'failed', lastError: 'smtp-5xx: 550 no such user' });
  expect(m.get(conf3)).toMatchObject({
    status: 'sent',
    email: 'bob@example.test',
    requestedAt: t0 + 8_000,
    sentAt: t0 + 9_000,
  });
  expect(m.get('shipping-notice:o-4')).toMatchObject({
    status: 'suppressed',
    orderId: 'o-4',
    templateId: 'shipping-notice',
  });

  const o = byId(orders);
  expect(o.get('o-1')).toMatchObject({
    status: 'placed',
    totalMinor: 1000,
    correlationId: 'corr-o-1',
    mails: [{ mailId: conf1, status: 'delivered' }],
  });
  expect(o.get('o-2')).toMatchObject({
    status: 'cancelled',
    cancelReason: 'changed mind',
    mails: [{ mailId: cancel2, status: 'failed' }],
  });
  expect(o.get('o-4')).toMatchObject({
    status: 'unknown',
    mails: [{ mailId: 'shipping-notice:o-4', status: 'suppressed' }],
  });

  const r = byId(recipients);
  expect(r.get('ada@example.test')).toMatchObject({ total: 2, counts: { delivered: 1, failed: 1 } });
  expect(r.get('bob@example.test')).toMatchObject({ total: 1, counts: { sent: 1 } });

  const day = '2026-11-23';
  const d = byId(templateDays);
  expect(d.get(`order-confirmation:${day}`)).toMatchObject({
    counts: { requested: 2, retries: 1, sent: 2 },
    latencyCount: 2,
    latencySumMs: 3_000 + 1_000,
    latencyMaxMs: 3_000,
  });
  expect(d.get(`cancellation-notice:${day}`)).toMatchObject({ counts: { requested: 1, failed: 1 } });

  const dead = await waitFor('the poison record in the DLQ', async () =>
    dlq.records.find((x) => x.value?.toString() === 'not avro'),
  );
  expect(dead.headers['dlq-source-topic']).toBe(f.topics.mailEvents.name);
  expect(String(dead.headers['dlq-reason'])).toContain('magic byte');
  await dlq.stop();

  const health = await waitFor(
    'pipeline health',
    async () => (await db.collection('pipeline_health').findOne({ _id: 'current' as never })) ?? undefined,
  );
  expect(health['dlq']).toContainEqual({ topic: dlqTopicOf(f.topics.mailEvents.name), records: 1 });
  // The dashboard's list of dead letters has it, from its headers.
  const listed = await waitFor(
    'the dead letter listed',
    async () =>
      (await db.collection('dead_letters').findOne({ sourceTopic: f.topics.mailEvents.name })) ?? undefined,
  );
  expect(listed).toMatchObject({
    _id: `${dlqTopicOf(f.topics.mailEvents.name)}:${dead.partition}:${dead.offset}`,
    errorCode: 'undecodable-record.bad-magic-byte',
    group: expect.stringMatching(/-v1$/),
  });
  expect((health['lag'] as { group: string }[]).some((l) => l.group.endsWith('-v1'))).toBe(true);
  const metrics = await (await fetch(`${projector.opsUrl}/metrics`)).text();
  // Counted by the consumer runner, under the version's group: the record had no event type.
  expect(metrics).toMatch(
    /mailfleet_consumer_records_total\{group="[^"]*-v1",[^}]*event_type="unknown",outcome="dead-lettered"[^}]*\} 1\n/,
  );
});
