// The dashboard as a process over real MongoDB: the read-only API (token, validation, 4xx that say what
// to change, data-as-of on every answer) and the page in a real headless Chromium.
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { MongoClient, type Db } from 'mongodb';
import { mongoUrl, uniqueName, type ServiceProcess } from '@mailfleet/testing';
import {
  AMBIGUOUS_MAIL,
  DEAD_LETTER,
  DEAD_MAIL,
  DIGEST_MAIL,
  PARKED_MAIL,
  SEED_DAY,
  SEED_NOW,
  SENT_MAIL,
  seedReadModels,
} from '../test/dashboard-seed';
import { startDashboardProcess } from './dashboard-test-process';

// The tests walk the API's JSON by path; typing every answer here would only restate the read models.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const TOKEN = 'test-token-0123456789abcdef';
let mongo: MongoClient;
let db: Db;
let dashboard: ServiceProcess;
let base: string;

beforeAll(async () => {
  mongo = new MongoClient(mongoUrl());
  await mongo.connect();
  db = mongo.db(uniqueName('dash').replace(/-/g, '_'));
  await seedReadModels(db);
  const started = await startDashboardProcess(db.databaseName, TOKEN);
  dashboard = started.process;
  base = started.base;
});

afterAll(async () => {
  await dashboard?.stop();
  await db?.dropDatabase().catch(() => undefined);
  await mongo?.close();
});

const get = async (path: string, token: string | null = TOKEN, method = 'GET') => {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, Json> };
};

describe('the read-only API', () => {
  test('answers from the active version with how fresh the data is', async () => {
    const { status, body } = await get(`/api/mails/${encodeURIComponent(SENT_MAIL.mailId)}`);
    expect(status).toBe(200);
    expect(body['data']).toMatchObject({
      mailId: SENT_MAIL.mailId,
      status: 'sent',
      messageId: SENT_MAIL.messageId,
    });
    expect(body['data'].timeline.map((t: { type: string }) => t.type)).toEqual([
      'requested',
      'attempt-failed',
      'sent',
    ]);
    expect(body['dataAsOf']).toEqual({
      version: 3,
      recordTime: new Date(SEED_NOW).toISOString(),
      partitions: [
        { topic: 'mail.events', partition: 1, offset: '5' },
        { topic: 'mail.requested', partition: 0, offset: '7' },
      ],
    });
  });

  test('search finds an order with its mails, a mail by id and a recipient by address', async () => {
    const byOrder = (await get('/api/search?q=o-100')).body['data'];
    expect(byOrder.orders.map((o: { orderId: string }) => o.orderId)).toEqual(['o-100']);
    expect(byOrder.mails.map((m: { mailId: string }) => m.mailId).sort()).toEqual(
      [DEAD_MAIL.mailId, SENT_MAIL.mailId].sort(),
    );
    const byMail = (await get(`/api/search?q=${encodeURIComponent(DEAD_MAIL.mailId)}`)).body['data'];
    expect(byMail.mails).toEqual([
      expect.objectContaining({ mailId: DEAD_MAIL.mailId, lastError: '550 mailbox unavailable' }),
    ]);
    const byRecipient = (await get('/api/search?q=ADA@example.test')).body['data'];
    expect(byRecipient.recipients[0]).toMatchObject({
      email: 'ada@example.test',
      total: 2,
      counts: { sent: 1, dead: 1 },
    });
    expect((await get('/api/orders/o-100')).body['data'].mails).toHaveLength(2);
  });

  test('status counts over time, failures with reasons, pipeline health', async () => {
    const stats = await get('/api/stats?days=90');
    const day = stats.body['data'].days.find((d: { day: string }) => d.day === SEED_DAY);
    expect(day).toMatchObject({
      requested: 4,
      sent: 2,
      retries: 1,
      dead: 1,
      meanLatencyMs: 3_000,
      maxLatencyMs: 4_000,
    });
    // The day 40 days back is outside a 14-day window and inside a 90-day one.
    const short = (await get('/api/stats?days=14')).body['data'];
    expect(short.days).toHaveLength(14);
    expect(short.templates).toEqual([
      expect.objectContaining({ templateId: 'order-confirmation', requested: 3 }),
      expect.objectContaining({ templateId: 'shipping-notice', requested: 1, dead: 1 }),
    ]);
    expect(stats.body['data'].templates[0]).toMatchObject({
      templateId: 'order-confirmation',
      requested: 53,
    });
    expect(stats.body['data'].days).toHaveLength(90);
    const deadLetters = (await get('/api/dead-letters')).body['data'];
    expect(deadLetters).toEqual([
      expect.objectContaining({
        id: DEAD_LETTER._id,
        group: 'translator',
        show: `npm run ops -- dlq show ${DEAD_LETTER._id}`,
      }),
    ]);
    const failures = (await get('/api/failures?limit=5')).body['data'];
    expect(failures).toEqual([
      expect.objectContaining({
        mailId: DEAD_MAIL.mailId,
        status: 'dead',
        lastError: '550 mailbox unavailable',
      }),
      // An unknown outcome is for on-call to see too: it may have been delivered, or not.
      expect.objectContaining({ mailId: AMBIGUOUS_MAIL.mailId, status: 'ambiguous' }),
    ]);
    const ambiguous = (await get(`/api/mails/${encodeURIComponent(AMBIGUOUS_MAIL.mailId)}`)).body['data'];
    expect(ambiguous.timeline.map((t: { type: string }) => t.type)).toEqual(['requested', 'ambiguous']);
    const health = (await get('/api/pipeline')).body['data'];
    expect(health.lag[0]).toMatchObject({ group: 'sender', lag: 1200 });
    expect(health.dlq).toEqual([{ topic: 'mail.requested.dlq', records: 2 }]);
  });

  test.each([
    ['no token', '/api/meta', null, 'GET', 401, 'missing or wrong token'],
    ['a wrong token', '/api/meta', 'x'.repeat(30), 'GET', 401, 'missing or wrong token'],
    ['a write', '/api/meta', TOKEN, 'POST', 405, 'read-only'],
    ['a delete', `/api/mails/${SENT_MAIL.mailId}`, TOKEN, 'DELETE', 405, 'read-only'],
    ['an unknown endpoint', '/api/nope', TOKEN, 'GET', 404, 'no such endpoint'],
    [
      'an unknown parameter',
      '/api/failures?limt=5',
      TOKEN,
      'GET',
      400,
      'unknown query parameter "limt"; allowed: limit',
    ],
    [
      'a limit out of range',
      '/api/failures?limit=5000',
      TOKEN,
      'GET',
      400,
      'limit must be between 1 and 200',
    ],
    ['a bad address', '/api/recipients/not-an-address', TOKEN, 'GET', 400, 'not an e-mail address'],
    ['an empty search', '/api/search?q=', TOKEN, 'GET', 400, 'is empty'],
    [
      'an unknown mail',
      '/api/mails/order-confirmation:o-missing',
      TOKEN,
      'GET',
      404,
      'may not be projected yet',
    ],
  ])('%s is refused (%s)', async (_what, path, token, method, status, message) => {
    const res = await get(path, token, method);
    expect(res.status).toBe(status);
    expect(res.body['error']).toContain(message);
    if (status === 401) expect(res.headers.get('www-authenticate')).toContain('Bearer');
  });

  test('nothing the API returned changed the read models (the API cannot write)', async () => {
    const names = ['projection_meta', 'v3_mails', 'v3_orders', 'v3_recipients', 'v3_template_days'];
    const before = await Promise.all(names.map((n) => db.collection(n).find({}).sort({ _id: 1 }).toArray()));
    await get('/api/meta', TOKEN, 'PUT');
    await get(`/api/mails/${SENT_MAIL.mailId}`, TOKEN, 'PATCH');
    const after = await Promise.all(names.map((n) => db.collection(n).find({}).sort({ _id: 1 }).toArray()));
    expect(after).toEqual(before);
  });
});

describe('the page, in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
    });
  });
  afterAll(async () => browser?.close());

  test('an on-call person finds a mail by id and sees its timeline, correlation id and Message-ID', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await page.goto(`${base}/#token=${TOKEN}`);
    // The token left the address bar (it stays in this tab's sessionStorage only).
    expect(page.url()).toBe(`${base}/`);
    await page.waitForSelector('#lag tr');
    expect(await page.textContent('#lag')).toContain('1200');
    expect(await page.textContent('#dlq')).toContain('mail.requested.dlq');
    expect(await page.textContent('#failures')).toContain('550 mailbox unavailable');
    expect(await page.textContent('#freshness')).toContain('projections v3');
    expect(await page.locator('#throughput-chart').boundingBox()).not.toBeNull();

    await page.fill('#search', SENT_MAIL.mailId);
    await page.click('#search-form button');
    await page.waitForSelector('#mail-panel:not([hidden])');
    const facts = await page.textContent('#mail-facts');
    expect(facts).toContain('corr-o-100');
    expect(facts).toContain(SENT_MAIL.messageId!);
    expect(facts).toContain('ev-req-100');
    const timeline = await page.locator('#timeline tr').allTextContents();
    expect(timeline).toHaveLength(3);
    expect(timeline[1]).toContain('421 try again later');
    expect(timeline[2]).toContain('mail.events[1]@4');
    expect(problems).toEqual([]);
  });

  test('searching an order whose mail waits for its customer shows it parked, since when and until when', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/#token=${TOKEN}`);
    await page.waitForSelector('#lag tr');
    await page.fill('#search', 'o-300');
    await page.click('#search-form button');
    await page.waitForSelector('#search-results .status-parked');
    const results = await page.textContent('#search-results');
    expect(results).toContain('Order o-300: placed, 1 mail(s) due');
    expect(results).toContain(PARKED_MAIL.mailId);
    await page.click(`#search-results a:has-text("${PARKED_MAIL.mailId}")`);
    await page.waitForSelector('#mail-panel:not([hidden])');
    const [entry] = await page.locator('#timeline tr').allTextContents();
    expect(entry).toContain('parked');
    expect(entry).toContain('waiting for customer c-9');
    expect(entry).toContain('rejected at 2026-01-02T00:00:00.000Z');
  });

  test('a digest shows its window and the mails it stands for; a held mail when it may go', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/#token=${TOKEN}`);
    await page.waitForSelector('#lag tr');
    await page.fill('#search', DIGEST_MAIL.mailId);
    await page.click('#search-form button');
    await page.waitForSelector('#mail-panel:not([hidden])');
    const facts = await page.textContent('#mail-facts');
    expect(facts).toContain('digest of');
    expect(facts).toContain('shipping-notice:o-701, shipping-notice:o-702');
    expect(facts).toContain(
      new Date(DIGEST_MAIL.digest!.windowStart).toISOString().replace('T', ' ').slice(0, 19),
    );
    expect(facts).toContain('held until (quiet hours)');
    expect(facts).toContain('2030-01-02 06:00:00');
  });

  test('the dead letters are listed, read-only, with the commands that show and redrive each', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/#token=${TOKEN}`);
    await page.waitForSelector('#dead-letters tr');
    const [entry] = await page.locator('#dead-letters tr').allTextContents();
    expect(entry).toContain(DEAD_LETTER._id);
    expect(entry).toContain('translator');
    expect(entry).toContain('undecodable-record.unknown-schema-id');
    expect(entry).toContain(`npm run ops -- dlq show ${DEAD_LETTER._id}`);
    expect(entry).toContain(`npm run ops -- dlq redrive --record ${DEAD_LETTER._id}`);
  });

  test('without a token the page asks for one instead of showing data', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await page.waitForSelector('#token-panel:not([hidden])');
    expect(await page.locator('#lag tr').count()).toBe(0);
  });
});
