// The translator as a real process between the example upstream service and the mail topics: exactly
// one MailRequested per business fact through random interleavings, a full replay and a kill -9 mid-batch.
import { fleetTopics } from '@mailfleet/contracts';
import { generateLoad } from '@mailfleet/example-orders';
import { collectTopic, uniqueName, waitFor } from '@mailfleet/testing';

import {
  createTranslatorFixture,
  expectedMailIds,
  kafka,
  requestedMailIds,
  type TranslatorFixture,
} from '../test/translator-test-fixture';

// A kill -9 can leave a transaction open; MongoDB releases its documents only after the transaction
// lifetime (60 s), so the tests after a kill allow for that.
jest.setTimeout(300_000);

let f: TranslatorFixture;
beforeEach(async () => {
  f = await createTranslatorFixture();
});
afterEach(() => f.close());

test('random interleavings give exactly one MailRequested per fact; a full replay gives none again', async () => {
  const requested = await collectTopic(fleetTopics(f.suffix).mailRequested.name);
  try {
    await f.startTranslator();
    const load = await generateLoad(f.shop.shop, {
      orders: 30,
      seed: 42,
      interleave: true,
      abortRatio: 0.1,
      idPrefix: uniqueName('r'),
    });
    const expected = expectedMailIds(load.committed);
    await waitFor(
      'every expected mail',
      async () => (new Set(requested.records.map((r) => r.key)).size >= expected.length ? true : undefined),
      120_000,
    );
    await f.waitForGroupToCatchUp();
    expect(requestedMailIds(requested.records)).toEqual(expected);
    const before = new Set(requested.records.map((r) => r.eventId));

    // Replay: stop, reset the group to the earliest offsets, start again.
    expect(await f.processes[0]!.stop()).toBe(0);
    const admin = kafka.admin();
    await admin.connect();
    for (const topic of [fleetTopics(f.suffix).orders.name, fleetTopics(f.suffix).customers.name]) {
      await admin.resetOffsets({ groupId: f.group, topic, earliest: true });
    }
    await admin.disconnect();
    await f.startTranslator();
    await f.waitForGroupToCatchUp();
    await f.waitForEverythingPublished(requested);
    expect(new Set(requested.records.map((r) => r.eventId))).toEqual(before);
  } finally {
    await requested.stop();
  }
});

test('kill -9 in the middle of a batch, restart: still exactly the expected set', async () => {
  const requested = await collectTopic(fleetTopics(f.suffix).mailRequested.name);
  try {
    const load = await generateLoad(f.shop.shop, {
      orders: 60,
      seed: 9,
      interleave: true,
      idPrefix: uniqueName('k'),
    });
    const expected = expectedMailIds(load.committed);
    const first = await f.startTranslator();
    await waitFor(
      'the translator to be mid-way',
      async () => (requested.records.length >= 5 ? true : undefined),
      120_000,
    );
    await first.kill9();
    const seenAtKill = new Set(requested.records.map((r) => r.key)).size;
    expect(seenAtKill).toBeLessThan(expected.length);
    await f.startTranslator();
    await waitFor(
      'every expected mail',
      async () => (new Set(requested.records.map((r) => r.key)).size >= expected.length ? true : undefined),
      180_000,
    );
    await f.waitForGroupToCatchUp();
    await f.waitForEverythingPublished(requested);
    expect(requestedMailIds(requested.records)).toEqual(expected);
  } finally {
    await requested.stop();
  }
});
