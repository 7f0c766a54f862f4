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
      env: { MONGO_DB: 'mailfleet_translator' },
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
      env: { MONGO_DB: 'mailfleet_sender' },
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
      env: { MONGO_DB: 'mailfleet_feedback' },
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
