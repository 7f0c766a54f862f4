// Stopping and starting a consumer group's processes around a replay, when the operator says how
// (`--stop-with "kubectl scale deploy/mailfleet-translator --replicas=0"`): Kafka moves a group's offsets
// only while it has no members, so the replay waits until the last one has left.
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnSync } from 'node:child_process';
import type { Admin } from 'kafkajs';
import { describeGroup } from './group-offsets';
import { OpsRefusal } from './ops-errors';

/** Runs an operator's shell command; its output goes to stderr, so --json stays parseable. */
export function runOperatorCommand(what: string, command: string): void {
  const run = spawnSync(command, { shell: true, stdio: ['ignore', process.stderr, process.stderr] });
  if (run.status !== 0)
    throw new OpsRefusal(
      `${what} command failed (exit ${run.status ?? run.signal}): ${command}; nothing was moved`,
    );
}

export async function waitGroupEmpty(admin: Admin, group: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { members } = await describeGroup(admin, group);
    if (members.length === 0) return;
    if (Date.now() > deadline)
      throw new OpsRefusal(
        `group ${group} still has ${members.length} member(s) ${timeoutMs / 1000} s after the stop command: ` +
          `${members.map((m) => m.clientId).join(', ')}; nothing was moved`,
      );
    await sleep(500);
  }
}
