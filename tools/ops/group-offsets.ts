// A consumer group's position on each partition it has read, against the partition's end: its lag.
import type { Admin } from 'kafkajs';

export interface PartitionPosition {
  readonly topic: string;
  readonly partition: number;
  /** The next offset the group reads; null when it never committed on this partition. */
  readonly committed: bigint | null;
  readonly low: bigint;
  readonly high: bigint;
  readonly lag: bigint;
}

export interface GroupMember {
  readonly clientId: string;
  readonly host: string;
}

export interface GroupState {
  readonly group: string;
  readonly state: string;
  readonly members: readonly GroupMember[];
}

export async function describeGroup(admin: Admin, group: string): Promise<GroupState> {
  const [described] = (await admin.describeGroups([group])).groups;
  return {
    group,
    state: described?.state ?? 'Dead',
    members: (described?.members ?? []).map((m) => ({ clientId: m.clientId, host: m.clientHost })),
  };
}

/** Positions of `group` on `topics` (every topic it committed on when none are given). */
export async function groupPositions(
  admin: Admin,
  group: string,
  topics?: readonly string[],
): Promise<PartitionPosition[]> {
  const committed = await admin.fetchOffsets({ groupId: group, ...(topics ? { topics: [...topics] } : {}) });
  const positions: PartitionPosition[] = [];
  for (const t of committed) {
    const ends = new Map((await admin.fetchTopicOffsets(t.topic)).map((o) => [o.partition, o]));
    for (const p of t.partitions) {
      const end = ends.get(p.partition);
      const low = BigInt(end?.low ?? '0');
      const high = BigInt(end?.high ?? '0');
      const at = BigInt(p.offset) >= 0n ? BigInt(p.offset) : null;
      positions.push({
        topic: t.topic,
        partition: p.partition,
        committed: at,
        low,
        high,
        lag: high - (at ?? low),
      });
    }
  }
  return positions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}
