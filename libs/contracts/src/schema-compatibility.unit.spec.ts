import { checkCompatibility, parseAvro, type CompatibilityLevel } from './schema-compatibility';

const record = (fields: object[]) => parseAvro({ type: 'record', name: 'Order', namespace: 't', fields });
const v1 = record([
  { name: 'orderId', type: 'string' },
  { name: 'total', type: 'long' },
]);
const addedWithDefault = record([
  { name: 'orderId', type: 'string' },
  { name: 'total', type: 'long' },
  { name: 'currency', type: 'string', default: 'EUR' },
]);
const addedWithoutDefault = record([
  { name: 'orderId', type: 'string' },
  { name: 'total', type: 'long' },
  { name: 'currency', type: 'string' },
]);
const removedField = record([{ name: 'orderId', type: 'string' }]);
const widened = record([
  { name: 'orderId', type: 'string' },
  { name: 'total', type: 'double' },
]);
const narrowed = record([
  { name: 'orderId', type: 'string' },
  { name: 'total', type: 'int' },
]);

describe('checkCompatibility', () => {
  test.each<[string, ReturnType<typeof record>, CompatibilityLevel, boolean]>([
    ['adding a field with a default is BACKWARD compatible', addedWithDefault, 'BACKWARD', true],
    ['adding a field without a default breaks BACKWARD', addedWithoutDefault, 'BACKWARD', false],
    ['adding a field without a default is FORWARD compatible', addedWithoutDefault, 'FORWARD', true],
    ['removing a field without a default is BACKWARD compatible', removedField, 'BACKWARD', true],
    ['removing a field without a default breaks FORWARD', removedField, 'FORWARD', false],
    ['removing a field without a default breaks FULL', removedField, 'FULL', false],
    ['adding a field with a default is FULL compatible', addedWithDefault, 'FULL', true],
    ['promoting long to double is BACKWARD compatible', widened, 'BACKWARD', true],
    ['narrowing long to int breaks BACKWARD', narrowed, 'BACKWARD', false],
    ['anything goes under NONE', narrowed, 'NONE', true],
  ])('%s', (_name, candidate, level, expected) => {
    expect(checkCompatibility(candidate, [v1], level).compatible).toBe(expected);
  });

  test('the verdict names the field that breaks which reader', () => {
    const verdict = checkCompatibility(addedWithoutDefault, [v1], 'BACKWARD');
    expect(verdict).toEqual({
      compatible: false,
      problems: [
        "new readers cannot read data written with version 1: field 'currency' is missing from the written data and has no default",
      ],
    });
  });

  test('a type change is reported with both types', () => {
    const verdict = checkCompatibility(narrowed, [v1], 'BACKWARD');
    expect(verdict.compatible).toBe(false);
    expect(!verdict.compatible && verdict.problems[0]).toContain(
      "field 'total' was written as long and cannot be read as int",
    );
  });

  test('TRANSITIVE levels check every earlier version, plain levels only the latest', () => {
    const history = [v1, removedField];
    const readdedWithoutDefault = addedWithoutDefault;
    expect(checkCompatibility(readdedWithoutDefault, history, 'FORWARD').compatible).toBe(true);
    expect(checkCompatibility(removedField, [addedWithoutDefault, v1], 'FORWARD_TRANSITIVE').compatible).toBe(
      false,
    );
  });

  test('the first version of a subject is always compatible', () => {
    expect(checkCompatibility(v1, [], 'FULL_TRANSITIVE')).toEqual({ compatible: true });
  });
});
