// npm run bench -- pipeline [--orders 200] [--latency-orders 300] [--fleet-root DIR] [--label after]
// The fleet as processes (one of each) on a private stack; the example shop places orders; measured:
// MongoDB operations per delivered mail (serverStatus opcounters, the idle rate subtracted, the shop's own
// writes included), the idle fleet's operations per second, mails per second end to end — beside the raw
// MongoDB floor measured in the same run; then commit→SMTP-accept latency with the shop paced to half of
// the delivery rate just measured. `--fleet-root` runs the services of another checkout (a git
// worktree of an older commit) with this harness, for before/after figures on one machine.
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { MongoClient, type Db } from 'mongodb';
import { createShopFixture, generateLoad, type CommittedFact } from '@mailfleet/example-orders';
import { fleetSpecs, waitFleetReady } from '../tools/chaos/fleet-specs';
import { superviseFleet } from '../tools/chaos/fleet-supervisor';
import { startPrivateStack } from '../tools/chaos/private-stack';
import { describeMachine, percentile } from './machine';
import { writeSection } from './results-file';

const repoRoot = path.resolve(__dirname, '..');
type Counters = Record<string, number>;
async function opcounters(db: Db): Promise<Counters> {
  const status = (await db.admin().command({ serverStatus: 1 })) as { opcounters: Record<string, unknown> };
  return Object.fromEntries(Object.entries(status.opcounters).map(([k, v]) => [k, Number(v)]));
}
/** Operations between two readings; the second reading's own serverStatus is not counted. */
function opsBetween(a: Counters, b: Counters): number {
  return Object.keys(b).reduce((n, k) => n + (b[k]! - (a[k] ?? 0)), 0) - 1;
}

const sinkLines = (file: string): string[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
    : [];
const sinkCount = (file: string) => sinkLines(file).length;

/** The mail an order fact makes due, as the translator names it (kind:orderId) and the sender heads it. */
const MAIL_KIND_OF: Readonly<Record<string, string>> = {
  OrderPlaced: 'order-confirmation',
  OrderShipped: 'shipping-notice',
  OrderCancelled: 'cancellation-notice',
};

/**
 * Commit→SMTP-accept latency of each mail: from the shop's commit of the fact that made it due to the
 * sink's receipt of the message (matched by its X-Mailfleet-Mail-Id), for the sink's lines from `from`.
 */
function latencies(
  committed: readonly CommittedFact[],
  lines: readonly string[],
): { values: number[]; unmatched: number } {
  const acceptedAt = new Map<string, number>();
  for (const line of lines) {
    const m = JSON.parse(line) as { receivedAt: string; headers: Record<string, string> };
    const id = m.headers['x-mailfleet-mail-id'];
    if (id !== undefined && !acceptedAt.has(id)) acceptedAt.set(id, Date.parse(m.receivedAt));
  }
  const values: number[] = [];
  let unmatched = 0;
  for (const fact of committed) {
    const kind = MAIL_KIND_OF[fact.eventType];
    if (kind === undefined) continue;
    const at = acceptedAt.get(`${kind}:${fact.key}`);
    if (at === undefined) unmatched++;
    else values.push(at - fact.committedAt);
  }
  return { values, unmatched };
}

/** Each fleet process's MongoDB commands by name, from its `mongodb_commands_total` counter. */
async function commandsByProcess(
  names: readonly string[],
  ports: readonly number[],
): Promise<Map<string, Counters>> {
  const out = new Map<string, Counters>();
  await Promise.all(
    ports.map(async (port, i) => {
      const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
      const counts: Counters = {};
      for (const m of text.matchAll(/^mongodb_commands_total\{([^}]*)\} (\S+)$/gm)) {
        const command = /command="([^"]+)"/.exec(m[1]!)?.[1] ?? '?';
        counts[command] = Number(m[2]);
      }
      out.set(names[i]!, counts);
    }),
  );
  return out;
}

/** Per process, commands per mail between two scrapes, the largest first: where the round trips go. */
function perMailBreakdown(a: Map<string, Counters>, b: Map<string, Counters>, mails: number): string[] {
  return [...b.entries()].map(([name, after]) => {
    const before = a.get(name) ?? {};
    const deltas = Object.entries(after)
      .map(([k, v]) => [k, (v - (before[k] ?? 0)) / mails] as const)
      .filter(([, v]) => v >= 0.05)
      .sort((x, y) => y[1] - x[1]);
    const total = deltas.reduce((n, [, v]) => n + v, 0);
    return `| ${name} | ${total.toFixed(1)} | ${deltas.map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')} |`;
  });
}

/** Raw floor: one insert, one find and one update of the same document, one after another, per document. */
async function rawMongo(db: Db, n: number): Promise<{ roundTripsPerSecond: number }> {
  const c = db.collection<{ _id: number; v: number }>('raw_floor');
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    await c.insertOne({ _id: i, v: 0 });
    await c.findOne({ _id: i });
    await c.updateOne({ _id: i }, { $set: { v: 1 } });
  }
  return { roundTripsPerSecond: (3 * n) / ((performance.now() - t0) / 1000) };
}

async function main(): Promise<void> {
  const opts = new Command('bench pipeline')
    .option('--orders <n>', 'orders to place', (v) => Number(v), 200)
    .option('--fleet-root <dir>', 'run the services of this checkout', repoRoot)
    .option('--label <text>', 'name of this run in docs/benchmarks.md', 'current')
    .option('--idle-seconds <n>', 'how long the idle fleet is measured', (v) => Number(v), 30)
    .option('--shop-concurrency <n>', 'commands the shop runs side by side (the load)', (v) => Number(v), 4)
    .option(
      '--sender-rate <n>',
      "the sender's rate limit, mails/s (its default is 20)",
      (v) => Number(v),
      200,
    )
    .option('--sender-concurrency <n>', 'SMTP attempts in flight (its default is 5)', (v) => Number(v), 10)
    .option(
      '--latency-orders <n>',
      'orders placed at half of the measured saturation for the latency figures',
      (v) => Number(v),
      300,
    )
    .parse()
    .opts<{
      orders: number;
      fleetRoot: string;
      label: string;
      idleSeconds: number;
      shopConcurrency: number;
      senderRate: number;
      senderConcurrency: number;
      latencyOrders: number;
    }>();
  const fleetRoot = path.resolve(opts.fleetRoot);
  const stack = await startPrivateStack(
    repoRoot,
    mkdtempSync(path.join(os.tmpdir(), 'mailfleet-bench-')),
    () => undefined,
  );
  const mongo = new MongoClient(stack.endpoints.mongoUrl);
  await mongo.connect();
  const prefix = `bench_${Date.now().toString(36)}`;
  const dbs = {
    shop: `${prefix}_shop`,
    translator: `${prefix}_translator`,
    sender: `${prefix}_sender`,
    projections: `${prefix}_projections`,
  };
  const shop = await createShopFixture({
    mongoUrl: stack.endpoints.mongoUrl,
    registryUrl: stack.endpoints.schemaRegistryUrl,
    dbName: dbs.shop,
  });
  const fleet = await superviseFleet({
    repoRoot: fleetRoot,
    logDir: path.join(stack.dir, 'logs'),
    // The limits are lifted so that the pipeline, not a configured rate, is what is measured.
    specs: fleetSpecs(dbs, stack.endpoints.smtp, {
      SENDER_RATE_PER_SECOND: String(opts.senderRate),
      SENDER_CONCURRENCY: String(opts.senderConcurrency),
    }),
    instances: 1,
    env: stack.fleetEnv,
  });
  try {
    await waitFleetReady(fleet.opsPorts, 180_000);
    const admin = mongo.db('admin');
    // Start-up work (indexes, first leases, group joins) is not idle: let it settle first.
    await sleep(20_000);
    const idleA = await opcounters(admin);
    await sleep(opts.idleSeconds * 1000);
    const idleB = await opcounters(admin);
    const idlePerSecond = opsBetween(idleA, idleB) / opts.idleSeconds;
    const idleByKind = Object.keys(idleB)
      .map((k) => [k, (idleB[k]! - (idleA[k] ?? 0) - (k === 'command' ? 1 : 0)) / opts.idleSeconds] as const)
      .filter(([, v]) => v > 0)
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(', ');

    const commandsBefore = await commandsByProcess(fleet.names, fleet.opsPorts);
    const before = await opcounters(admin);
    const t0 = Date.now();
    const summary = await generateLoad(shop.shop, {
      orders: opts.orders,
      seed: 4242,
      shipRatio: 0.6,
      cancelRatio: 0.15,
      idPrefix: prefix,
      concurrency: opts.shopConcurrency,
    });
    const loadSeconds = (Date.now() - t0) / 1000;
    const mails = summary.committed.filter((f) => f.eventType.startsWith('Order')).length;
    // The sink's message store on disk: counting it does not load the measured servers.
    for (;;) {
      if (sinkCount(stack.sinkMessagesFile) >= mails) break;
      if (Date.now() - t0 > 30 * 60_000)
        throw new Error(`only ${sinkCount(stack.sinkMessagesFile)} of ${mails} mails after 30 min`);
      await sleep(250);
    }
    const seconds = (Date.now() - t0) / 1000;
    const after = await opcounters(admin);
    const commandsAfter = await commandsByProcess(fleet.names, fleet.opsPorts);
    const ops = opsBetween(before, after) - idlePerSecond * seconds;
    const raw = await rawMongo(mongo.db(`${prefix}_raw`), 300);

    // Latency at half of the saturation just measured: the shop paced so that mails fall due at half
    // the rate the fleet delivered them flat out (its commands per mail taken from the first load).
    const halfMailsPerSecond = mails / seconds / 2;
    const commandRate = (halfMailsPerSecond * summary.committed.length) / mails;
    const sinkBefore = sinkCount(stack.sinkMessagesFile);
    const paced = await generateLoad(shop.shop, {
      orders: opts.latencyOrders,
      seed: 4343,
      shipRatio: 0.6,
      cancelRatio: 0.15,
      idPrefix: `${prefix}-lat`,
      concurrency: opts.shopConcurrency,
      rate: commandRate,
    });
    const pacedMails = paced.committed.filter((f) => MAIL_KIND_OF[f.eventType] !== undefined).length;
    const tPaced = Date.now();
    while (sinkCount(stack.sinkMessagesFile) < sinkBefore + pacedMails) {
      if (Date.now() - tPaced > 10 * 60_000) throw new Error('the paced load was not delivered in 10 min');
      await sleep(250);
    }
    const latency = latencies(paced.committed, sinkLines(stack.sinkMessagesFile).slice(sinkBefore));
    if (latency.unmatched > 0)
      throw new Error(`${latency.unmatched} paced mails not found in the sink by X-Mailfleet-Mail-Id`);
    const ms = (p: number) => `${percentile(latency.values, p).toFixed(0)} ms`;

    const opsPerMail = ops / mails;
    const mailsPerSecond = mails / seconds;
    const table = [
      `### Pipeline — ${opts.label}`,
      '',
      `\`npm run bench -- pipeline --orders ${opts.orders} --label ${opts.label}\` (shop ${opts.shopConcurrency} commands side by side; sender ${opts.senderRate} mails/s, ${opts.senderConcurrency} in flight) — ${new Date().toISOString().slice(0, 10)}, ${describeMachine()}; fleet from ${path.relative(repoRoot, fleetRoot) || 'this checkout'}.`,
      '',
      '| measure | value |',
      '| --- | --- |',
      `| orders / mails | ${opts.orders} / ${mails} (${summary.committed.length} committed shop facts; the shop placed them in ${loadSeconds.toFixed(1)} s) |`,
      `| idle fleet | ${idlePerSecond.toFixed(1)} MongoDB operations/s over ${opts.idleSeconds} s (${idleByKind}) |`,
      `| **MongoDB operations per delivered mail** (idle subtracted, the shop's writes included) | **${opsPerMail.toFixed(1)}** |`,
      `| mails/s end to end (first command to last mail in the sink) | ${mailsPerSecond.toFixed(2)} |`,
      `| raw MongoDB floor: insert + find + update of one document, sequential | ${raw.roundTripsPerSecond.toFixed(0)} round trips/s |`,
      `| fleet's MongoDB operations/s under load vs the raw floor | ${(ops / seconds / raw.roundTripsPerSecond).toFixed(2)} |`,
      `| commit→SMTP-accept latency at half of that saturation (${pacedMails} mails due at ${halfMailsPerSecond.toFixed(1)}/s; the shop's commit of the fact to the sink's receipt of its mail) | p50 ${ms(50)}, p99 ${ms(99)}, max ${ms(100)} |`,
      '',
      ...([...commandsAfter.values()].some((c) => Object.keys(c).length > 0)
        ? [
            'Commands per delivered mail by process (their `mongodb_commands_total`, idle not subtracted; the shop is the rest):',
            '',
            '| process | commands per mail | by command |',
            '| --- | --- | --- |',
            ...perMailBreakdown(commandsBefore, commandsAfter, mails),
          ]
        : ['(No per-process breakdown: that fleet has no `mongodb_commands_total` counter.)']),
      '',
    ].join('\n');
    console.log(table);
    writeSection(`pipeline-${opts.label}`, table);
  } finally {
    await fleet.stop();
    await shop.close();
    await mongo.close();
    await stack.down();
    rmSync(stack.dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error('bench pipeline:', err);
  process.exit(1);
});
