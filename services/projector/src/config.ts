import { z } from 'zod';
import { baseServiceEnvSchema, consumerFetchEnv } from '@mailfleet/config';

const TOPIC_KEYS = ['orders', 'customers', 'mailRequested', 'mailEvents'] as const;
export type TopicKey = (typeof TOPIC_KEYS)[number];

/** "group=topicKey+topicKey,…": the consumer groups whose lag the dashboard shows. */
function parseWatchedGroups(text: string, ctx: z.RefinementCtx) {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const [group, topics] = entry.split('=');
      const keys = (topics ?? '').split('+').filter(Boolean);
      const bad = keys.filter((k) => !(TOPIC_KEYS as readonly string[]).includes(k));
      if (!group || keys.length === 0 || bad.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `"${entry}" is not group=topic+topic with topics from ${TOPIC_KEYS.join(', ')}`,
        });
      }
      return { group: group ?? '', topics: keys as TopicKey[] };
    });
}

const parseList = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** Everything the projector reads from the environment (docs/projector.md). */
export const projectorEnvSchema = baseServiceEnvSchema.extend({
  ...consumerFetchEnv,
  MONGO_DB: z.string().min(1).default('mailfleet_projections'),
  CONSUMER_GROUP: z.string().min(1).default('projector'),
  PROJECTOR_CHUNK_SIZE: z.coerce.number().int().min(1).max(5000).default(1000),
  PROJECTOR_SWITCH_MAX_LAG: z.coerce.number().int().min(0).default(100),
  PROJECTOR_DROP_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  PROJECTOR_CONTROL_INTERVAL_MS: z.coerce.number().int().min(50).default(5_000),
  PROJECTOR_HEALTH_INTERVAL_MS: z.coerce.number().int().min(100).default(15_000),
  PROJECTOR_WATCH_GROUPS: z
    .string()
    .default('translator=orders+customers,sender=mailRequested')
    .transform(parseWatchedGroups),
  PROJECTOR_OUTBOX_DBS: z
    .string()
    .default('mailfleet_orders,mailfleet_translator,mailfleet_sender,mailfleet_feedback')
    .transform(parseList),
});
export type ProjectorConfig = z.infer<typeof projectorEnvSchema>;
