// Drives the example shop: customers, orders, shipments, cancellations, with a share of commands
// rolled back on purpose. Deterministic for a given seed, so tests know exactly what was committed.
import { AbortedOnPurpose, type ShopService } from './shop-service';

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
  readonly onProgress?: (done: number, total: number) => void;
}

export interface CommittedFact {
  readonly eventId: string;
  readonly eventType: string;
  readonly key: string;
}

export interface LoadSummary {
  readonly committed: readonly CommittedFact[];
  readonly aborted: number;
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

const PRODUCTS = [
  { sku: 'TEA-GREEN-100', name: 'Green tea, 100 g', unitPriceMinor: 750 },
  { sku: 'MUG-BLUE', name: 'Blue mug', unitPriceMinor: 1299 },
  { sku: 'KETTLE-1L', name: 'Kettle, 1 l', unitPriceMinor: 3499 },
];

export async function generateLoad(shop: ShopService, options: LoadOptions): Promise<LoadSummary> {
  const random = seeded(options.seed ?? 1);
  const prefix = options.idPrefix ?? 'x';
  const committed: CommittedFact[] = [];
  let aborted = 0;
  const interval = options.rate ? 1000 / options.rate : 0;
  let next = Date.now();
  const customers = Math.max(1, Math.ceil(options.orders / 3));
  const total = customers + options.orders;
  let done = 0;

  const run = async (eventType: string, key: string, command: (abort: boolean) => Promise<string>) => {
    if (interval > 0) {
      next += interval;
      const wait = next - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const abort = random() < (options.abortRatio ?? 0);
    try {
      committed.push({ eventId: await command(abort), eventType, key });
    } catch (err) {
      if (!(err instanceof AbortedOnPurpose)) throw err;
      aborted++;
    }
  };

  for (let c = 0; c < customers; c++) {
    const customerId = `${prefix}-c${c}`;
    await run('CustomerRegistered', customerId, (abort) =>
      shop.registerCustomer(
        {
          customerId,
          email: `${customerId}@example.test`,
          name: `Customer ${c}`,
          locale: c % 2 === 0 ? 'en' : 'de',
        },
        { abort },
      ),
    );
    options.onProgress?.(++done, total);
  }
  for (let o = 0; o < options.orders; o++) {
    const orderId = `${prefix}-o${o}`;
    const customerId = `${prefix}-c${Math.floor(random() * customers)}`;
    const product = PRODUCTS[Math.floor(random() * PRODUCTS.length)] ?? PRODUCTS[0]!;
    const quantity = 1 + Math.floor(random() * 3);
    const subtotal = quantity * product.unitPriceMinor;
    const placedBefore = committed.length;
    await run('OrderPlaced', orderId, (abort) =>
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
    const placed = committed.length > placedBefore;
    const roll = random();
    if (placed && roll < (options.cancelRatio ?? 0.1)) {
      await run('OrderCancelled', orderId, (abort) =>
        shop.cancelOrder(orderId, customerId, 'Customer changed their mind', { abort }),
      );
    } else if (placed && roll < (options.cancelRatio ?? 0.1) + (options.shipRatio ?? 0.6)) {
      await run('OrderShipped', orderId, (abort) =>
        shop.shipOrder(orderId, customerId, 'DHL', `TRK${o}`, { abort }),
      );
    }
    options.onProgress?.(++done, total);
  }
  return { committed, aborted };
}
