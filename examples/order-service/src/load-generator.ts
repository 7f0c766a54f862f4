// Drives the example shop: customers, orders, shipments, cancellations, with a share of commands
// rolled back on purpose. Deterministic for a given seed, so tests know exactly what was committed.
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortedOnPurpose, UnknownCustomer, type ShopService } from './shop-service';

export interface LoadOptions {
  readonly orders: number;
  readonly seed?: number;
  /** Share of commands that roll back on purpose (0..1). */
  readonly abortRatio?: number;
  readonly shipRatio?: number;
  readonly cancelRatio?: number;
  /** Commands per second; unlimited when absent. */
  readonly rate?: number;
  readonly idPrefix?: string;
  /** Interleave customers and orders at random (orders may come before their customer). */
  readonly interleave?: boolean;
  /** Share of customers who change their e-mail address once after registering (0..1). */
  readonly emailChangeRatio?: number;
  /** Share of customers who opt out of transactional mail (a third of them opt back in later). */
  readonly optOutRatio?: number;
  /** Share of customers whose display name is hostile: address-like, quoted, encoded-word, control bytes. */
  readonly hostileNameRatio?: number;
  /**
   * Entities worked on side by side (not with `interleave`): every customer is registered before the
   * first order, each entity's own steps keep their order. Which commands roll back (`abortRatio`) then
   * depends on timing as well as the seed.
   */
  readonly concurrency?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface CommittedFact {
  readonly eventId: string;
  readonly eventType: string;
  readonly key: string;
  /** The customer the fact is about (the key itself for customer facts). */
  readonly customerId: string;
  /** When the shop's transaction had committed (epoch ms, taken as the command returned). */
  readonly committedAt: number;
}

export interface LoadSummary {
  readonly committed: readonly CommittedFact[];
  readonly aborted: number;
  /** Customer changes the shop refused because the customer's registration had rolled back. */
  readonly refused: number;
}

/** A small seeded PRNG (mulberry32): the same seed gives the same load. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Display names that have redirected or broken mail in other systems: an address with a trailing
 * backslash, a quoted list, an RFC 2047 encoded word, CR/LF, a very long name, right-to-left text.
 */
export const HOSTILE_NAMES: readonly string[] = [
  'attacker@evil.test \\',
  '"Mallory, Eve" <eve@evil.test>',
  '=?utf-8?q?evil=40evil.test?=',
  'Bcc: eve@evil.test\r\nX-Injected: yes',
  'x'.repeat(300),
  '\u202egnissecorp\u202c Müller, 山田',
];

const PRODUCTS = [
  { sku: 'TEA-GREEN-100', name: 'Green tea, 100 g', unitPriceMinor: 750 },
  { sku: 'MUG-BLUE', name: 'Blue mug', unitPriceMinor: 1299 },
  { sku: 'KETTLE-1L', name: 'Kettle, 1 l', unitPriceMinor: 3499 },
];

type Step = () => Promise<void>;

export async function generateLoad(shop: ShopService, options: LoadOptions): Promise<LoadSummary> {
  const random = seeded(options.seed ?? 1);
  const prefix = options.idPrefix ?? 'x';
  const committed: CommittedFact[] = [];
  let aborted = 0;
  let refused = 0;
  const interval = options.rate ? 1000 / options.rate : 0;
  let next = Date.now();
  const customers = Math.max(1, Math.ceil(options.orders / 3));

  const run = async (
    eventType: string,
    key: string,
    customerId: string,
    command: (abort: boolean) => Promise<string>,
  ): Promise<boolean> => {
    if (interval > 0) {
      next += interval;
      const wait = next - Date.now();
      if (wait > 0) await sleep(wait);
    }
    const abort = random() < (options.abortRatio ?? 0);
    try {
      const eventId = await command(abort);
      committed.push({ eventId, eventType, key, customerId, committedAt: Date.now() });
      return true;
    } catch (err) {
      if (err instanceof UnknownCustomer) {
        refused++;
        return false;
      }
      if (!(err instanceof AbortedOnPurpose)) throw err;
      aborted++;
      return false;
    }
  };

  // One sequence of steps per entity; a customer's or an order's own steps keep their order.
  const sequences: Step[][] = [];
  for (let c = 0; c < customers; c++) {
    const customerId = `${prefix}-c${c}`;
    // Each share draws from the seed only when it is asked for, so older seeds keep their load.
    const chance = (ratio: number | undefined) => (ratio ?? 0) > 0 && random() < (ratio ?? 0);
    const hostile = chance(options.hostileNameRatio);
    const name = hostile ? HOSTILE_NAMES[c % HOSTILE_NAMES.length]! : `Customer ${c}`;
    const steps: Step[] = [
      async () => {
        await run('CustomerRegistered', customerId, customerId, (abort) =>
          shop.registerCustomer(
            { customerId, email: `${customerId}@example.test`, name, locale: c % 2 === 0 ? 'en' : 'de' },
            { abort },
          ),
        );
      },
    ];
    if (chance(options.emailChangeRatio)) {
      steps.push(async () => {
        await run('CustomerEmailChanged', customerId, customerId, (abort) =>
          shop.changeEmail(customerId, `${customerId}.new@example.test`, { abort }),
        );
      });
    }
    if (chance(options.optOutRatio)) {
      const optBackIn = random() < 1 / 3;
      steps.push(async () => {
        await run('CustomerMailPreferencesChanged', customerId, customerId, (abort) =>
          shop.changeMailPreferences(customerId, true, false, { abort }),
        );
      });
      if (optBackIn)
        steps.push(async () => {
          await run('CustomerMailPreferencesChanged', customerId, customerId, (abort) =>
            shop.changeMailPreferences(customerId, false, false, { abort }),
          );
        });
    }
    sequences.push(steps);
  }
  for (let o = 0; o < options.orders; o++) {
    const orderId = `${prefix}-o${o}`;
    const customerId = `${prefix}-c${Math.floor(random() * customers)}`;
    const product = PRODUCTS[Math.floor(random() * PRODUCTS.length)] ?? PRODUCTS[0]!;
    const quantity = 1 + Math.floor(random() * 3);
    const subtotal = quantity * product.unitPriceMinor;
    const roll = random();
    let placed = false;
    const steps: Step[] = [
      async () => {
        placed = await run('OrderPlaced', orderId, customerId, (abort) =>
          shop.placeOrder(
            {
              orderId,
              customerId,
              lines: [{ ...product, quantity }],
              currency: 'EUR',
              subtotalMinor: subtotal,
              shippingMinor: 495,
              taxMinor: Math.round(subtotal * 0.19),
              totalMinor: subtotal + 495,
            },
            { abort },
          ),
        );
      },
    ];
    const cancelRatio = options.cancelRatio ?? 0.1;
    if (roll < cancelRatio) {
      steps.push(async () => {
        if (placed)
          await run('OrderCancelled', orderId, customerId, (abort) =>
            shop.cancelOrder(orderId, customerId, 'Customer changed their mind', { abort }),
          );
      });
    } else if (roll < cancelRatio + (options.shipRatio ?? 0.6)) {
      steps.push(async () => {
        if (placed)
          await run('OrderShipped', orderId, customerId, (abort) =>
            shop.shipOrder(orderId, customerId, 'DHL', `TRK${o}`, { abort }),
          );
      });
    }
    sequences.push(steps);
  }

  const total = sequences.reduce((n, s) => n + s.length, 0);
  let done = 0;
  if (options.interleave) {
    // Random interleaving across entities: orders may come before their customer is registered.
    while (sequences.some((s) => s.length > 0)) {
      const open = sequences.filter((s) => s.length > 0);
      const step = open[Math.floor(random() * open.length)]!.shift()!;
      await step();
      options.onProgress?.(++done, total);
    }
  } else {
    // `lanes` workers take the next entity's sequence; customers all before the first order.
    const lanes = Math.max(1, options.concurrency ?? 1);
    const runAll = async (list: Step[][]) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: lanes }, async () => {
          while (next < list.length) {
            for (const step of list[next++]!) {
              await step();
              options.onProgress?.(++done, total);
            }
          }
        }),
      );
    };
    await runAll(sequences.slice(0, customers));
    await runAll(sequences.slice(customers));
  }
  return { committed, aborted, refused };
}
