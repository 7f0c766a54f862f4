import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePort } from './helpers';

test('freePort: distinct ports outside the ephemeral range that a server can listen on', async () => {
  const ports: number[] = [];
  for (let i = 0; i < 20; i++) ports.push(await freePort());
  expect(new Set(ports).size).toBe(ports.length);
  const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
    .trim()
    .split(/\s+/)
    .map(Number);
  for (const port of ports) expect(port < (lo as number) || port > (hi as number)).toBe(true);
  for (const port of ports)
    await new Promise<void>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(port, '0.0.0.0', () => server.close(() => resolve()));
    });
});
