import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import type { Logger } from '@mailfleet/logger';
import { kafkajsLogLevel } from './kafkajs-log';

export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** TLS to the brokers; `ca` is PEM text (read from a file by the config layer). */
  readonly tls?: { readonly ca?: string; readonly rejectUnauthorized?: boolean } | undefined;
  readonly sasl?:
    | {
        readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
        readonly username: string;
        readonly password: string;
      }
    | undefined;
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose own logs go through pino (warnings and errors only, see kafkajs-log.ts). */
export function createKafka(connection: KafkaConnection, logger?: Logger): Kafka {
  const config: KafkaConfig = {
    clientId: connection.clientId,
    brokers: [...connection.brokers],
    logLevel: logger ? logLevel.WARN : logLevel.NOTHING,
    retry: { initialRetryTime: 300, retries: 10 },
  };
  if (connection.tls) config.ssl = { ...connection.tls };
  if (connection.sasl) config.sasl = { ...connection.sasl } as SASLOptions;
  if (logger) {
    config.logCreator =
      () =>
      ({ level, log }) => {
        const { message, ...extra } = log;
        const pinoLevel = kafkajsLogLevel(LEVELS[level] ?? 'info', String(message), extra['error']);
        logger[pinoLevel]({ kafkajs: extra }, `kafkajs: ${message}`);
      };
  }
  return new Kafka(config);
}
