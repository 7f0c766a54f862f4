import type { MongoClient, MongoClientOptions } from 'mongodb';
import { Counter, type Registry } from 'prom-client';

/** Client options that make the driver report each command it sends (needed by countMongoCommands). */
export const mongoCommandMonitoring: MongoClientOptions = { monitorCommands: true };

/**
 * Counts the commands this process sends to MongoDB, by command name (`mongodb_commands_total`). Round
 * trips are what the fleet pays for per mail; this counter tells which service spends them. The
 * driver's own monitoring (hello, heartbeats) is not a command and is not counted.
 */
export function countMongoCommands(client: MongoClient, registry: Registry): void {
  const commands = new Counter({
    name: 'mongodb_commands_total',
    help: 'Commands this process sent to MongoDB, by command name',
    labelNames: ['command'],
    registers: [registry],
  });
  client.on('commandStarted', (event) => commands.inc({ command: event.commandName }));
}
