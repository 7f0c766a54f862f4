import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configProblems, loadConfig } from '@mailfleet/config';
import { dashboardEnvSchema } from './config';

const load = (env: Record<string, string>) => loadConfig('dashboard', dashboardEnvSchema, env);
const problemsOf = (env: Record<string, string>) => configProblems('dashboard', dashboardEnvSchema, env);

describe('dashboard configuration', () => {
  test('the token is required, and says how to set it', () => {
    expect(problemsOf({})).toEqual([expect.stringContaining('set DASHBOARD_TOKEN or DASHBOARD_TOKEN_FILE')]);
  });

  test('a short token is refused without echoing it', () => {
    const [problem] = problemsOf({ DASHBOARD_TOKEN: 'short-secret' });
    expect(problem).toContain('at least 16 characters');
    expect(problem).not.toContain('short-secret');
  });

  test('the token can come from a file (a mounted secret); an unreadable file is named', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dash-'));
    writeFileSync(path.join(dir, 'token'), 'from-a-file-0123456789\n');
    expect(load({ DASHBOARD_TOKEN_FILE: path.join(dir, 'token') }).token).toBe('from-a-file-0123456789');
    expect(problemsOf({ DASHBOARD_TOKEN_FILE: path.join(dir, 'missing') })).toEqual([
      expect.stringContaining(`cannot read ${path.join(dir, 'missing')}`),
    ]);
  });

  test('defaults: local MongoDB, the projector database, port 8080 on loopback', () => {
    expect(load({ DASHBOARD_TOKEN: 'x'.repeat(16) })).toMatchObject({
      MONGO_DB: 'mailfleet_projections',
      DASHBOARD_PORT: 8080,
      DASHBOARD_HOST: '127.0.0.1',
      LOG_FORMAT: 'json',
    });
  });
});
