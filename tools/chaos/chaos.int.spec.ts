// The small chaos profile that runs in `npm test`: the whole fleet, two instances of every service, a
// few hundred shop commands, every fault kind at least once; the build fails on any lost, duplicated,
// unexpected or misaddressed mail, a dead-letter set that differs from the injected poison, an outbox
// left undrained or a projection that differs from a rebuild. The full run is `npm run chaos`
// (docs/reliability.md).
import { runChaos } from './chaos-run';
import { FAULT_KINDS } from './fault-plan';

// A whole chaos run: a private stack, two of every service, every fault kind, then the oracle.
jest.setTimeout(40 * 60_000);

test('the fleet keeps every promise under every kind of fault (small profile)', async () => {
  const report = await runChaos({
    orders: 120,
    seed: 20261124,
    faults: [...FAULT_KINDS],
    instances: 2,
    drainTimeoutMs: 10 * 60_000,
  });
  // The whole verdict and the fault list are compared, so that a failure shows what went wrong.
  expect({
    verdict: report.verdict,
    failedFaults: report.faults.filter((f) => f.outcome === 'failed'),
  }).toEqual({
    verdict: expect.objectContaining({
      lost: [],
      duplicated: [],
      unexpected: [],
      misaddressed: [],
      deadLetters: { missing: [], extra: [] },
      outboxLeft: {},
      projectionDiffs: [],
      ok: true,
    }),
    failedFaults: [],
  });
  expect(new Set(report.faults.map((f) => f.kind))).toEqual(new Set(FAULT_KINDS));
  expect(report.verdict.expected.send).toBeGreaterThan(100);
  // Some shipping notices went out as digests, so the oracle's digest checks had something to check.
  expect(report.verdict.digests.delivered).toBeGreaterThan(0);
  // A digest is one message standing for several mails.
  const { digests } = report.verdict;
  expect(report.verdict.delivered - digests.delivered + digests.members).toBeGreaterThanOrEqual(
    report.verdict.expected.send,
  );
});
