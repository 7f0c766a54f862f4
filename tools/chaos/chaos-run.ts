// One chaos run: a private stack, `instances` of every service, the example shop's load, the seeded
// faults, then the oracle's verdict. Used by `npm run chaos` and by the small profile in `npm test`.
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { dlqTopicOf, fleetTopics } from '@mailfleet/contracts';
import { createShopFixture, generateLoad, type ShopService } from '@mailfleet/example-orders';
import { sinkClient } from '@mailfleet/testing';
import type { ChaosOptions, ChaosProgress, ChaosReport, FaultOutcome } from './chaos-report';
import { inject, type FaultRecord } from './fault-injector';
import { minimumWindowMs, planFaults, type PlannedFault } from './fault-plan';
import { fleetSpecs, waitFleetReady } from './fleet-specs';
import { superviseFleet } from './fleet-supervisor';
import {
  committedFacts,
  deadLetters,
  digestsRequested,
  sinkTail,
  outboxLeft,
  senderReports,
} from './oracle/observations';
import { expectedMails } from './oracle/expected-mails';
import { caughtUpVersion } from './oracle/projection-check';
import { judge, type DigestInfo } from './oracle/verdict';
import { startPrivateStack } from './private-stack';
import { rebuildAndCompare } from './rebuild-check';
import { retryingShop } from './retrying-shop';

export type { ChaosOptions, ChaosProgress, ChaosReport, FaultOutcome } from './chaos-report';

const repoRoot = path.resolve(__dirname, '..', '..');
// kafkajs' default consumer session timeout, which the fleet keeps.
const SESSION_TIMEOUT_MS = 30_000;

const CHAOS_SENDER_ENV = {
  // Authenticating, so that a rotated password (535) can be played.
  SMTP_USER: 'chaos',
  SMTP_PASSWORD: 'chaos-not-a-secret',
  // Shorter than production so that a run of minutes sees retries and resends complete; the rules are
  // the same (docs/sender.md).
  SENDER_RETRY_INITIAL_MS: '2000',
  SENDER_RETRY_MAX_MS: '15000',
  SENDER_AMBIGUOUS_RETRY_AFTER_MS: '15000',
  SENDER_BREAKER_COOLDOWN_MS: '5000',
};

// Shipping notices of one customer within 15 seconds go out as one digest (docs/digests.md): the load
// has about three orders per customer, so some windows collect several and the oracle checks them.
const CHAOS_TRANSLATOR_ENV = { TRANSLATOR_DIGESTS: 'shipping-notice=15s' };

export async function runChaos(
  options: ChaosOptions,
  onProgress: (p: ChaosProgress) => void = () => undefined,
): Promise<ChaosReport> {
  const t0 = Date.now();
  const runId = `chaos-${options.seed}-${t0.toString(36)}`;
  const runDir = path.join(repoRoot, '.stack', 'chaos', runId);
  mkdirSync(runDir, { recursive: true });
  const say = (note: string) => onProgress({ phase: 'starting', done: 0, total: 1, note });
  const stack = await startPrivateStack(repoRoot, path.join(runDir, 'stack'), say);
  const prefix = `chaos_${t0.toString(36)}`;
  const dbs = {
    shop: `${prefix}_shop`,
    translator: `${prefix}_translator`,
    sender: `${prefix}_sender`,
    projections: `${prefix}_projections`,
  };
  const topics = fleetTopics('');
  const brokers = stack.endpoints.kafkaBrokers;
  const kafka = new Kafka({ brokers, clientId: 'chaos-harness', logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  const mongo = new MongoClient(stack.endpoints.mongoUrl);
  const cleanups: (() => Promise<unknown>)[] = [];
  // Ctrl-C: nothing of the run may outlive it (its fleet, its stack).
  const interrupted = () => {
    say('interrupted: stopping the fleet and the private stack');
    void (async () => {
      for (const cleanup of cleanups) await cleanup().catch(() => undefined);
      await stack.down().catch(() => undefined);
      process.exit(130);
    })();
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    await mongo.connect();
    cleanups.push(() => mongo.close());
    const shop = await createShopFixture({
      mongoUrl: stack.endpoints.mongoUrl,
      registryUrl: stack.endpoints.schemaRegistryUrl,
      dbName: dbs.shop,
    });
    cleanups.push(() => shop.close());
    const fleet = await superviseFleet({
      repoRoot,
      logDir: path.join(runDir, 'logs'),
      specs: fleetSpecs(dbs, stack.endpoints.smtp, CHAOS_SENDER_ENV, CHAOS_TRANSLATOR_ENV),
      instances: options.instances,
      env: stack.fleetEnv,
    });
    cleanups.unshift(() => fleet.stop());
    say(`starting ${fleet.names.length} fleet processes`);
    await waitFleetReady(fleet.opsPorts, 180_000);

    // The plan: faults over the load's window; the load paced to fill it.
    const windowMs = Math.max(options.windowMs ?? 0, minimumWindowMs(options.faults));
    const targets = fleet.names;
    const plan = planFaults({
      seed: options.seed,
      kinds: options.faults,
      windowMs,
      targets,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
    });
    const customers = Math.ceil(options.orders / 3);
    const estimatedCommands = Math.ceil(options.orders * 1.8 + customers * 1.5);
    const rate = Math.max(1, Math.ceil(estimatedCommands / (windowMs / 1000)));

    const poisoned: string[] = [];
    const projectorGroup = 'projector-v1';
    const deps = {
      stack,
      fleet,
      sink: sinkClient(stack.endpoints.smtpApiUrl),
      producer,
      shop,
      topics: { orders: topics.orders.name, customers: topics.customers.name },
      poisoned,
      // Each group that reads a topic dead-letters its poison on its own: the sender and the projector
      // read customers.events for CustomerErased.
      groups: {
        orders: ['translator', projectorGroup],
        customers: ['translator', 'sender', projectorGroup],
      },
    };
    const loadStart = Date.now();
    let commandsTotal = estimatedCommands;
    const records: FaultRecord[] = [];
    const runFault = async (fault: PlannedFault) => {
      await sleep(Math.max(0, loadStart + fault.atMs - Date.now()));
      records.push(
        await inject(fault, deps, runId).catch((err: unknown) => ({
          kind: fault.kind,
          detail: `could not inject: ${err instanceof Error ? err.message : String(err)}`,
          startedAt: Date.now(),
          endedAt: Date.now(),
          outcome: 'failed' as const,
        })),
      );
    };
    const faultsDone = Promise.all(plan.map(runFault));
    const summary = await generateLoad(retryingShop(shop.shop) as ShopService, {
      orders: options.orders,
      seed: options.seed,
      rate,
      interleave: true,
      abortRatio: 0.05,
      shipRatio: 0.6,
      cancelRatio: 0.15,
      emailChangeRatio: 0.2,
      optOutRatio: 0.1,
      hostileNameRatio: 0.05,
      idPrefix: runId,
      onProgress: (done, total) => {
        commandsTotal = total;
        onProgress({ phase: 'load', done, total, note: `${records.length}/${plan.length} faults` });
      },
    });
    await faultsDone;
    const loadMs = Date.now() - loadStart;

    // Drain: every mail the committed facts call for, and every outbox empty.
    const facts = await committedFacts(shop.db, stack.endpoints.schemaRegistryUrl);
    const expected = expectedMails(facts);
    const must = [...expected.values()].filter((e) => e.must === 'send').map((e) => e.mailId);
    const drainStart = Date.now();
    const sink = sinkTail(stack.sinkMessagesFile);
    let digests = new Map<string, DigestInfo>();
    let digestsReadAt = 0;
    for (;;) {
      const delivered = new Set(sink.read().map((d) => d.mailId));
      // A mail collected into a digest arrives with the digest: which digest lists it is on mail.requested,
      // read again at most every 15 s while something is missing.
      if (must.some((m) => !delivered.has(m)) && Date.now() - digestsReadAt > 15_000) {
        digests = await digestsRequested(
          brokers,
          stack.endpoints.schemaRegistryUrl,
          topics.mailRequested.name,
        );
        digestsReadAt = Date.now();
      }
      for (const [digestId, info] of digests)
        if (delivered.has(digestId)) for (const m of info.members) delivered.add(m);
      const arrived = must.filter((m) => delivered.has(m)).length;
      onProgress({ phase: 'draining', done: arrived, total: must.length });
      const left = await Promise.all(
        Object.values(dbs)
          .slice(0, 3)
          .map((db) => outboxLeft(mongo.db(db))),
      );
      if (arrived === must.length && left.every((n) => n === 0)) break;
      if (Date.now() - drainStart > options.drainTimeoutMs) break;
      await sleep(3_000);
    }
    // Late copies (a resend, a second instance) would show up now.
    await sleep(20_000);
    const drainMs = Date.now() - drainStart;

    onProgress({ phase: 'checking', done: 0, total: 3, note: 'reading what the fleet did' });
    const outbox: Record<string, number> = {};
    for (const db of [dbs.shop, dbs.translator, dbs.sender]) outbox[db] = await outboxLeft(mongo.db(db));
    const reports = await senderReports(brokers, stack.endpoints.schemaRegistryUrl, topics.mailEvents.name);
    const dlqTopics = [topics.orders, topics.customers, topics.mailRequested, topics.mailEvents].map((t) =>
      dlqTopicOf(t.name),
    );
    const dead = await deadLetters(brokers, dlqTopics);
    const requestedDigests = await digestsRequested(
      brokers,
      stack.endpoints.schemaRegistryUrl,
      topics.mailRequested.name,
    );

    onProgress({ phase: 'checking', done: 1, total: 3, note: 'rebuilding the projections from scratch' });
    const projected = [topics.orders, topics.mailRequested, topics.mailEvents].map((t) => t.name);
    const liveVersion = await caughtUpVersion(
      mongo.db(dbs.projections),
      brokers,
      projected,
      options.drainTimeoutMs,
    );
    const crashes = fleet.crashes();
    await fleet.stop();
    const diffs = await rebuildAndCompare({
      repoRoot,
      logDir: path.join(runDir, 'logs'),
      env: stack.fleetEnv,
      mongo,
      brokers,
      topics: projected,
      live: { db: dbs.projections, version: liveVersion },
      rebuild: { db: `${prefix}_rebuild`, group: `${prefix}-rebuild`, outboxDbs: dbs.shop },
      timeoutMs: options.drainTimeoutMs,
    });

    onProgress({ phase: 'checking', done: 2, total: 3, note: 'judging' });
    const delivered = sink.read();
    const verdict = judge(
      expected,
      {
        delivered,
        ambiguous: reports.ambiguous,
        dead: reports.dead,
        deadLetters: dead,
        outboxLeft: outbox,
        projectionDiffs: diffs,
        digests: requestedDigests,
      },
      poisoned,
    );
    const faults: FaultOutcome[] = records
      .sort((a, b) => a.startedAt - b.startedAt)
      .map((r) => {
        const next = delivered
          .map((d) => d.receivedAt)
          .filter((t) => t >= r.endedAt)
          .sort((a, b) => a - b)[0];
        return { ...r, recoveredAfterMs: next === undefined ? null : next - r.endedAt };
      });
    onProgress({ phase: 'done', done: 3, total: 3 });
    return {
      runId,
      options,
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? '?',
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
      },
      startedAt: new Date(t0).toISOString(),
      durations: { loadMs, drainMs, totalMs: Date.now() - t0 },
      load: {
        commands: commandsTotal,
        committedFacts: facts.length,
        rolledBack: summary.aborted,
        refused: summary.refused,
      },
      faults,
      restartsAfterCrash: crashes,
      verdict,
      ok: verdict.ok && faults.every((f) => f.outcome !== 'failed'),
      logs: path.relative(repoRoot, path.join(runDir, 'logs')),
    };
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    if (!options.keep) {
      await stack.down();
      // The logs stay for a look afterwards; the stack's data (a broker's log segments, a database) goes.
      rmSync(stack.dir, { recursive: true, force: true });
    }
  }
}
