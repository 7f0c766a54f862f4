// A rebuild while events keep arriving: the projector builds version 2 from the earliest offsets while
// version 1 keeps serving, switches readers in one write and drops version 1. The dashboard's API answers
// throughout (never an error, the version it reports only moves forward), and version 2 ends up equal to
// a projection computed from scratch in another database.
import { waitFor, type ServiceProcess } from '@mailfleet/testing';
import { collectionNames } from '@mailfleet/read-models';
import {
  createProjectorFixture,
  type ProjectorFixture,
} from '../../services/projector/test/projector-test-fixture';
import { lifecycleEvents } from '../../services/projector/test/projector-scenario';
import { startDashboardProcess } from '../../services/dashboard/src/dashboard-test-process';

// Longer than the default: a rebuild of every projection while load keeps arriving, then a second one
// from scratch to compare with.
jest.setTimeout(300_000);

const TOKEN = 'rebuild-test-token-0123456789';
const ORDERS_PER_BATCH = 8;
let f: ProjectorFixture;
let dashboard: ServiceProcess | undefined;

beforeEach(async () => {
  f = await createProjectorFixture();
});
afterEach(async () => {
  await dashboard?.stop();
  await f.close();
});

test('a rebuild under load switches readers without an error and equals a from-scratch projection', async () => {
  const t0 = Date.UTC(2026, 10, 23, 8, 0, 0);
  const db = f.database();
  await f.startProjector(db, { PROJECTOR_CHUNK_SIZE: '20', PROJECTOR_SWITCH_MAX_LAG: '200' });
  const started = await startDashboardProcess(db.databaseName, TOKEN);
  dashboard = started.process;
  const api = (path: string) => started.api(path);

  // The load: every second a batch of order lifecycles (orders, mail requests, sends, failures, about 60
  // records), a rate the projector keeps up with on the 2-core dev machine while it also rebuilds.
  let stop = false;
  let batches = 0;
  const load = (async () => {
    while (!stop) {
      await f.publish(lifecycleEvents(`b${batches}`, ORDERS_PER_BATCH, t0 + batches * 60_000));
      batches += 1;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  })();

  // The readers: the API is asked all the time; every answer must be a 200 with a version that never goes back.
  const versions: number[] = [];
  const failures: string[] = [];
  const reading = (async () => {
    while (!stop) {
      for (const path of ['/api/meta', '/api/stats?days=90', '/api/failures?limit=20']) {
        const res = await api(path).catch((err: unknown) => ({ ok: false, status: String(err) }) as const);
        if (!res.ok || !('json' in res)) {
          failures.push(`${path}: ${res.status}`);
          continue;
        }
        const body = (await res.json()) as { dataAsOf: { version: number } };
        versions.push(body.dataAsOf.version);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();

  try {
    await waitFor(
      'some batches projected by version 1',
      async () => (batches >= 5 ? true : undefined),
      60_000,
    );
    const rebuild = await f.rebuild(db);
    expect(rebuild.output).toContain('version 2');
    expect(rebuild.status).toBe(0);
    await waitFor(
      'readers switched to version 2',
      async () => ((await f.meta(db))?.active === 2 ? true : undefined),
      180_000,
    );
    // Keep the load on a little longer after the switch, then let everything settle.
    const atSwitch = batches;
    await waitFor(
      'more load after the switch',
      async () => (batches >= atSwitch + 3 ? true : undefined),
      60_000,
    );
    await waitFor(
      'version 1 dropped',
      async () => {
        const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
        const meta = await f.meta(db);
        return !names.includes(collectionNames(1).mails) && meta?.retired.length === 0 ? true : undefined;
      },
      60_000,
    );
  } finally {
    stop = true;
    await Promise.all([load, reading]);
  }
  await f.waitCaughtUp(db, 2, 120_000);

  expect(failures).toEqual([]);
  expect(versions.length).toBeGreaterThan(10);
  expect(versions.every((v, i) => i === 0 || v >= versions[i - 1]!)).toBe(true);
  expect(versions[0]).toBe(1);
  expect(versions[versions.length - 1]).toBe(2);

  const scratch = f.database();
  await f.startProjector(scratch);
  await f.waitCaughtUp(scratch, 1, 120_000);
  const rebuilt = await f.dump(db, 2);
  expect(rebuilt.mails.length).toBe(batches * ORDERS_PER_BATCH * 2);
  expect(rebuilt).toEqual(await f.dump(scratch, 1));
});
