import { keyCounterId, type OutboxRecord } from './outbox-schema';

/**
 * The records that may be published now, in publishing order: per topic and key, only the unbroken run
 * that follows the last published sequence number. A record whose predecessor is not in hand yet waits
 * for a later round, so a key's records never overtake each other (even if clocks across writers
 * disagree about createdAt). Records already at or below the published mark are re-marked harmlessly.
 */
export function selectPublishable(
  candidates: readonly OutboxRecord[],
  publishedSeq: ReadonlyMap<string, number>,
): OutboxRecord[] {
  const byKey = new Map<string, { record: OutboxRecord; position: number }[]>();
  candidates.forEach((record, position) => {
    const id = keyCounterId(record.topic, record.key);
    byKey.set(id, [...(byKey.get(id) ?? []), { record, position }]);
  });
  const placed: { record: OutboxRecord; position: number }[] = [];
  for (const [id, entries] of byKey) {
    let next = (publishedSeq.get(id) ?? 0) + 1;
    const run: OutboxRecord[] = [];
    for (const { record } of [...entries].sort((a, b) => a.record.seq - b.record.seq)) {
      if (record.seq > next) break;
      run.push(record);
      if (record.seq === next) next++;
    }
    // The key's records take the key's earliest positions in sequence order, so keys stay interleaved
    // oldest-first while each key's own records keep their order.
    const positions = entries.map((e) => e.position).sort((a, b) => a - b);
    run.forEach((record, i) => placed.push({ record, position: positions[i] as number }));
  }
  return placed.sort((a, b) => a.position - b.position).map((p) => p.record);
}

/**
 * A page of a catch-up scan in publishing order: each key's records by sequence number, in the key's
 * earliest positions (the page is in creation order, which writers' clocks may disagree about).
 * Nothing is held back for a gap: a scan has no counters to check against, and per key the records
 * commit in seq order anyway (a writer of a key waits for the one before it).
 */
export function inKeyOrder(records: readonly OutboxRecord[]): OutboxRecord[] {
  const positions = new Map<string, number[]>();
  const byKey = new Map<string, OutboxRecord[]>();
  records.forEach((record, position) => {
    const id = keyCounterId(record.topic, record.key);
    positions.set(id, [...(positions.get(id) ?? []), position]);
    byKey.set(id, [...(byKey.get(id) ?? []), record]);
  });
  const placed: { record: OutboxRecord; position: number }[] = [];
  for (const [id, list] of byKey) {
    const at = positions.get(id) ?? [];
    [...list]
      .sort((a, b) => a.seq - b.seq)
      .forEach((record, i) => placed.push({ record, position: at[i] as number }));
  }
  return placed.sort((a, b) => a.position - b.position).map((p) => p.record);
}
