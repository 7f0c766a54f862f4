// CustomerErased in a real projector process: the customer's mails keep their status and lose the address
// and every quote of it in their timelines, their recipient document goes, a bounce that arrives later
// adds nothing personal — and a rebuild from the topics, which still hold the address, stays redacted.
import { SAMPLE_EVENTS, personalDataIn, waitFor } from '@mailfleet/testing';
import { collectionNames } from '@mailfleet/read-models';
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
const address = 'Era.Erasable@Example.test';
const name = 'Era Erasable';

const requested = (mailId: string, customerId: string, email: string, who: string): TestEvent => ({
  type: 'MailRequested',
  key: mailId,
  payload: {
    ...SAMPLE_EVENTS.MailRequested,
    mailId,
    recipient: { customerId, email, name: who },
    templateData: JSON.stringify({ orderId: mailId.split(':')[1] }),
    requestedAt: t0,
  },
});
const bounced = (mailId: string, at: number): TestEvent => ({
  type: 'MailBounced',
  key: mailId,
  payload: {
    ...SAMPLE_EVENTS.MailBounced,
    mailId,
    recipient: address.toLowerCase(),
    diagnostic: `550 5.1.1 <${address}>: no such user`,
    bouncedAt: at,
  },
});

test('after CustomerErased the projections hold neither the address nor the name, also after a rebuild', async () => {
  const era = 'order-confirmation:o-era';
  const kept = 'order-confirmation:o-kept';
  await f.publish([
    requested(era, 'c-era', address, name),
    bounced(era, t0 + 1_000),
    requested(kept, 'c-kept', 'kept@example.test', 'Kept'),
  ]);
  const db = f.database();
  await f.startProjector(db);
  await f.waitCaughtUp(db, 1);
  const mails = db.collection(collectionNames(1).mails);
  expect(await mails.findOne({ _id: era as never })).toMatchObject({ email: address.toLowerCase() });

  await f.publish([{ type: 'CustomerErased', key: 'c-era', payload: { customerId: 'c-era', erasedAt: t0 } }]);
  await f.waitCaughtUp(db, 1);
  // A bounce the provider reports after the erasure.
  await f.publish([bounced(era, t0 + 2_000)]);
  await f.waitCaughtUp(db, 1);
  const scan = () => personalDataIn(f.mongo, [db.databaseName], [address, name]);
  expect(await scan()).toEqual([]);
  expect(await mails.findOne({ _id: era as never })).toMatchObject({
    customerId: 'c-era',
    status: 'bounced',
    email: null,
  });
  expect(await db.collection(collectionNames(1).recipients).countDocuments({ customerId: 'c-era' })).toBe(0);
  expect(await mails.findOne({ _id: kept as never })).toMatchObject({ email: 'kept@example.test' });

  const rebuild = await f.rebuild(db);
  expect(rebuild.status).toBe(0);
  await waitFor('readers switched to version 2', async () =>
    (await f.meta(db))?.active === 2 ? true : undefined,
  );
  await f.waitCaughtUp(db, 2);
  expect(await scan()).toEqual([]);
  expect(await db.collection(collectionNames(2).mails).findOne({ _id: era as never })).toMatchObject({
    customerId: 'c-era',
    status: 'bounced',
    email: null,
  });
  expect(
    await db.collection(collectionNames(2).recipients).findOne({ _id: 'kept@example.test' as never }),
  ).toMatchObject({ customerId: 'c-kept' });
});
