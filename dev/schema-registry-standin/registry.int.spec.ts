// The stand-in must behave like Confluent Schema Registry where our clients can tell: ids, lookups,
// per-subject compatibility enforcement and error codes.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { schemaRegistryUrl, uniqueName } from '@mailfleet/testing';

const base = schemaRegistryUrl();
const json = { 'content-type': 'application/vnd.schemaregistry.v1+json' };
const schemaOf = (name: string, fields: object[]) =>
  JSON.stringify({ type: 'record', name, namespace: 'dev.mailfleet.registrytest', fields });
const post = (path: string, body: object) =>
  fetch(`${base}${path}`, { method: 'POST', headers: json, body: JSON.stringify(body) });

test('a breaking change is refused with 409 naming the field; a compatible one gets the next version', async () => {
  const name = uniqueName('R').replace(/-/g, '_');
  const subject = `${name}-value`;
  const v1 = schemaOf(name, [{ name: 'orderId', type: 'string' }]);
  const first = await post(`/subjects/${subject}/versions`, { schema: v1 });
  expect(first.status).toBe(200);
  const { id } = (await first.json()) as { id: number };

  const again = await post(`/subjects/${subject}/versions`, { schema: v1 });
  expect(await again.json()).toEqual({ id });

  const breaking = await post(`/subjects/${subject}/versions`, {
    schema: schemaOf(name, [
      { name: 'orderId', type: 'string' },
      { name: 'currency', type: 'string' },
    ]),
  });
  expect(breaking.status).toBe(409);
  expect(((await breaking.json()) as { message: string }).message).toContain("field 'currency'");

  const compatible = await post(`/subjects/${subject}/versions`, {
    schema: schemaOf(name, [
      { name: 'orderId', type: 'string' },
      { name: 'currency', type: 'string', default: 'EUR' },
    ]),
  });
  expect(compatible.status).toBe(200);
  const versions = await (await fetch(`${base}/subjects/${subject}/versions`)).json();
  expect(versions).toEqual([1, 2]);
});

test('the subject level overrides the global BACKWARD default', async () => {
  const name = uniqueName('N').replace(/-/g, '_');
  const subject = `${name}-value`;
  const missing = await fetch(`${base}/config/${subject}`);
  expect(missing.status).toBe(404);
  expect(((await missing.json()) as { error_code: number }).error_code).toBe(40408);
  await fetch(`${base}/config/${subject}`, {
    method: 'PUT',
    headers: json,
    body: JSON.stringify({ compatibility: 'NONE' }),
  });
  await post(`/subjects/${subject}/versions`, { schema: schemaOf(name, [{ name: 'a', type: 'string' }]) });
  const anything = await post(`/subjects/${subject}/versions`, {
    schema: schemaOf(name, [{ name: 'b', type: 'int' }]),
  });
  expect(anything.status).toBe(200);
});

test('invalid Avro is refused with 42201 and an unknown schema id with 40403', async () => {
  const bad = await post(`/subjects/${uniqueName('bad')}/versions`, {
    schema: '{"type":"record","name":"X"}',
  });
  expect(bad.status).toBe(422);
  expect(((await bad.json()) as { error_code: number }).error_code).toBe(42201);
  const unknown = await fetch(`${base}/schemas/ids/987654321`);
  expect(unknown.status).toBe(404);
  expect(((await unknown.json()) as { error_code: number }).error_code).toBe(40403);
});

test('@kafkajs/confluent-schema-registry registers with BACKWARD and refuses an incompatible schema', async () => {
  const registry = new SchemaRegistry({ host: base });
  const name = uniqueName('K').replace(/-/g, '_');
  const subject = `${name}-value`;
  await registry.register(
    { type: SchemaType.AVRO, schema: schemaOf(name, [{ name: 'a', type: 'string' }]) },
    { subject },
  );
  const config = await (await fetch(`${base}/config/${subject}`)).json();
  expect(config).toEqual({ compatibilityLevel: 'BACKWARD' });
  await expect(
    registry.register(
      { type: SchemaType.AVRO, schema: schemaOf(name, [{ name: 'a', type: 'int' }]) },
      { subject },
    ),
  ).rejects.toThrow(/incompatible/);
  expect(await registry.getLatestSchemaId(subject)).toBeGreaterThan(0);
});
