// The Confluent Schema Registry REST API subset that our clients use, with Confluent's error codes.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  checkCompatibility,
  isCompatibilityLevel,
  parseAvro,
  type CompatibilityLevel,
} from '@mailfleet/contracts';
import type { RegistryState } from './registry-state';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

const subjectNotFound = (s: string) => new ApiError(404, 40401, `Subject '${s}' not found.`);

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    throw new ApiError(400, 400, 'request body is not JSON');
  }
}

/** Parses and canonicalises a submitted schema; 42201 when it is not valid Avro. */
function canonical(input: Record<string, unknown>): string {
  if (input['schemaType'] !== undefined && input['schemaType'] !== 'AVRO') {
    throw new ApiError(
      422,
      42201,
      `schemaType ${String(input['schemaType'])} is not supported by this stand-in (AVRO only)`,
    );
  }
  if (Array.isArray(input['references']) && input['references'].length > 0) {
    throw new ApiError(422, 42201, 'schema references are not supported by this stand-in');
  }
  if (typeof input['schema'] !== 'string')
    throw new ApiError(422, 42201, "field 'schema' (a string) is required");
  try {
    const json = JSON.parse(input['schema']) as unknown;
    parseAvro(json as object);
    return JSON.stringify(json);
  } catch (err) {
    throw new ApiError(422, 42201, `Invalid schema: ${(err as Error).message}`);
  }
}

function levelOf(input: Record<string, unknown>): CompatibilityLevel {
  const level = String(input['compatibility'] ?? '').toUpperCase();
  if (!isCompatibilityLevel(level)) throw new ApiError(422, 42203, `Invalid compatibility level '${level}'`);
  return level;
}

export function createRegistryApi(state: RegistryState): Server {
  const effectiveLevel = (subject: string) => state.subjectLevel(subject) ?? state.globalLevel();

  const versionOf = (subject: string, v: string) => {
    const versions = state.versions(subject);
    if (!versions) throw subjectNotFound(subject);
    const found =
      v === 'latest' || v === '-1' ? versions.at(-1) : versions.find((x) => x.version === Number(v));
    if (!found) throw new ApiError(404, 40402, `Version ${v} not found.`);
    return { subject, version: found.version, id: found.id, schema: state.schema(found.id) as string };
  };

  const verdict = (subject: string, candidate: string, upTo?: number) => {
    const earlier = (state.versions(subject) ?? [])
      .filter((v) => upTo === undefined || v.version <= upTo)
      .map((v) => parseAvro(state.schema(v.id) as string));
    return checkCompatibility(parseAvro(candidate), earlier, effectiveLevel(subject));
  };

  const routes: [string, RegExp, (m: string[], req: IncomingMessage) => Promise<unknown> | unknown][] = [
    ['GET', /^\/$/, () => ({})],
    ['GET', /^\/subjects$/, () => state.subjects()],
    [
      'GET',
      /^\/schemas\/ids\/(\d+)$/,
      ([id]) => {
        const schema = state.schema(Number(id));
        if (schema === undefined) throw new ApiError(404, 40403, 'Schema not found');
        return { schema };
      },
    ],
    ['GET', /^\/schemas\/ids\/(\d+)\/versions$/, ([id]) => state.subjectsOf(Number(id))],
    [
      'GET',
      /^\/subjects\/([^/]+)\/versions$/,
      ([s]) => {
        const versions = state.versions(s as string);
        if (!versions) throw subjectNotFound(s as string);
        return versions.map((v) => v.version);
      },
    ],
    ['GET', /^\/subjects\/([^/]+)\/versions\/([^/]+)$/, ([s, v]) => versionOf(s as string, v as string)],
    [
      'GET',
      /^\/subjects\/([^/]+)\/versions\/([^/]+)\/schema$/,
      ([s, v]) => JSON.parse(versionOf(s as string, v as string).schema),
    ],
    [
      'POST',
      /^\/subjects\/([^/]+)\/versions$/,
      async ([s], req) => {
        const subject = s as string;
        const schema = canonical(await body(req));
        const existing = state.versions(subject)?.find((v) => state.schema(v.id) === schema);
        if (existing) return { id: existing.id };
        const result = verdict(subject, schema);
        if (!result.compatible) {
          throw new ApiError(
            409,
            409,
            `Schema being registered is incompatible with an earlier schema for subject "${subject}": ${result.problems.join('; ')}`,
          );
        }
        return { id: state.addVersion(subject, schema).id };
      },
    ],
    [
      'POST',
      /^\/subjects\/([^/]+)$/,
      async ([s], req) => {
        const subject = s as string;
        const schema = canonical(await body(req));
        const versions = state.versions(subject);
        if (!versions) throw subjectNotFound(subject);
        const hit = versions.find((v) => state.schema(v.id) === schema);
        if (!hit) throw new ApiError(404, 40403, 'Schema not found');
        return { subject, version: hit.version, id: hit.id, schema };
      },
    ],
    [
      'DELETE',
      /^\/subjects\/([^/]+)$/,
      ([s]) => {
        if (!state.versions(s as string)) throw subjectNotFound(s as string);
        return state.deleteSubject(s as string);
      },
    ],
    ['GET', /^\/config$/, () => ({ compatibilityLevel: state.globalLevel() })],
    [
      'PUT',
      /^\/config$/,
      async (_m, req) => {
        const level = levelOf(await body(req));
        state.setLevel(undefined, level);
        return { compatibility: level };
      },
    ],
    [
      'GET',
      /^\/config\/([^/]+)$/,
      ([s], req) => {
        const level = state.subjectLevel(s as string);
        if (level) return { compatibilityLevel: level };
        if ((req.url ?? '').includes('defaultToGlobal=true'))
          return { compatibilityLevel: state.globalLevel() };
        throw new ApiError(404, 40408, `Subject '${s}' does not have subject-level compatibility configured`);
      },
    ],
    [
      'PUT',
      /^\/config\/([^/]+)$/,
      async ([s], req) => {
        const level = levelOf(await body(req));
        state.setLevel(s as string, level);
        return { compatibility: level };
      },
    ],
    [
      'POST',
      /^\/compatibility\/subjects\/([^/]+)\/versions\/([^/]+)$/,
      async ([s, v], req) => {
        const subject = s as string;
        const schema = canonical(await body(req));
        if (!state.versions(subject)) return { is_compatible: true };
        const upTo = versionOf(subject, v as string).version;
        const result = verdict(subject, schema, upTo);
        return result.compatible
          ? { is_compatible: true }
          : { is_compatible: false, messages: result.problems };
      },
    ],
  ];

  const reply = (res: ServerResponse, status: number, payload: unknown) => {
    res.writeHead(status, { 'content-type': CONTENT_TYPE });
    res.end(JSON.stringify(payload));
  };

  return createServer((req, res) => {
    const pathname = decodeURI((req.url ?? '/').split('?')[0] ?? '/');
    const route = routes.find(([method, pattern]) => method === req.method && pattern.test(pathname));
    if (!route)
      return reply(res, 404, { error_code: 404, message: `HTTP 404 Not Found: ${req.method} ${pathname}` });
    const match = (route[1].exec(pathname) ?? []).slice(1);
    Promise.resolve()
      .then(() => route[2](match, req))
      .then(
        (payload) => reply(res, 200, payload),
        (err: unknown) =>
          err instanceof ApiError
            ? reply(res, err.status, { error_code: err.errorCode, message: err.message })
            : reply(res, 500, { error_code: 50001, message: String(err) }),
      );
  });
}
