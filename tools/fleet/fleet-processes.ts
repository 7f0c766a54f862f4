// The fleet as `npm start` runs it on the local stack: every service, and an outbox relay for every
// database with an outbox (the example shop's included, so the demo's events reach Kafka).
import { stackEndpoints } from '@mailfleet/config';

export interface FleetProcess {
  readonly name: string;
  readonly entry: string;
  readonly env: Readonly<Record<string, string>>;
}

// The projector watches this outbox by default (PROJECTOR_OUTBOX_DBS).
export const SHOP_DB = 'mailfleet_orders';

/**
 * The fleet's own outboxes keep nothing once it is safely in Kafka, so an erased customer's events leave
 * them within a minute (docs/privacy.md). A short late-commit margin suits the local stack's short
 * transactions; production keeps the 5-minute default (docker-compose, k8s).
 */
const FLEET_OUTBOX = {
  OUTBOX_RETENTION_HOURS: '0',
  RELAY_SWEEP_MS: '15000',
  RELAY_LATE_COMMIT_MARGIN_MS: '20000',
};

export function fleetProcesses(options: {
  dashboardPort: number;
  dashboardToken: string;
  feedbackPort: number;
  feedbackKey: string;
  /** UNSUBSCRIBE_KEYS of the sender (which seals the links) and the feedback service (which opens them). */
  unsubscribeKeys: string;
  /** Where the sender's List-Unsubscribe links point: the feedback service. */
  unsubscribeUrl: string;
  opsPortBase: number;
  /** Where the sender delivers: Mailpit under `npm start`. */
  smtpPort: number;
}) {
  const stack = stackEndpoints();
  const common = {
    KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
    MONGO_URL: stack.mongoUrl,
    LOG_FORMAT: 'pretty',
  };
  const processes: { name: string; entry: string; env: Record<string, string> }[] = [
    { name: 'relay-shop', entry: 'services/outbox-relay/src/main.ts', env: { MONGO_DB: SHOP_DB } },
    {
      name: 'translator',
      entry: 'services/translator/src/main.ts',
      env: { MONGO_DB: 'mailfleet_translator' },
    },
    {
      name: 'relay-translator',
      entry: 'services/outbox-relay/src/main.ts',
      env: { MONGO_DB: 'mailfleet_translator', ...FLEET_OUTBOX },
    },
    {
      name: 'sender',
      entry: 'services/sender/src/main.ts',
      env: {
        MONGO_DB: 'mailfleet_sender',
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(options.smtpPort),
        SENDER_UNSUBSCRIBE_URL: options.unsubscribeUrl,
        UNSUBSCRIBE_KEYS: options.unsubscribeKeys,
      },
    },
    {
      name: 'relay-sender',
      entry: 'services/outbox-relay/src/main.ts',
      env: { MONGO_DB: 'mailfleet_sender', ...FLEET_OUTBOX },
    },
    {
      name: 'feedback',
      entry: 'services/feedback/src/main.ts',
      env: {
        MONGO_DB: 'mailfleet_feedback',
        FEEDBACK_PORT: String(options.feedbackPort),
        FEEDBACK_WEBHOOK_KEYS: options.feedbackKey,
        UNSUBSCRIBE_KEYS: options.unsubscribeKeys,
      },
    },
    {
      name: 'relay-feedback',
      entry: 'services/outbox-relay/src/main.ts',
      env: { MONGO_DB: 'mailfleet_feedback', ...FLEET_OUTBOX },
    },
    {
      name: 'projector',
      entry: 'services/projector/src/main.ts',
      env: { MONGO_DB: 'mailfleet_projections' },
    },
    {
      name: 'dashboard',
      entry: 'services/dashboard/src/main.ts',
      env: {
        MONGO_DB: 'mailfleet_projections',
        DASHBOARD_PORT: String(options.dashboardPort),
        DASHBOARD_TOKEN: options.dashboardToken,
      },
    },
  ];
  return processes.map((p, i): FleetProcess => ({
    ...p,
    env: { ...common, OPS_PORT: String(options.opsPortBase + i), ...p.env },
  }));
}
