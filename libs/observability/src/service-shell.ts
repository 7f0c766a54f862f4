import type { Server } from 'node:http';
import { createLogger, type Logger } from '@mailfleet/logger';
import type { Registry } from 'prom-client';
import { createMetricsRegistry, startOpsServer, type ReadinessCheck } from './ops-server';

export interface ServiceShell {
  readonly logger: Logger;
  readonly metrics: Registry;
  /** Registers work to do on SIGTERM/SIGINT; hooks run in reverse order of registration. */
  onShutdown(hook: () => Promise<void>): void;
  /** Aborted when shutdown begins, before the hooks run: pauses and retry loops end on it. */
  readonly signal: AbortSignal;
}

/**
 * What every service process has: a logger, a metrics registry, the ops endpoints, one handler for
 * SIGTERM (drain, then exit 0) and one for the unrecoverable (log, exit non-zero).
 */
export async function startServiceShell(options: {
  service: string;
  logLevel: string;
  logFormat?: 'json' | 'pretty';
  opsPort: number;
  readiness: Readonly<Record<string, ReadinessCheck>>;
}): Promise<ServiceShell> {
  const logger = createLogger(options.service, options.logLevel, undefined, options.logFormat);
  const metrics = createMetricsRegistry(options.service);
  const hooks: (() => Promise<void>)[] = [];
  const ops: Server = await startOpsServer({
    port: options.opsPort,
    registry: metrics,
    readiness: options.readiness,
  });
  hooks.push(() => new Promise((resolve) => ops.close(() => resolve())));

  const stopping = new AbortController();
  const shutdown = async (signal: string) => {
    if (stopping.signal.aborted) return;
    stopping.abort(new Error(`shutting down (${signal})`));
    logger.info({ signal }, 'shutting down');
    for (const hook of [...hooks].reverse()) {
      await hook().catch((err: unknown) => logger.error({ err }, 'shutdown step failed'));
    }
    logger.info('stopped');
    logger.flush();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  const die = (kind: string) => (err: unknown) => {
    logger.fatal({ err }, kind);
    logger.flush();
    process.exit(1);
  };
  process.on('uncaughtException', die('uncaught exception'));
  process.on('unhandledRejection', die('unhandled rejection'));

  logger.info({ opsPort: options.opsPort }, 'started');
  return { logger, metrics, onShutdown: (hook) => hooks.push(hook), signal: stopping.signal };
}
