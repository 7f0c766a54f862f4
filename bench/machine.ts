// What a benchmark ran on, written next to its figures.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from 'mongodb';

export function describeMachine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const memGiB = (os.totalmem() / 2 ** 30).toFixed(0);
  return `${cpu}, ${os.cpus().length} cores, ${memGiB} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`;
}

/** The p-th percentile (0..100) of `values`, nearest-rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * The servers a benchmark ran against, detected rather than typed: the Kafka version the stack builds
 * (infra/kafka/pom.xml), and the MongoDB server's own buildInfo, with the local stand-in's package
 * version when it is the one installed by the stack.
 */
export async function describeServers(repoRoot: string, db: Db): Promise<string> {
  const pom = readFileSync(path.join(repoRoot, 'infra', 'kafka', 'pom.xml'), 'utf8');
  const kafka = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1] ?? 'unknown';
  const build = (await db.admin().command({ buildInfo: 1 })) as { version?: string };
  const venv = path.join(repoRoot, '.stack', 'tools', 'mongo-venv', 'lib');
  const standIn = existsSync(venv)
    ? readdirSync(venv)
        .flatMap((py) => {
          const site = path.join(venv, py, 'site-packages');
          return existsSync(site) ? readdirSync(site) : [];
        })
        .map((name) => /^secantusdb-(.+)\.dist-info$/.exec(name)?.[1])
        .find((v) => v !== undefined)
    : undefined;
  const mongo =
    process.env['MONGO_URL'] === undefined && standIn
      ? `SecantusDB ${standIn} (reports MongoDB ${build.version ?? '?'})`
      : `MongoDB ${build.version ?? '?'}`;
  return `Kafka ${kafka} (one broker), ${mongo}`;
}
