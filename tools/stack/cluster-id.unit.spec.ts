import { clusterId } from './kafka';

test('KRaft cluster ids are 22 base64url characters and never start with "-" (the storage tool would take them for an option)', () => {
  for (let i = 0; i < 5_000; i++) {
    const id = clusterId();
    expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  }
});
