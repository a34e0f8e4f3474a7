/**
 * Checks the CircleCI simulator against CircleCI's published API v2 OpenAPI file
 * (../shared/platform-apis/circleci/openapi-v2.json beside the repository): every response it sends for
 * a v2 operation is validated with ajv against that operation's response schema (the status's, or
 * `default`), and every request's query parameter names must be ones the operation declares (plus the
 * deprecated `circle-token` auth parameter the spec's security schemes name).
 *
 * Conversion from OpenAPI 3.0 to JSON Schema for ajv:
 *  - the file marks nullable fields with `x-nullable: true` (a Swagger 2 extension ajv ignores), among
 *    them `next_page_token`, whose null ends every listing — so `x-nullable` is read as OpenAPI's
 *    `nullable` (type + null) where the schema has a `type`;
 *  - `example`/`examples`/`x-*` keywords are dropped; `$ref: '#/components/…'` is resolved in place.
 * Nothing else is relaxed. When the file is absent, `loadCircleCiSpec` returns undefined and the caller
 * skips validation (the simulator still runs).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** engine/test/simulators/circleci → repository root → ../shared/platform-apis/circleci/openapi-v2.json */
export const CIRCLECI_SPEC_PATH = join(resolve(__dirname, '..', '..', '..', '..'), '..', 'shared', 'platform-apis', 'circleci', 'openapi-v2.json');
/** The GraphQL document of the orb source query, beside the spec. */
export const ORB_SOURCE_GRAPHQL_PATH = join(CIRCLECI_SPEC_PATH, '..', 'queries', 'orb-source.graphql');

/** An operation the simulator serves, by its spec path and method. */
export interface OperationKey {
  path: string;
  method: 'get';
}

export class CircleCiSpecValidator {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly doc: JsonObject) {
    addFormats(this.ajv);
  }

  private operation(key: OperationKey): JsonObject | undefined {
    const paths = this.doc.paths;
    const item = isObject(paths) ? paths[key.path] : undefined;
    const op = isObject(item) ? item[key.method] : undefined;
    return isObject(op) ? op : undefined;
  }

  private resolveRef(ref: string): Json | undefined {
    if (!ref.startsWith('#/')) return undefined;
    let node: Json | undefined = this.doc;
    for (const raw of ref.slice(2).split('/')) {
      const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      node = isObject(node) ? node[seg] : undefined;
    }
    return node;
  }

  /** OpenAPI schema → JSON Schema for ajv (see the header). */
  private convert(schema: Json, depth = 0): Json {
    if (depth > 64) return {};
    if (Array.isArray(schema)) return schema.map((s) => this.convert(s, depth + 1));
    if (!isObject(schema)) return schema;
    if (typeof schema.$ref === 'string') {
      const target = this.resolveRef(schema.$ref);
      return target === undefined ? {} : this.convert(target, depth + 1);
    }
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(schema)) {
      if (k === 'example' || k === 'examples' || k.startsWith('x-')) continue;
      if (k === 'properties' && isObject(v)) {
        out.properties = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, this.convert(s, depth + 1)]));
        continue;
      }
      out[k] = typeof v === 'object' && v !== null ? this.convert(v, depth + 1) : v;
    }
    if (schema['x-nullable'] === true && typeof out.type === 'string') out.nullable = true;
    return out;
  }

  /** Problems of a response (empty when valid). */
  validateResponse(key: OperationKey, status: number, body: unknown): string[] {
    const op = this.operation(key);
    if (!op) return [`${key.method.toUpperCase()} ${key.path} is not an operation of the spec`];
    const responses = isObject(op.responses) ? op.responses : {};
    const response = responses[String(status)] ?? responses.default;
    if (!isObject(response)) return [`${key.method.toUpperCase()} ${key.path}: status ${status} is not declared`];
    const content = isObject(response.content) ? response.content : {};
    const media = content['application/json'];
    if (!isObject(media) || media.schema === undefined) return [];
    const cacheKey = `${key.method} ${key.path} ${String(status)}`;
    let fn = this.compiled.get(cacheKey);
    if (!fn) {
      const converted = this.convert(media.schema);
      fn = this.ajv.compile(isObject(converted) ? converted : {});
      this.compiled.set(cacheKey, fn);
    }
    if (fn(body)) return [];
    return (fn.errors ?? []).map((e) => `${key.method.toUpperCase()} ${key.path} ${status} response ${e.instancePath || '/'} ${e.message ?? 'invalid'}`);
  }

  /** Problems of a request: undeclared query parameters, missing required ones. */
  validateRequest(key: OperationKey, query: URLSearchParams): string[] {
    const op = this.operation(key);
    if (!op) return [`${key.method.toUpperCase()} ${key.path} is not an operation of the spec`];
    const params = (Array.isArray(op.parameters) ? op.parameters : []).map((p) => (isObject(p) && typeof p.$ref === 'string' ? this.resolveRef(p.$ref) : p));
    const query_ = params.filter((p): p is JsonObject => isObject(p) && p.in === 'query');
    const names = new Set(query_.map((p) => String(p.name)));
    names.add('circle-token');
    const problems: string[] = [];
    for (const name of new Set(query.keys())) {
      if (!names.has(name)) problems.push(`${key.method.toUpperCase()} ${key.path}: query parameter ${name} is not declared by the spec`);
    }
    for (const p of query_) {
      if (p.required === true && !query.has(String(p.name))) problems.push(`${key.method.toUpperCase()} ${key.path}: required query parameter ${String(p.name)} missing`);
    }
    return problems;
  }
}

let loaded: { validator: CircleCiSpecValidator | undefined } | undefined;

/** The validator over the shared spec, or undefined (one stderr line per process) when it is absent. */
export function loadCircleCiSpec(): CircleCiSpecValidator | undefined {
  if (!loaded) {
    if (existsSync(CIRCLECI_SPEC_PATH)) {
      loaded = { validator: new CircleCiSpecValidator(JSON.parse(readFileSync(CIRCLECI_SPEC_PATH, 'utf8')) as JsonObject) };
    } else {
      process.stderr.write('circleci simulator: ../shared/platform-apis/circleci is absent; requests and responses are not checked against its OpenAPI file and orb query\n');
      loaded = { validator: undefined };
    }
  }
  return loaded.validator;
}
