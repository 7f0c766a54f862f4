import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { release, runGate } from './gate';
import { SCHEMA_DIR } from './schema-files';

const fixture = (name: string) => path.join(__dirname, 'fixtures', name);

describe('the compatibility gate', () => {
  test('rejects a field added without a default, naming the field and the reader it breaks', () => {
    const [order] = runGate(
      path.join(fixture('breaking'), 'schemas'),
      path.join(fixture('breaking'), 'history'),
    );
    expect(order).toMatchObject({ name: 'Order', level: 'BACKWARD', released: 1, changed: true });
    expect(order?.problems).toEqual([
      "new readers cannot read data written with version 1: field 'currency' is missing from the written data and has no default",
    ]);
  });

  test('accepts a field added with a default', () => {
    const [order] = runGate(
      path.join(fixture('compatible'), 'schemas'),
      path.join(fixture('compatible'), 'history'),
    );
    expect(order).toMatchObject({ name: 'Order', changed: true, problems: [] });
  });

  test('release refuses while the gate fails and writes the next version when it passes', () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'gate-'));
    cpSync(fixture('breaking'), path.join(work, 'breaking'), { recursive: true });
    cpSync(fixture('compatible'), path.join(work, 'compatible'), { recursive: true });
    expect(() =>
      release(path.join(work, 'breaking', 'schemas'), path.join(work, 'breaking', 'history')),
    ).toThrow('not releasing, the compatibility gate fails for: Order');
    release(path.join(work, 'compatible', 'schemas'), path.join(work, 'compatible', 'history'));
    const v2 = path.join(work, 'compatible', 'history', 'Order', 'v2.avsc');
    expect(existsSync(v2)).toBe(true);
    expect(JSON.parse(readFileSync(v2, 'utf8')).fields).toHaveLength(3);
    expect(
      runGate(path.join(work, 'compatible', 'schemas'), path.join(work, 'compatible', 'history'))[0]?.changed,
    ).toBe(false);
  });

  test("the project's own schemas pass the gate", () => {
    const failing = runGate(SCHEMA_DIR, path.join(SCHEMA_DIR, 'history')).filter(
      (r) => r.problems.length > 0,
    );
    expect(failing).toEqual([]);
  });
});
