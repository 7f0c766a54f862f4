// How far a projection version is behind: the records it still has to apply, over every partition of its
// topics. Used by the projector to switch a rebuild and by the ops CLI to show it.
import type { Admin } from 'kafkajs';
import type { ProjectionStore } from './projection-store';

export async function projectionLag(
  admin: Admin,
  store: ProjectionStore,
  topics: readonly string[],
): Promise<number> {
  const checkpoints = new Map((await store.checkpoints()).map((c) => [c._id, BigInt(c.offset)]));
  let lag = 0n;
  for (const topic of topics) {
    for (const o of await admin.fetchTopicOffsets(topic)) {
      const done = checkpoints.get(`${topic}:${o.partition}`) ?? BigInt(o.low) - 1n;
      const remaining = BigInt(o.high) - 1n - done;
      if (remaining > 0n) lag += remaining;
    }
  }
  return Number(lag);
}
