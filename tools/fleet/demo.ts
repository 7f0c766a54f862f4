// npm run demo: the example shop places a stream of orders — customers, shipments, cancellations, some
// commands rolled back on purpose — through its outbox, with a progress bar, then says where to look.
// Run `npm start` first (in another terminal) so the fleet turns the events into mail.
import path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { createShopFixture, generateLoad } from '@mailfleet/example-orders';
import { stackEndpoints } from '@mailfleet/config';
import { dashboardAccess } from './fleet-secrets';
import { SHOP_DB } from './fleet-processes';
import { mailpitUiUrl } from './mailpit';
import { firstSentOrder } from './sent-order';

const repoRoot = path.resolve(__dirname, '..', '..');

const positive = (name: string, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new InvalidArgumentError(`${name} must be a whole number from 1 to ${max}.`);
  return n;
};

async function main(): Promise<void> {
  const options = new Command('demo')
    .description('Place a stream of example orders through the shop service; the running fleet mails them.')
    .option('-n, --orders <count>', 'orders to place', positive('--orders', 100_000), 200)
    .option('-r, --rate <per-second>', 'shop commands per second', positive('--rate', 10_000), 20)
    .option(
      '-s, --seed <number>',
      'seed of the load (same seed, same load)',
      positive('--seed', 2 ** 31),
      Date.now() % 100_000,
    )
    .parse()
    .opts<{ orders: number; rate: number; seed: number }>();

  const stack = stackEndpoints();
  const shop = await createShopFixture({
    mongoUrl: stack.mongoUrl,
    registryUrl: stack.schemaRegistryUrl,
    dbName: SHOP_DB,
  }).catch((err: unknown) => {
    console.error(
      `demo: cannot reach the local stack (${err instanceof Error ? err.message : String(err)}).\n` +
        'Start the fleet first: npm start',
    );
    process.exit(1);
  });
  const bar = new SingleBar(
    {
      format: 'placing orders |{bar}| {percentage}% · {value}/{total} commands · eta {eta_formatted}',
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  let started = false;
  const summary = await generateLoad(shop.shop, {
    orders: options.orders,
    seed: options.seed,
    rate: options.rate,
    interleave: true,
    abortRatio: 0.05,
    shipRatio: 0.6,
    cancelRatio: 0.15,
    // The same seed gives the same load shape; the ids are new every run, so runs never collide.
    idPrefix: `demo-${Date.now().toString(36)}`,
    onProgress: (done, total) => {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
  });
  bar.stop();
  await shop.close();
  const access = dashboardAccess(repoRoot);
  const facts = summary.committed;
  const count = (type: string) => facts.filter((f) => f.eventType === type).length;
  const orderIds = facts.filter((f) => f.eventType === 'OrderPlaced').map((f) => f.key);
  // Suggest an order whose mail went out: the first ones may still be waiting for their customer.
  process.stdout.write('waiting for the first mail to be sent ');
  const sentOrder = await firstSentOrder(stack.mongoUrl, orderIds, 120_000, () => process.stdout.write('.'));
  process.stdout.write('\n');
  console.log(
    [
      '',
      `committed ${facts.length} events (${count('CustomerRegistered')} customers, ${count('OrderPlaced')} orders, ` +
        `${count('OrderShipped')} shipments, ${count('OrderCancelled')} cancellations); ${summary.aborted} commands rolled back on purpose, never published`,
      '',
      `  dashboard:  ${access.url}`,
      sentOrder
        ? `              search for order ${sentOrder} (its mail was sent)`
        : '              no mail of these orders was sent within 2 minutes: is the fleet running (npm start)?',
      `  the mails:  ${mailpitUiUrl()}   (Mailpit; production sends through your SMTP server)`,
      '',
    ]
      .filter((l) => l !== '')
      .join('\n'),
  );
}

main().catch((err: unknown) => {
  console.error('demo:', err instanceof Error ? err.message : err);
  process.exit(1);
});
