// npm run k8s:schemas — writes the JSON schemas kubeconform validates deploy/kubernetes against, for the
// kinds the manifests use, into deploy/kubernetes/schemas (committed, so validation runs offline). The
// Kubernetes kinds come from the OpenAPI document in the k8s.io/kubernetes Go module, KEDA's ScaledObject
// from its CRD in the KEDA module: both through the Go module proxy, the one registry that has them.
// Strict like `kubectl --validate`: an unknown field anywhere is an error.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const KUBERNETES = 'k8s.io/kubernetes@v1.31.4';
const KEDA = 'github.com/kedacore/keda/v2@v2.21.0';
/** Definition id → kubeconform's file name (`{kind}{-group}-{version}.json`, lower case). */
const KINDS: Record<string, string> = {
  'io.k8s.api.apps.v1.Deployment': 'deployment-apps-v1',
  'io.k8s.api.core.v1.ConfigMap': 'configmap-v1',
  'io.k8s.api.core.v1.Service': 'service-v1',
  'io.k8s.api.policy.v1.PodDisruptionBudget': 'poddisruptionbudget-policy-v1',
};

type Schema = { [key: string]: unknown };

const moduleDir = (mod: string): string =>
  (
    JSON.parse(
      execFileSync('go', ['mod', 'download', '-json', mod], {
        encoding: 'utf8',
        env: { ...process.env, GOFLAGS: '-mod=mod' },
      }),
    ) as { Dir: string }
  ).Dir;

/** kubectl's strictness and Kubernetes' int-or-string, as openapi2jsonschema does them. */
function strict(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strict);
  if (node === null || typeof node !== 'object') return node;
  const n = node as Schema;
  if (n['format'] === 'int-or-string') return { oneOf: [{ type: 'string' }, { type: 'integer' }] };
  const out: Schema = {};
  for (const [k, v] of Object.entries(n))
    out[k] = k === 'properties' ? mapValues(v as Schema, strict) : strict(v);
  if ('properties' in n && !('additionalProperties' in n) && !n['x-kubernetes-preserve-unknown-fields'])
    out['additionalProperties'] = false;
  return out;
}
const mapValues = (o: Schema, f: (v: unknown) => unknown): Schema =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));

/** The definitions `id` needs, transitively, kept as #/definitions references. */
function closure(definitions: Record<string, Schema>, id: string): Record<string, Schema> {
  const needed: Record<string, Schema> = {};
  const visit = (ref: string) => {
    if (needed[ref]) return;
    needed[ref] = definitions[ref]!;
    JSON.stringify(definitions[ref], (key, value: unknown) => {
      if (key === '$ref' && typeof value === 'string') visit(value.replace('#/definitions/', ''));
      return value;
    });
  };
  visit(id);
  return needed;
}

function main(): void {
  const out = path.resolve(__dirname, '..', '..', 'deploy', 'kubernetes', 'schemas');
  mkdirSync(out, { recursive: true });
  const swagger = JSON.parse(
    readFileSync(path.join(moduleDir(KUBERNETES), 'api', 'openapi-spec', 'swagger.json'), 'utf8'),
  ) as { definitions: Record<string, Schema> };
  for (const [id, file] of Object.entries(KINDS)) {
    const schema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      description: `${id} (${KUBERNETES}), strict`,
      $ref: `#/definitions/${id}`,
      definitions: mapValues(closure(swagger.definitions, id), strict),
    };
    writeFileSync(path.join(out, `${file}.json`), `${JSON.stringify(schema)}\n`);
  }
  const crd = parse(
    readFileSync(path.join(moduleDir(KEDA), 'config', 'crd', 'bases', 'keda.sh_scaledobjects.yaml'), 'utf8'),
  ) as { spec: { versions: { name: string; schema: { openAPIV3Schema: Schema } }[] } };
  for (const v of crd.spec.versions) {
    const schema = {
      description: `keda.sh/${v.name} ScaledObject (${KEDA}), strict`,
      ...(strict(v.schema.openAPIV3Schema) as Schema),
    };
    writeFileSync(path.join(out, `scaledobject-keda-${v.name}.json`), `${JSON.stringify(schema)}\n`);
  }
  console.log(`schemas written to ${path.relative(process.cwd(), out)}`);
}

main();
