import { stackEndpoints } from '@mailfleet/config';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';

/** The MongoDB every test uses: MONGO_URL when set (a real replica set), else the local stack's server. */
export const mongoUrl = (): string => stackEndpoints().mongoUrl;

/** The Kafka brokers of the local stack (or KAFKA_BROKERS). */
export const kafkaBrokers = (): string[] => stackEndpoints().kafkaBrokers;

/** The schema registry of the local stack (or SCHEMA_REGISTRY_URL). */
export const schemaRegistryUrl = (): string => stackEndpoints().schemaRegistryUrl;

/** A name no other test uses, so tests never see each other's topics, groups or databases. */
export const uniqueName = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 12)}`;

/** Polls `probe` until it returns a value other than undefined, or fails with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
