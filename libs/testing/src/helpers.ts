import { setTimeout as sleep } from 'node:timers/promises';
import { stackEndpoints } from '@mailfleet/config';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
    await sleep(100);
  }
}

/**
 * Where test servers may listen: below (or above) the kernel's ephemeral range. A port the kernel handed
 * out for `listen(0)` is one it may hand out next to any outgoing connection, so a server restarted on it
 * can find it taken: in the 10,000-order chaos run a killed relay could not bind its ops port again for
 * 37 minutes (EADDRINUSE, 588 restarts), because a client connection had been given that port meanwhile.
 * `rangeText` is /proc/sys/net/ipv4/ip_local_port_range ("32768\t60999"); undefined without one.
 */
export function testPortRange(rangeText: string | undefined): { low: number; high: number } | undefined {
  const [lo, hi] = (rangeText ?? '').trim().split(/\s+/).map(Number);
  if (!Number.isInteger(lo) || !Number.isInteger(hi)) return undefined;
  const below = { low: 20_000, high: (lo as number) - 1 };
  const above = { low: (hi as number) + 1, high: 65_535 };
  const size = (r: { low: number; high: number }) => r.high - r.low + 1;
  const best = size(below) >= size(above) ? below : above;
  return size(best) >= 1_000 ? best : undefined;
}

const handedOut = new Set<number>();
/** Read once per process: the kernel setting does not change under a test run. */
let portRange: { range: ReturnType<typeof testPortRange> } | undefined;

function ephemeralRangeText(): string | undefined {
  try {
    return readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
  } catch {
    return undefined;
  }
}

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * A TCP port that nothing listens on right now, outside the ephemeral range where the system has one
 * (testPortRange), and not handed out before by this process. Free on every address (0.0.0.0), since
 * the services' ops servers listen there.
 */
export async function freePort(): Promise<number> {
  const range = (portRange ??= { range: testPortRange(ephemeralRangeText()) }).range;
  for (let tries = 0; range && tries < 200; tries++) {
    const port = range.low + Math.floor(Math.random() * (range.high - range.low + 1));
    if (handedOut.has(port) || !(await canListen(port, '0.0.0.0'))) continue;
    handedOut.add(port);
    return port;
  }
  // No such range here (not Linux): whatever the kernel gives.
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
