// The Confluent Schema Registry REST API subset that our clients use, with Confluent's error codes, on
// Fastify (routing, body parsing, one error handler).
import Fastify, { type FastifyInstance } from 'fastify';
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

/** Any body, whatever its content type (clients send application/vnd.schemaregistry.v1+json), as JSON. */
function parseBody(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text || '{}') as Record<string, unknown>;
  } catch {
    throw new ApiError(400, 400, 'request body is not JSON');
  }
}

type Strings = Readonly<Record<string, string>>;
type Handler = (params: Strings, body: Record<string, unknown>, query: Strings) => unknown;

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

/** The stand-in's server, not yet listening. */
export function createRegistryApi(state: RegistryState): FastifyInstance {
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

  const routes: ['GET' | 'POST' | 'PUT' | 'DELETE', string, Handler][] = [
    ['GET', '/', () => ({})],
    ['GET', '/subjects', () => state.subjects()],
    [
      'GET',
      '/schemas/ids/:id',
      ({ id }) => {
        const schema = state.schema(Number(id));
        if (schema === undefined) throw new ApiError(404, 40403, 'Schema not found');
        return { schema };
      },
    ],
    ['GET', '/schemas/ids/:id/versions', ({ id }) => state.subjectsOf(Number(id))],
    [
      'GET',
      '/subjects/:subject/versions',
      ({ subject }) => {
        const versions = state.versions(subject!);
        if (!versions) throw subjectNotFound(subject!);
        return versions.map((v) => v.version);
      },
    ],
    ['GET', '/subjects/:subject/versions/:version', ({ subject, version }) => versionOf(subject!, version!)],
    [
      'GET',
      '/subjects/:subject/versions/:version/schema',
      ({ subject, version }) => JSON.parse(versionOf(subject!, version!).schema),
    ],
    [
      'POST',
      '/subjects/:subject/versions',
      ({ subject }, input) => {
        const schema = canonical(input);
        const existing = state.versions(subject!)?.find((v) => state.schema(v.id) === schema);
        if (existing) return { id: existing.id };
        const result = verdict(subject!, schema);
        if (!result.compatible) {
          throw new ApiError(
            409,
            409,
            `Schema being registered is incompatible with an earlier schema for subject "${subject}": ${result.problems.join('; ')}`,
          );
        }
        return { id: state.addVersion(subject!, schema).id };
      },
    ],
    [
      'POST',
      '/subjects/:subject',
      ({ subject }, input) => {
        const schema = canonical(input);
        const versions = state.versions(subject!);
        if (!versions) throw subjectNotFound(subject!);
        const hit = versions.find((v) => state.schema(v.id) === schema);
        if (!hit) throw new ApiError(404, 40403, 'Schema not found');
        return { subject, version: hit.version, id: hit.id, schema };
      },
    ],
    [
      'DELETE',
      '/subjects/:subject',
      ({ subject }) => {
        if (!state.versions(subject!)) throw subjectNotFound(subject!);
        return state.deleteSubject(subject!);
      },
    ],
    ['GET', '/config', () => ({ compatibilityLevel: state.globalLevel() })],
    [
      'PUT',
      '/config',
      (_p, input) => {
        const level = levelOf(input);
        state.setLevel(undefined, level);
        return { compatibility: level };
      },
    ],
    [
      'GET',
      '/config/:subject',
      ({ subject }, _b, query) => {
        const level = state.subjectLevel(subject!);
        if (level) return { compatibilityLevel: level };
        if (query['defaultToGlobal'] === 'true') return { compatibilityLevel: state.globalLevel() };
        throw new ApiError(
          404,
          40408,
          `Subject '${subject}' does not have subject-level compatibility configured`,
        );
      },
    ],
    [
      'PUT',
      '/config/:subject',
      ({ subject }, input) => {
        const level = levelOf(input);
        state.setLevel(subject!, level);
        return { compatibility: level };
      },
    ],
    [
      'POST',
      '/compatibility/subjects/:subject/versions/:version',
      ({ subject, version }, input) => {
        const schema = canonical(input);
        if (!state.versions(subject!)) return { is_compatible: true };
        const upTo = versionOf(subject!, version!).version;
        const result = verdict(subject!, schema, upTo);
        return result.compatible
          ? { is_compatible: true }
          : { is_compatible: false, messages: result.problems };
      },
    ],
  ];

  const app = Fastify();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, text, done) => {
    try {
      done(null, parseBody(text as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    void reply.header('content-type', CONTENT_TYPE);
    return payload;
  });
  for (const [method, url, handler] of routes)
    app.route({
      method,
      url,
      handler: async (req) =>
        handler(req.params as Strings, (req.body ?? {}) as Record<string, unknown>, req.query as Strings),
    });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error_code: 404, message: `HTTP 404 Not Found: ${req.method} ${req.url}` }),
  );
  app.setErrorHandler((err, _req, reply) =>
    err instanceof ApiError
      ? reply.code(err.status).send({ error_code: err.errorCode, message: err.message })
      : reply.code(500).send({ error_code: 50001, message: String(err) }),
  );
  return app;
}
