// The ops CLI against a running fleet on the real stack: a replay of the translator and the sender from
// the earliest offsets sends nothing (and the dry-run said so), and the CLI's contract: --json parses,
// usage errors exit 2; the suppression list as an operator changes it.
import { createHash } from 'node:crypto';
import { oneItemOrder, waitFor } from '@mailfleet/testing';
import { createOpsFleet, type OpsFleet } from './test/ops-fleet-fixture';

// Longer than the default: one test runs a replay that stops, waits out and restarts a sender.
jest.setTimeout(600_000);

let f: OpsFleet;
beforeAll(async () => {
  f = await createOpsFleet();
  await f.startAll();
});
afterAll(async () => {
  await f?.close();
});

interface ReplayPlan {
  executed: boolean;
  recordsToReread: string;
  moves: { topic: string; reread: string }[];
  effect: {
    ledger: string;
    recordsRead: number;
    alreadyProcessed: number;
    wouldAct: number;
    feedbackRecords: number;
  };
}

/** Records to re-read per topic, without the test's topic suffix. */
function rereadByTopic(plan: ReplayPlan): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of plan.moves) {
    const topic = m.topic.replace(/\.t-[^.]*$/, '');
    out[topic] = (out[topic] ?? 0) + Number(m.reread);
  }
  return out;
}

test('replaying the translator and the sender from the earliest offsets sends nothing, as the dry-run said', async () => {
  const s = f.shop.shop;
  await s.registerCustomer({ customerId: 'c-1', email: 'one@example.test', name: 'One', locale: 'en' });
  await s.registerCustomer({ customerId: 'c-2', email: 'two@example.test', name: 'Two', locale: 'en' });
  for (const [id, customer] of [
    ['o-1', 'c-1'],
    ['o-2', 'c-2'],
    ['o-3', 'c-1'],
  ] as const)
    await s.placeOrder(oneItemOrder(id, customer));
  await s.shipOrder('o-1', 'c-1', 'DHL', 'T1');
  await waitFor(
    'four mails',
    async () => ((await f.sink.messages()).length >= 4 ? true : undefined),
    120_000,
  );
  await f.settle();
  const before = (await f.sink.messages()).length;
  expect(before).toBe(4);

  // The groups must be empty: a replay is refused while members are live, naming them.
  const refused = await f.cli(
    'replay',
    '--group',
    f.groups.translator,
    '--to-earliest',
    '--execute',
    '--yes',
    '--reason',
    'test',
  );
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/live member/);

  // The translator is stopped by hand; the sender by the replay itself, as the operator tells it to.
  await f.stop('translator');
  const stopSender = `kill -TERM ${f.pid('sender')}`;
  const plans: Record<string, ReplayPlan> = {};
  for (const group of [f.groups.translator, f.groups.sender]) {
    const dry = await f.cli('--json', 'replay', '--group', group, '--to-earliest');
    expect(dry.code).toBe(0);
    const plan = dry.json<ReplayPlan>();
    expect(plan.executed).toBe(false);
    expect(Number(plan.recordsToReread)).toBeGreaterThan(0);
    expect(plan.effect.recordsRead).toBe(Number(plan.recordsToReread));
    expect(plan.effect.wouldAct).toBe(0);
    plans[group] = plan;
    const stop = group === f.groups.sender ? ['--stop-with', stopSender] : [];
    const run = await f.cli(
      '--json',
      'replay',
      '--group',
      group,
      '--to-earliest',
      '--execute',
      '--yes',
      '--reason',
      'replay test',
      ...stop,
    );
    expect(run.code).toBe(0);
    expect(run.json<ReplayPlan>()).toMatchObject({ executed: true, recordsToReread: plan.recordsToReread });
  }
  // 6 facts and 4 mail requests were read again. Both groups also re-read all of mail.events (the
  // fleet's own events about the mails), for the delivery feedback that refills their suppression lists,
  // and the sender re-reads customers.events, where only erasures concern it; none of it acts.
  const translatorPlan = rereadByTopic(plans[f.groups.translator]!);
  const senderPlan = rereadByTopic(plans[f.groups.sender]!);
  const mailEvents = translatorPlan['mail.events'] ?? 0;
  expect(mailEvents).toBeGreaterThanOrEqual(4); // at least the four MailSent
  expect(translatorPlan).toEqual({ 'orders.events': 4, 'customers.events': 2, 'mail.events': mailEvents });
  expect(senderPlan).toEqual({ 'mail.requested': 4, 'customers.events': 2, 'mail.events': mailEvents });
  expect(plans[f.groups.translator]!.effect).toMatchObject({ feedbackRecords: mailEvents, wouldAct: 0 });
  expect(plans[f.groups.sender]!.effect).toMatchObject({ feedbackRecords: mailEvents + 2, wouldAct: 0 });
  expect(plans[f.groups.translator]!.effect.alreadyProcessed).toBe(6);
  expect(plans[f.groups.sender]!.effect.alreadyProcessed).toBe(4);

  await f.start('translator');
  await f.start('sender');
  // Proven by position, not by waiting: both groups read to the end of their topics again.
  await f.settle();
  expect((await f.sink.messages()).length).toBe(before);
  const audits = await f.mongo.db(f.dbs.ops).collection('ops_audit').find({ command: 'replay' }).toArray();
  expect(audits.map((a) => [a['who'], a['reason']])).toEqual([
    ['ops-test', 'replay test'],
    ['ops-test', 'replay test'],
  ]);

  // The replica rebuilt from the topics: emptied (the ledger of decided mails kept), replayed, equal again.
  const replica = () =>
    f.mongo
      .db(f.dbs.translator)
      .collection('translator_customers')
      .find({}, { projection: { _id: 1, email: 1 } })
      .sort({ _id: 1 })
      .toArray();
  const customers = await replica();
  await f.stop('translator');
  const reset = await f.cli('--json', 'translator', 'reset-replica', '--yes', '--reason', 'replica test');
  expect(reset.json()).toMatchObject({ removed: { translator_customers: 2, translator_inbox: 6 } });
  const again = await f.cli(
    '--json',
    'replay',
    '--group',
    f.groups.translator,
    '--to-earliest',
    '--execute',
    '--yes',
    '--reason',
    'rebuild replica',
  );
  expect(again.json<ReplayPlan>().effect).toMatchObject({ alreadyProcessed: 0, wouldAct: 0 });
  await f.start('translator');
  await f.settle();
  expect(await replica()).toEqual(customers);
  expect((await f.sink.messages()).length).toBe(before);
});

test('every command answers --json; usage errors exit 2 with a message', async () => {
  for (const args of [
    ['groups', '--group', f.groups.sender],
    ['dlq', 'list'],
    ['outbox', 'status'],
    ['projection', 'status'],
    ['topics', 'describe'],
  ]) {
    const r = await f.cli('--json', ...args);
    expect({ args, code: r.code }).toEqual({ args, code: 0 });
    expect(() => r.json()).not.toThrow();
  }
  for (const [args, message] of [
    [['replay', '--group', 'x'], /exactly one target/],
    [['replay', '--group', 'x', '--to-time', 'yesterday'], /not a time/],
    [['replay', '--group', 'x', '--to-earliest', '--execute'], /needs --reason/],
    [['replay', '--group', 'x', '--to-earliest', '--stop-with', 'true'], /go with --execute/],
    [['dlq', 'show', 'nonsense'], /dlq-topic:partition:offset/],
    [['mail', 'retry', 'm-1'], /needs --reason/],
    [['no-such-command'], /unknown command/],
  ] as const) {
    const r = await f.cli('--json', ...args);
    expect({ args, code: r.code }).toEqual({ args, code: 2 });
    expect(r.stderr + r.stdout).toMatch(message);
    expect(() => r.json()).not.toThrow();
  }
});

test('suppression add stops the next mail to the address, remove lets the one after go; both audited', async () => {
  const s = f.shop.shop;
  await s.registerCustomer({ customerId: 'c-sup', email: 'Held@Example.test', name: 'Held', locale: 'en' });
  const added = await f.cli(
    '--json',
    'suppression',
    'add',
    'held@example.test',
    '--reason',
    'asked us by phone',
  );
  expect(added.code).toBe(0);
  const listed = await f.cli('--json', 'suppression', 'list', '--address', 'HELD@example.test');
  expect(listed.json()).toEqual([
    {
      address: 'held@example.test',
      lists: ['translator', 'sender'],
      facts: [expect.objectContaining({ kind: 'manual', detail: 'asked us by phone' })],
    },
  ]);

  await s.placeOrder(oneItemOrder('o-sup-1', 'c-sup'));
  // (The order may wait a moment for its new customer: the ledger says when it is decided.)
  const ledger = f.mongo.db(f.dbs.translator).collection('translator_mails');
  const decided = await waitFor(
    'the mail decided',
    async () => (await ledger.findOne({ _id: 'order-confirmation:o-sup-1' as never })) ?? undefined,
    120_000,
  );
  expect(decided).toMatchObject({ outcome: 'suppressed' });
  await f.settle();
  // The sink matches recipients case-sensitively; the address is written as the customer gave it.
  const toHeld = async () =>
    (await f.sink.messages()).filter((m) =>
      m.envelope.rcptTo.some((r) => r.toLowerCase() === 'held@example.test'),
    );
  expect(await toHeld()).toEqual([]);

  const removed = await f.cli(
    '--json',
    'suppression',
    'remove',
    'held@example.test',
    '--reason',
    'the customer confirmed',
  );
  expect(removed.json()).toMatchObject({ removed: { translator: true, sender: true } });
  await s.placeOrder(oneItemOrder('o-sup-2', 'c-sup'));
  await waitFor(
    'the mail after the removal',
    async () => ((await toHeld()).length === 1 ? true : undefined),
    120_000,
  );

  const audits = await f.mongo
    .db(f.dbs.ops)
    .collection('ops_audit')
    .find({ command: /^suppression/ })
    .sort({ at: 1 })
    .toArray();
  expect(audits.map((a) => [a['command'], a['reason']])).toEqual([
    ['suppression add', 'asked us by phone'],
    ['suppression remove', 'the customer confirmed'],
  ]);
  // The audit outlives an erasure of the customer: it names the address by its SHA-256 only.
  const sha256 = createHash('sha256').update('held@example.test').digest('hex');
  expect(audits.map((a) => a['args'])).toEqual([{ addressSha256: sha256 }, { addressSha256: sha256 }]);
  expect(JSON.stringify(audits)).not.toContain('held@example.test');
  for (const [args, code, message] of [
    [['suppression', 'add', 'held@example.test'], 2, /needs --reason/],
    [['suppression', 'add', 'not-an-address', '--reason', 'x'], 2, /not an e-mail address/],
    [['suppression', 'remove', 'nobody@example.test', '--reason', 'x'], 1, /not on either list/],
  ] as const) {
    const r = await f.cli('--json', ...args);
    expect({ args, code: r.code }).toEqual({ args, code });
    expect(r.stderr + r.stdout).toMatch(message);
  }
});
