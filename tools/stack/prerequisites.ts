// Checks for the machine's tools, failing with a message that says what to install.
import { spawnSync } from 'node:child_process';

export class PrerequisiteError extends Error {
  override name = 'PrerequisiteError';
}

function versionOutput(command: string, args: string[]): string | undefined {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  return `${result.stdout}${result.stderr}`;
}

/** Java 17 or newer runs the Kafka broker. */
export function requireJava(): void {
  const out = versionOutput('java', ['-version']);
  if (!out)
    throw new PrerequisiteError(
      'java not found: install a JDK 17+ (Debian: apt-get install openjdk-17-jre-headless).',
    );
  const major = Number(/version "(\d+)/.exec(out)?.[1] ?? 0);
  if (major < 17) throw new PrerequisiteError(`java ${major} found, Kafka 4 needs 17 or newer.`);
}

/** Maven fetches the broker's jars from Maven Central. */
export function requireMaven(): void {
  if (!versionOutput('mvn', ['--version'])) {
    throw new PrerequisiteError('mvn not found: install Apache Maven (Debian: apt-get install maven).');
  }
}

/** Python 3.10+ with venv runs the local MongoDB server. */
export function requirePython(): string {
  for (const candidate of ['python3', 'python']) {
    const out = versionOutput(candidate, ['-c', 'import sys, venv; print("%d.%d" % sys.version_info[:2])']);
    if (!out) continue;
    const [major, minor] = out.trim().split('.').map(Number);
    if ((major ?? 0) === 3 && (minor ?? 0) >= 10) return candidate;
  }
  throw new PrerequisiteError(
    'python3 (3.10+) with the venv module not found: it runs the local MongoDB server (Debian: apt-get install python3-venv).',
  );
}
