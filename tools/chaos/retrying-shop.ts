// The shop as a careful upstream runs it during an outage: a command that failed because MongoDB was
// unreachable is tried again (and only that). A retry that finds its own earlier write (duplicate key) means the first
// try committed after all; the oracle reads what committed from the shop's database, so either way the
// truth is there.
import { MongoError, MongoServerError } from 'mongodb';
import type { ShopService } from '@mailfleet/example-orders';
import { backoffDelay, pause } from '@mailfleet/retry';

export function retryingShop(shop: ShopService, attempts = 60): ShopService {
  return new Proxy(shop, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } catch (err) {
            if (err instanceof MongoServerError && err.code === 11000) return 'committed-by-an-earlier-try';
            // Only MongoDB being unreachable or busy is worth another try; the shop's own refusals are answers.
            if (!(err instanceof MongoError)) throw err;
            if (attempt >= attempts) throw err;
            await pause(backoffDelay(attempt - 1, { initialMs: 250, maxMs: 5_000, jitter: 'equal' }));
          }
        }
      };
    },
  });
}
