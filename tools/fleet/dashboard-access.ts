// Where the local dashboard listens and the token it wants: DASHBOARD_TOKEN if set, else one generated
// once into the stack folder (git-ignored, readable by its owner only) and reused, so links keep working.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadStackEnv } from '@mailfleet/config';

export function dashboardAccess(repoRoot: string) {
  const stack = loadStackEnv();
  const port = stack.MAILFLEET_DASHBOARD_PORT;
  let token = process.env['DASHBOARD_TOKEN'];
  if (!token) {
    const dir = path.resolve(repoRoot, stack.MAILFLEET_STACK_DIR);
    const file = path.join(dir, 'dashboard-token');
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, randomBytes(24).toString('hex'), { mode: 0o600 });
    }
    token = readFileSync(file, 'utf8').trim();
  }
  return { port, token, url: `http://127.0.0.1:${port}/#token=${token}` };
}
