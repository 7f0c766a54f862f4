// A store that deduplicates a topic's records by id must remember each id for as long as the topic keeps
// the record: forget it sooner, and a replay from the earliest offset sees the record as new and acts on
// it again (sends the mail twice). Services with a retention setting check it against the topic's own
// retention.ms at start, and refuse to run with one that is shorter.
import { ConfigResourceTypes, type Admin } from 'kafkajs';

/** The topic's retention.ms as the broker has it; -1 is forever. */
export async function topicRetentionMs(admin: Admin, topic: string): Promise<number> {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }],
  });
  const value = resources[0]?.configEntries.find((e) => e.configName === 'retention.ms')?.configValue;
  const ms = Number(value);
  if (value === undefined || !Number.isFinite(ms)) throw new Error(`cannot read retention.ms of ${topic}`);
  return ms;
}

/**
 * Why keeping records for `keptMs` (null: forever) is not enough for a topic kept `topicRetentionMs`
 * (-1: forever), or null when it is.
 */
export function retentionProblem(args: {
  readonly setting: string;
  readonly keptMs: number | null;
  readonly topic: string;
  readonly topicRetentionMs: number;
}): string | null {
  if (args.keptMs === null) return null;
  const days = (ms: number) => `${Math.round((ms / 86_400_000) * 10) / 10} days`;
  if (args.topicRetentionMs < 0)
    return `${args.setting} keeps records ${days(args.keptMs)}, but ${args.topic} keeps its records forever: a replay from the earliest offset would act on records whose ids were forgotten. Set ${args.setting}=forever, or give the topic a retention.`;
  if (args.keptMs < args.topicRetentionMs)
    return `${args.setting} keeps records ${days(args.keptMs)}, shorter than ${args.topic}'s retention (${days(args.topicRetentionMs)}): a replay from the earliest offset would act on records whose ids were forgotten. Keep them at least as long as the topic does.`;
  return null;
}
