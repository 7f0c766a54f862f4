// The secrets `npm start` gives the local fleet: the dashboard's token (DASHBOARD_TOKEN if set), the
// feedback service's webhook key (FEEDBACK_WEBHOOK_KEYS if set) and the unsubscribe links' key
// (UNSUBSCRIBE_KEYS if set), else each generated once into the stack folder (git-ignored, readable by its
// owner only) and reused, so links and emitters keep working.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadStackEnv } from '@mailfleet/config';

function stackSecret(repoRoot: string, fileName: string, bytes: number): string {
  const dir = path.resolve(repoRoot, loadStackEnv().MAILFLEET_STACK_DIR);
  const file = path.join(dir, fileName);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, randomBytes(bytes).toString('hex'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

export function dashboardAccess(repoRoot: string) {
  const port = loadStackEnv().MAILFLEET_DASHBOARD_PORT;
  const token = process.env['DASHBOARD_TOKEN'] || stackSecret(repoRoot, 'dashboard-token', 24);
  return { port, token, url: `http://127.0.0.1:${port}/#token=${token}` };
}

export function feedbackAccess(repoRoot: string) {
  const port = loadStackEnv().MAILFLEET_FEEDBACK_PORT;
  const fromEnv = process.env['FEEDBACK_WEBHOOK_KEYS'];
  const keySource = fromEnv
    ? 'FEEDBACK_WEBHOOK_KEYS'
    : path.join(loadStackEnv().MAILFLEET_STACK_DIR, 'feedback-webhook-key');
  const key = fromEnv || stackSecret(repoRoot, 'feedback-webhook-key', 32);
  const unsubscribeKeys = process.env['UNSUBSCRIBE_KEYS'] || stackSecret(repoRoot, 'unsubscribe-key', 32);
  return {
    port,
    key,
    keySource,
    url: `http://127.0.0.1:${port}/webhooks/mailfleet`,
    unsubscribeKeys,
    unsubscribeUrl: `http://127.0.0.1:${port}/unsubscribe`,
  };
}
