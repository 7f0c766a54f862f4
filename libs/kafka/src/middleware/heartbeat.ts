/**
 * Runs `work` while heartbeating: a handler can wait a long time on MongoDB (an outage, server
 * selection), and heartbeats keep the group membership meanwhile, so the partition is not handed to
 * another member mid-record.
 */
export async function whileHeartbeating<T>(
  heartbeat: () => Promise<void>,
  work: () => Promise<T>,
): Promise<T> {
  const ticker = setInterval(() => void heartbeat().catch(() => undefined), 3_000);
  try {
    return await work();
  } finally {
    clearInterval(ticker);
  }
}
