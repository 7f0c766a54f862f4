// The newcomer's path, as processes: `npm start` brings up the whole fleet on the running stack and prints
// the dashboard link; `npm run demo` places orders through the example shop; the mails show up as sent on
// the dashboard, and signed webhooks to the feedback service turn one delivered, then bounced, there; a
// shipping notice's one-click unsubscribe link, taken from the mail in Mailpit, stops the customer's next
// shipping notice while the order confirmation still goes; nothing logs a warning or an error on the way;
// a service killed with SIGKILL is restarted; Ctrl-C stops every process it started.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { stackEndpoints } from '@mailfleet/config';
import { createShopFixture } from '@mailfleet/example-orders';
import { freePort, oneItemOrder, personalDataIn, waitFor, type Finding } from '@mailfleet/testing';
import { signMailfleetWebhook } from '@mailfleet/webhooks';

// Longer than the default: npm start brings up the whole fleet and Mailpit, then the demo's orders.
jest.setTimeout(300_000);

const repoRoot = path.resolve(__dirname, '..', '..');
const TOKEN = 'start-test-token-0123456789';
const WEBHOOK_KEY = 'start-test-webhook-key-0123456789abcdef';

/** Pids of fleet processes started with OPS_PORT in [base, base + count). Linux /proc. */
function fleetPids(opsBase: number, count: number): Map<number, number> {
  const found = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.includes('/src/main.ts') || cmdline.startsWith('/bin/sh')) continue;
      const port = /(?:^|\0)OPS_PORT=(\d+)(?:\0|$)/.exec(readFileSync(`/proc/${entry}/environ`, 'utf8'));
      const n = Number(port?.[1]);
      if (n >= opsBase && n < opsBase + count) found.set(n, Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

let start: ChildProcess | undefined;
let output = '';
afterAll(async () => {
  // Only when the test failed before its Ctrl-C: nothing of the fleet may outlive the test.
  if (start?.pid && start.exitCode === null && start.signalCode === null) {
    const group = -start.pid;
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(group, sig);
      } catch {
        // The group is gone already.
      }
    };
    // Clean-up only: a grace period for an orderly stop, then whatever is left is killed.
    signal('SIGINT');
    await new Promise((r) => setTimeout(r, 5_000));
    signal('SIGKILL');
  }
});

test('npm start runs the fleet quietly, npm run demo gets mails sent, crashes are restarted, Ctrl-C stops all', async () => {
  const dashboardPort = await freePort();
  const opsBase = 20_000 + Math.floor(Math.random() * 20_000);
  const mailpitUi = await freePort();
  const feedbackPort = await freePort();
  const env = {
    ...process.env,
    MAILFLEET_MAILPIT_SMTP_PORT: String(await freePort()),
    MAILFLEET_MAILPIT_UI_PORT: String(mailpitUi),
    MAILFLEET_DASHBOARD_PORT: String(dashboardPort),
    MAILFLEET_OPS_PORT_BASE: String(opsBase),
    DASHBOARD_TOKEN: TOKEN,
    MAILFLEET_FEEDBACK_PORT: String(feedbackPort),
    FEEDBACK_WEBHOOK_KEYS: WEBHOOK_KEY,
    FORCE_COLOR: '0',
  };
  start = spawn('npm', ['start'], { cwd: repoRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  start.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  start.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  await waitFor(
    'the fleet to start',
    async () => (output.includes('mailfleet is running.') ? true : undefined),
    120_000,
  );
  expect(output).toContain(`http://127.0.0.1:${dashboardPort}/#token=${TOKEN}`);
  expect(output).toContain(`http://127.0.0.1:${feedbackPort}/webhooks/mailfleet`);
  const processes = 9;
  await waitFor(
    'every process up',
    async () => (fleetPids(opsBase, processes).size === processes ? true : undefined),
    60_000,
  );

  const demo = spawnSync(
    'npm',
    ['run', '-s', 'demo', '--', '--orders', '6', '--rate', '50', '--seed', '4242'],
    {
      cwd: repoRoot,
      env,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  expect({ status: demo.status, output: `${demo.stdout}${demo.stderr}` }).toMatchObject({ status: 0 });
  expect(demo.stdout).toMatch(/committed \d+ events/);
  const orderId = /search for order (\S+)/.exec(demo.stdout)?.[1];
  expect(orderId).toBeDefined();

  const api = async (p: string) =>
    (
      await fetch(`http://127.0.0.1:${dashboardPort}${p}`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).json() as Promise<{
      data: { mails: { mailId: string; status: string }[] };
    }>;
  // The demo suggests an order whose mail was sent: the dashboard shows it at once, no waiting.
  const { data } = await api(`/api/search?q=${encodeURIComponent(orderId!)}`);
  expect(data.mails.map((m) => m.status)).toContain('sent');

  // The provider reports it delivered, then the recipient's server bounces it: the feedback service's
  // webhook, its relay, the projector, the page.
  const sent = data.mails.find((m) => m.status === 'sent')!;
  const report = async (notification: object) => {
    const body = JSON.stringify(notification);
    const answer = await fetch(`http://127.0.0.1:${feedbackPort}/webhooks/mailfleet`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signMailfleetWebhook(body, [WEBHOOK_KEY]) },
      body,
    });
    expect(answer.status).toBe(200);
  };
  await report({ id: `delivered-${orderId}`, type: 'delivered', mailId: sent.mailId });
  await waitFor(
    'the dashboard to show the mail delivered',
    async () => {
      const again = await api(`/api/search?q=${encodeURIComponent(orderId!)}`);
      return again.data.mails.some((m) => m.mailId === sent.mailId && m.status === 'delivered')
        ? true
        : undefined;
    },
    60_000,
  );
  await report({
    id: `bounced-${orderId}`,
    type: 'bounced',
    mailId: sent.mailId,
    status: '5.1.1',
    diagnostic: '550 5.1.1 mailbox gone',
  });
  const timeline = await waitFor(
    "the bounce on the mail's timeline",
    async () => {
      const mail = (await (
        await fetch(`http://127.0.0.1:${dashboardPort}/api/mails/${encodeURIComponent(sent.mailId)}`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        })
      ).json()) as { data: { timeline: { type: string; reason: string | null }[] } };
      return mail.data.timeline.some((t) => t.type === 'bounced') ? mail.data.timeline : undefined;
    },
    60_000,
  );
  expect(timeline.find((t) => t.type === 'bounced')?.reason).toBe(
    'HARD 5.1.1: 550 5.1.1 mailbox gone (webhook:mailfleet)',
  );
  // The mail itself is in Mailpit, the SMTP server npm start runs, whose web UI the demo links to.
  expect(demo.stdout).toContain(`http://127.0.0.1:${mailpitUi}/`);
  const inMailpit = (await (
    await fetch(`http://127.0.0.1:${mailpitUi}/api/v1/messages?limit=500`)
  ).json()) as {
    messages: { MessageID: string }[];
  };
  expect(inMailpit.messages.some((m) => m.MessageID.includes(orderId!))).toBe(true);

  // One-click unsubscribe (RFC 8058), as a mailbox provider's button does it: the link comes from the
  // shipping notice's List-Unsubscribe header as Mailpit received it.
  const run = Date.now().toString(36);
  const customerId = `c-unsub-${run}`;
  const address = `unsub-${run}@example.test`;
  const name = `Una Erasable-${run}`;
  const stack = stackEndpoints();
  const shop = await createShopFixture({
    mongoUrl: stack.mongoUrl,
    registryUrl: stack.schemaRegistryUrl,
    dbName: 'mailfleet_orders',
  });
  const mailOf = async (mailId: string) =>
    (
      (await (
        await fetch(`http://127.0.0.1:${dashboardPort}/api/mails/${encodeURIComponent(mailId)}`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        })
      ).json()) as {
        data: {
          status: string;
          email: string | null;
          timeline: { type: string; reason: string | null }[];
        } | null;
      }
    ).data;
  try {
    await shop.shop.registerCustomer({ customerId, email: address, name, locale: 'en' });
    await shop.shop.placeOrder(oneItemOrder(`o-unsub-1-${run}`, customerId));
    await shop.shop.shipOrder(`o-unsub-1-${run}`, customerId, 'DHL', `T-${run}`);
    const notice = await waitFor(
      'the shipping notice in Mailpit',
      async () => {
        const list = (await (
          await fetch(`http://127.0.0.1:${mailpitUi}/api/v1/messages?limit=500`)
        ).json()) as { messages: { ID: string; MessageID: string; Subject: string }[] };
        return list.messages.find(
          (m) => m.MessageID.includes(`o-unsub-1-${run}`) && m.MessageID.startsWith('shipping-notice'),
        );
      },
      120_000,
    );
    const headers = (await (
      await fetch(`http://127.0.0.1:${mailpitUi}/api/v1/message/${notice.ID}/headers`)
    ).json()) as Record<string, string[]>;
    expect(headers['List-Unsubscribe-Post']).toEqual(['List-Unsubscribe=One-Click']);
    const link = /^<(http:\/\/127\.0\.0\.1:\d+\/unsubscribe\/[^>]+)>$/.exec(
      (headers['List-Unsubscribe']?.[0] ?? '').replace(/\s+/g, ''),
    )?.[1];
    expect(link).toBeDefined();
    const unsubscribed = await fetch(link!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(unsubscribed.status).toBe(200);
    const noticeId = `shipping-notice:o-unsub-1-${run}`;
    await waitFor(
      "the unsubscribe on the notice's timeline",
      async () =>
        (await mailOf(noticeId))?.timeline.some((t) => t.type === 'unsubscribed') ? true : undefined,
      60_000,
    );
    // The order confirmation carries no link: it is transactional.
    const confirmation = (await (
      await fetch(`http://127.0.0.1:${mailpitUi}/api/v1/messages?limit=500`)
    ).json()) as { messages: { ID: string; MessageID: string }[] };
    const confirmationMail = confirmation.messages.find((m) =>
      m.MessageID.startsWith(`order-confirmation=3ao-unsub-1-${run}`),
    )!;
    const confirmationHeaders = (await (
      await fetch(`http://127.0.0.1:${mailpitUi}/api/v1/message/${confirmationMail.ID}/headers`)
    ).json()) as Record<string, string[]>;
    expect(confirmationHeaders['List-Unsubscribe']).toBeUndefined();

    // The next order: its confirmation is sent, its shipping notice is suppressed.
    await shop.shop.placeOrder(oneItemOrder(`o-unsub-2-${run}`, customerId));
    await shop.shop.shipOrder(`o-unsub-2-${run}`, customerId, 'DHL', `T2-${run}`);
    const suppressed = await waitFor(
      'the second shipping notice suppressed',
      async () => {
        const m = await mailOf(`shipping-notice:o-unsub-2-${run}`);
        return m?.status === 'suppressed' ? m : undefined;
      },
      120_000,
    );
    expect(suppressed.timeline.find((t) => t.type === 'suppressed')?.reason).toMatch(
      /^the recipient unsubscribed from shipping-updates mail \(one-click\)/,
    );
    await waitFor(
      'the second order confirmation sent',
      async () =>
        (await mailOf(`order-confirmation:o-unsub-2-${run}`))?.status === 'sent' ? true : undefined,
      120_000,
    );

    // Erasure (GDPR Art. 17): the customer had mails sent, an unsubscribe stored and suppression entries
    // in two services. After CustomerErased, no collection of any fleet database holds the address or
    // the name — strings, field names or an outbox record's Avro bytes. The example shop is the upstream,
    // with its own duty to erase; it is not part of the scan.
    const statusBefore = (await mailOf(noticeId))?.status;
    await shop.shop.eraseCustomer(customerId);
    await waitFor(
      "the erasure in the dashboard's projection",
      async () => ((await mailOf(noticeId))?.email === null ? true : undefined),
      60_000,
    );
    const mongo = shop.client;
    const databases = (await mongo.db('admin').admin().listDatabases({ nameOnly: true })).databases
      .map((d) => d.name)
      .filter((n) => n.startsWith('mailfleet_') && n !== 'mailfleet_orders');
    expect(databases).toEqual(
      expect.arrayContaining([
        'mailfleet_translator',
        'mailfleet_sender',
        'mailfleet_feedback',
        'mailfleet_projections',
      ]),
    );
    // The outboxes let published records go once safely in Kafka (a sweep every 15 s, 20 s margin here).
    let left: Finding[] = [];
    for (const until = Date.now() + 90_000; Date.now() < until;) {
      left = await personalDataIn(mongo, databases, [address, name]);
      if (left.length === 0) break;
      await new Promise((r) => setTimeout(r, 2_000));
    }
    expect(left).toEqual([]);
    // The mail's story stays: only what identifies the person goes.
    expect((await mailOf(noticeId))?.status).toBe(statusBefore);
  } finally {
    await shop.close();
  }

  // A healthy start and a demo run are quiet: no warning or error line from any process (kafkajs's
  // start-up noise is mapped in libs/kafka/src/kafkajs-log.ts). Checked before the deliberate crash below.
  const alarming = output
    .split('\n')
    .filter((line) => /\] (WARN|ERROR|FATAL):|"level":(40|50|60)\b/.test(line));
  expect(alarming).toEqual([]);
  expect(demo.stderr).toBe('');

  // The translator (second process) dies hard and comes back.
  const before = fleetPids(opsBase, processes);
  const translatorPid = before.get(opsBase + 1)!;
  process.kill(translatorPid, 'SIGKILL');
  await waitFor(
    'the translator restarted',
    async () => {
      const pid = fleetPids(opsBase, processes).get(opsBase + 1);
      return pid !== undefined && pid !== translatorPid ? true : undefined;
    },
    60_000,
  );
  // concurrently logs the restart just before it spawns the process, but the line reaches this test through
  // npm, tsx and a pipe: wait for it rather than expect it in the same instant the new pid shows up.
  await waitFor(
    'npm start to say the translator restarted',
    async () => (/translator.*restarted/.test(output) ? true : undefined),
    10_000,
  );

  // Ctrl-C: a terminal sends SIGINT to the whole foreground process group; every process of the fleet ends.
  process.kill(-start.pid!, 'SIGINT');
  await waitFor(
    'every fleet process to stop',
    async () => (fleetPids(opsBase, processes).size === 0 ? true : undefined),
    60_000,
  );
  await waitFor(
    'Mailpit to stop',
    async () =>
      await fetch(`http://127.0.0.1:${mailpitUi}/`).then(
        () => undefined,
        () => true,
      ),
    30_000,
  );
  await waitFor(
    'npm start to exit',
    async () => (start!.exitCode !== null || start!.signalCode !== null ? true : undefined),
    30_000,
  );
});
