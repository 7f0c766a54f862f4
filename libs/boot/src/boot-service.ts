// What every service process does before its own work and after it: validated config (or a clear message
// and exit 2), pino logger, /healthz /readyz /metrics, MongoDB with command metrics, shutdown on SIGTERM
// in reverse order of start (log flushed last), and a fatal exit when a consumer gives up.
import { MongoClient, type MongoClientOptions } from 'mongodb';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import { loadConfigOrExit, type BaseServiceEnv } from '@mailfleet/config';
import type { Logger } from '@mailfleet/logger';
import {
  countMongoCommands,
  mongoCommandMonitoring,
  startServiceShell,
  type ReadinessCheck,
} from '@mailfleet/observability';

/** The settings every process has, Kafka or not (the dashboard reads MongoDB only). */
export type BootEnv = Pick<BaseServiceEnv, 'LOG_LEVEL' | 'LOG_FORMAT' | 'OPS_PORT' | 'MONGO_URL'>;

export interface ServiceBoot<C extends BootEnv> {
  readonly service: string;
  readonly config: C;
  readonly logger: Logger;
  readonly metrics: Registry;
  /** Aborted when shutdown begins: pauses and retry loops end on it. */
  readonly signal: AbortSignal;
  /** Sets a readiness check declared at boot; until set, it reports not ready. */
  ready(name: string, check: ReadinessCheck): void;
  /** Work to do on shutdown; hooks run in reverse order of registration (the clients opened first close last). */
  onShutdown(hook: () => Promise<void>): void;
  /**
   * A MongoClient whose commands are counted in /metrics, closed on shutdown; connected unless
   * `connect: false` (a service that retries its first operation itself, like the relay).
   */
  mongo(options?: MongoClientOptions, how?: { connect: boolean }): Promise<MongoClient>;
  /** Exits non-zero, logged as fatal, when `crashed` settles with the error that ended `what`. */
  exitOn(crashed: Promise<unknown>, what: string): void;
}

export async function bootService<S extends z.ZodType<BootEnv>>(
  service: string,
  schema: S,
  options: { readiness: readonly string[] },
): Promise<ServiceBoot<z.infer<S>>> {
  const config = loadConfigOrExit(service, schema);
  const checks: Record<string, ReadinessCheck> = Object.fromEntries(
    options.readiness.map((name) => [name, () => false]),
  );
  const shell = await startServiceShell({
    service,
    logLevel: config.LOG_LEVEL,
    logFormat: config.LOG_FORMAT,
    opsPort: config.OPS_PORT,
    readiness: checks,
  });
  const { logger } = shell;
  return {
    service,
    config,
    logger,
    metrics: shell.metrics,
    signal: shell.signal,
    ready(name, check) {
      if (!(name in checks)) throw new Error(`readiness check '${name}' was not declared at boot`);
      checks[name] = check;
    },
    onShutdown: (hook) => shell.onShutdown(hook),
    async mongo(mongoOptions = {}, how = { connect: true }) {
      const client = new MongoClient(config.MONGO_URL, {
        appName: service,
        ...mongoCommandMonitoring,
        ...mongoOptions,
      });
      countMongoCommands(client, shell.metrics);
      shell.onShutdown(() => client.close());
      if (how.connect) await client.connect();
      return client;
    },
    exitOn(crashed, what) {
      void crashed.then((err) => {
        logger.fatal({ err }, `${what} crashed`);
        logger.flush();
        process.exit(1);
      });
    },
  };
}
