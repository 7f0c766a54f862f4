// The generated types are checked by running the generator in check mode (prettier, which formats the
// output, cannot be loaded inside jest's module sandbox).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GENERATED_FILE } from './schema-files';

const check = (...extra: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'generate.ts'), '--check', ...extra], {
    encoding: 'utf8',
  });

test('the generated types match schemas/*.avsc', () => {
  const result = check();
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
});

test('a stale generated file fails the check with what to run', () => {
  const stale = path.join(mkdtempSync(path.join(os.tmpdir(), 'gen-')), 'events.ts');
  writeFileSync(
    stale,
    readFileSync(GENERATED_FILE, 'utf8').replace('readonly orderId: string;', 'readonly orderId: number;'),
  );
  const result = check('--against', stale);
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('is stale: run npm run contracts:generate');
});
