// Which registry failures condemn a record and which are waited out. The registry client is replaced by
// a stand-in that fails the way the real one does (it is not our code).
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { classifyError } from '@mailfleet/errors';
import { SchemaRegistryUnavailableError, UndecodableRecordError } from './contract-errors';
import { EventCodec } from './event-codec';
import { ORDERS_EVENTS } from './topics';

const failingRegistry = (err: unknown) =>
  ({ getSchema: () => Promise.reject(err) }) as unknown as SchemaRegistry;
const record = Buffer.from([0, 0, 0, 0, 42, 1, 2, 3]);
const decode = (err: unknown) =>
  new EventCodec(failingRegistry(err), [ORDERS_EVENTS])
    .decode({ topic: ORDERS_EVENTS.name, partition: 0, offset: '7' }, record)
    .then(
      () => {
        throw new Error('expected decode to fail');
      },
      (e: unknown) => e,
    );

test('a schema id the registry does not know (404) makes the record undecodable, for the DLQ', async () => {
  const err = await decode(Object.assign(new Error('Schema not found'), { status: 404 }));
  expect(err).toBeInstanceOf(UndecodableRecordError);
  expect((err as UndecodableRecordError).reason).toBe('unknown-schema-id');
  expect(classifyError(err)).toBe('permanent');
});

test.each([
  ['unreachable', new Error('connect ECONNREFUSED 127.0.0.1:18081')],
  ['failing', Object.assign(new Error('Internal Server Error'), { status: 503 })],
  ['timing out', Object.assign(new Error('Timeout (5000ms)'), { status: 408 })],
])('a registry that is %s is waited out: retriable, never dead-lettered', async (_name, cause) => {
  const err = await decode(cause);
  expect(err).toBeInstanceOf(SchemaRegistryUnavailableError);
  expect((err as Error).message).toContain('schema id 42');
  expect(classifyError(err)).toBe('retriable');
});
