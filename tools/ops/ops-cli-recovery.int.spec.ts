// The ops CLI's recovery commands against a running fleet on the real stack: a dead letter fixed and
// redriven is delivered once (a second redrive does nothing), an operator's resend and retry, and a
// projection rebuilt from a point in time that waits for the operator's switch.
import * as avro from 'avsc';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import { v7 as uuidv7 } from 'uuid';
import {
  EVENT_FULL_NAMES,
  EVENT_SCHEMAS,
  newEnvelope,
  subjectOf,
  toKafkaHeaders,
} from '@mailfleet/contracts';
import { kafkaBrokers, oneItemOrder, schemaRegistryUrl, waitFor } from '@mailfleet/testing';
import { createOpsFleet, type OpsFleet } from './test/ops-fleet-fixture';

// Longer than the default: starting the fleet, and tests that wait on it for several two-minute bounds in a row.
jest.setTimeout(600_000);

let f: OpsFleet;
beforeAll(async () => {
  f = await createOpsFleet();
  await f.startAll();
});
afterAll(async () => {
  await f?.close();
});

test('a dead letter fixed and redriven is delivered exactly once; a second redrive does nothing', async () => {
  await f.shop.shop.registerCustomer({
    customerId: 'c-3',
    email: 'three@example.test',
    name: 'Three',
    locale: 'en',
  });
  await f.settle();
  // An upstream published with a schema id its registry did not have yet (the registration failed, or it
  // wrote to another registry): the translator cannot read the record and dead-letters it.
  const registry = new SchemaRegistry({ host: schemaRegistryUrl() });
  const probe = await registry.register(
    {
      type: SchemaType.AVRO,
      schema: JSON.stringify({ type: 'record', name: `Probe${Date.now()}`, fields: [] }),
    },
    { subject: `ops-test-probe-${uuidv7()}` },
  );
  const nextId = probe.id + 1;
  const schema = EVENT_SCHEMAS.OrderPlaced as { fields: unknown[] };
  const writerSchema = {
    ...schema,
    // A field name of its own, so the registry sees a schema it never had (it deduplicates by content).
    fields: [...schema.fields, { name: `channel_${Date.now()}`, type: ['null', 'string'], default: null }],
  };
  const payload = { ...oneItemOrder('o-poison', 'c-3'), placedAt: Date.now() };
  const body = avro.Type.forSchema(writerSchema as avro.Schema).toBuffer(payload);
  const value = Buffer.concat([Buffer.from([0]), Buffer.alloc(4), body]);
  value.writeInt32BE(nextId, 1);
  const producer = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  const envelope = newEnvelope({
    eventType: 'OrderPlaced',
    producer: 'upstream',
    eventId: uuidv7(),
    now: new Date(),
  });
  await producer.send({
    topic: f.topics.orders.name,
    messages: [{ key: 'o-poison', value, headers: toKafkaHeaders(envelope) }],
  });
  await producer.disconnect();

  const listed = await waitFor(
    'the dead letter',
    async () => {
      const r = await f.cli('--json', 'dlq', 'list', '--topic', f.topics.orders.name);
      const d = r.json<{
        count: number;
        deadLetters: { id: string; errorCode: string; eventId: string }[];
      }>();
      // Both readers of orders.events dead-letter it: the translator and the projector.
      return d.count >= 2 ? d : undefined;
    },
    120_000,
  );
  expect(listed.deadLetters).toEqual([
    expect.objectContaining({ errorCode: 'undecodable-record.unknown-schema-id', eventId: envelope.eventId }),
    expect.objectContaining({ errorCode: 'undecodable-record.unknown-schema-id', eventId: envelope.eventId }),
  ]);
  const ids = listed.deadLetters.map((l) => l.id);
  const id = ids[0]!;
  const shown = (await f.cli('--json', 'dlq', 'show', id)).json<{
    reason: string;
    valueHex: string;
    headers: Record<string, string>;
  }>();
  expect(shown.valueHex).toBe(value.toString('hex'));
  expect(shown.reason).toMatch(new RegExp(`schema id ${nextId}`));

  // The fix: the schema is registered (compatible: one optional field more) and gets that id.
  const fixed = await registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(writerSchema) },
    { subject: subjectOf(f.topics.orders.name, EVENT_FULL_NAMES.OrderPlaced) },
  );
  expect(fixed.id).toBe(nextId);

  const dry = (await f.cli('--json', 'dlq', 'redrive', '--topic', f.topics.orders.name, '--dry-run')).json<{
    toRedrive: string[];
  }>();
  expect(dry.toRedrive).toEqual(ids);
  const first = await f.cli(
    '--json',
    'dlq',
    'redrive',
    '--topic',
    f.topics.orders.name,
    '--yes',
    '--reason',
    'schema registered',
  );
  expect(first.code).toBe(0);
  expect(first.json<{ redriven: string[]; recordsSent: number }>()).toMatchObject({
    redriven: ids,
    recordsSent: 1,
  });
  await waitFor(
    'the redriven order mail',
    async () => ((await f.sink.messages()).some((m) => m.messageId?.includes('o-poison')) ? true : undefined),
    120_000,
  );
  const again = await f.cli('--json', 'dlq', 'redrive', '--topic', f.topics.orders.name, '--yes');
  expect(again.json<{ redriven: string[]; alreadyRedriven: string[] }>()).toMatchObject({
    redriven: [],
    alreadyRedriven: ids,
  });
  await f.settle();
  const poisonMails = (await f.sink.messages()).filter((m) => m.messageId?.includes('o-poison'));
  expect(poisonMails).toHaveLength(1);
});

test('mail resend sends exactly one more mail and leaves one audit record; mail retry delivers a dead mail', async () => {
  await f.shop.shop.registerCustomer({
    customerId: 'c-4',
    email: 'four@example.test',
    name: 'Four',
    locale: 'en',
  });
  await f.shop.shop.placeOrder(oneItemOrder('o-4', 'c-4'));
  await f.shop.shop.placeOrder(oneItemOrder('o-5', 'c-4'));
  await waitFor(
    'the two order mails',
    async () => ((await f.sink.messages({ to: 'four@example.test' })).length >= 2 ? true : undefined),
    120_000,
  );
  await f.settle();
  const mailId = 'order-confirmation:o-4';
  const shown = await f.cli('--json', 'mail', 'show', mailId);
  expect(shown.json<{ sender: { status: string } }>().sender.status).toBe('sent');
  const before = (await f.sink.messages()).length;
  const resent = await f.cli('--json', 'mail', 'resend', mailId, '--reason', 'customer lost it');
  expect(resent.code).toBe(0);
  const { newMailId } = resent.json<{ newMailId: string }>();
  await waitFor(
    'the resent mail',
    async () => ((await f.sink.messages()).length > before ? true : undefined),
    60_000,
  );
  await f.settle();
  expect((await f.sink.messages()).length).toBe(before + 1);
  expect(newMailId).toBe(`${mailId}~resend-1`);
  expect((await f.sink.messages()).filter((m) => m.messageId?.includes('resend-1'))).toHaveLength(1);
  expect(await f.mongo.db(f.dbs.ops).collection('ops_audit').countDocuments({ command: 'mail resend' })).toBe(
    1,
  );

  // A mail the sender gave up on (dead after its retry age), put back by the operator.
  const dead = 'order-confirmation:o-5';
  await f.mongo
    .db(f.dbs.sender)
    .collection('sender_mails')
    .updateOne({ _id: dead as never }, { $set: { status: 'dead' } });
  const sentBefore = (await f.sink.messages()).filter((m) => m.messageId?.includes('o-5')).length;
  const retried = await f.cli('--json', 'mail', 'retry', dead, '--reason', 'provider outage over');
  expect(retried.code).toBe(0);
  expect(retried.json()).toMatchObject({ previousStatus: 'dead', status: 'retrying' });
  await f.settle();
  expect((await f.sink.messages()).filter((m) => m.messageId?.includes('o-5')).length).toBe(sentBefore + 1);
  const again = await f.cli('mail', 'retry', dead, '--reason', 'twice');
  expect(again.code).toBe(1);
  expect(again.stderr).toMatch(/is sent; only failed or dead mails can be retried/);
});

test('a projection rebuilt from a point in time waits for the operator before readers switch to it', async () => {
  const status = () => f.cli('--json', 'projection', 'status').then((r) => r.json<ProjectionStatus>());
  const { active } = await status();
  const rebuild = await f.cli(
    '--json',
    'projection',
    'rebuild',
    '--from',
    new Date(Date.now() - 60_000).toISOString(),
    '--reason',
    'test',
  );
  expect(rebuild.code).toBe(0);
  const version = rebuild.json<{ version: number; autoSwitch: boolean }>();
  expect(version).toMatchObject({ version: active + 1, autoSwitch: false });
  // Caught up, and still not serving: a partial history is not switched to on its own.
  await waitFor(
    'the partial version caught up',
    async () =>
      (await status()).versions.find((v) => v.version === active + 1)?.lag === 0 ? true : undefined,
    120_000,
  );
  expect((await status()).active).toBe(active);
  const refused = await f.cli('projection', 'switch', '--yes');
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/add --partial/);
  const switched = await f.cli('--json', 'projection', 'switch', '--partial', '--yes', '--reason', 'test');
  expect(switched.json()).toEqual({ from: active, to: active + 1 });
  expect((await status()).active).toBe(active + 1);
});

interface ProjectionStatus {
  active: number;
  versions: { version: number; role: string; lag: number }[];
}
