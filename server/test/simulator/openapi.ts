// Validates every request the simulator receives and every response it sends against the Mattermost
// OpenAPI 3.0 spec (shared/mattermost-contracts/openapi, the 2023 fragments; see PROVENANCE.md).
// The fragments are concatenated like upstream's Makefile: introduction.yaml, the tag files,
// definitions.yaml. OpenAPI schemas are converted to JSON Schema for ajv: `nullable` → type + null,
// `example`/`xml`/`externalDocs` dropped, `$ref: '#/components/schemas/X'` → a registered schema.
//
// Relaxations (each one is a place where the 2023 spec is known stale against the 5.37 server that
// the recordings come from, or where it cannot describe the traffic):
//  R1 Responses: every typed schema also accepts `null`. Go serialises nil maps/slices/pointers as
//     null (`props: null`, `participants: null`, `fields: null`, `scheme_id: null`, `mini_preview`
//     in the recordings) and the spec marks almost none of them nullable.
//  R2 Error responses (>= 400) whose status the operation does not declare are validated against
//     components.schemas.AppError instead of being flagged (e.g. 500 app.post.save.app_error on POST
//     /posts, recorded on 5.37, is not in the spec).
//  R3 Multipart and raw-binary request bodies (POST /files) are not schema-checked; only JSON is.
//  R4 Paths outside the spec (the response_url `/hooks/commands/{id}`, which is not an API route,
//     and `/api/v4/websocket`) are not validated.
//  R5 Injected faults (429/5xx from failNext) stand for a rate limiter/proxy and are not validated.
//  R6 `format` keywords are checked only for the formats ajv-formats knows; unknown formats ignored.
//  R7 Timezone.useAutomaticTimezone: spec says boolean, 5.37 sends the string "true" (recorded GET
//     users/me) → string or boolean.
//  R8 PUT /posts/{post_id}/patch and PUT /posts/{post_id} request `props`: spec says string, the
//     server decodes a JSON object (Client4.patchPost/updatePost send one, as recorded) → object.
//  R9 POST /users/{user_id}/tokens answers 200 on 5.37 (recorded); the spec declares 201 → the 201
//     schema is used for 200.
import fs from 'node:fs';
import path from 'node:path';
import Ajv, {type ValidateFunction} from 'ajv';
import addFormats from 'ajv-formats';
import YAML from 'yaml';
import {isJsonObject, type JsonObject, type JsonValue} from './wire';

const DROP_KEYS = new Set(['example', 'examples', 'xml', 'externalDocs', 'discriminator', 'deprecated']);
const SCHEMA_REF = '#/components/schemas/';

interface Operation {
  method: string;
  template: string;
  regex: RegExp;
  literalSegments: number;
  op: JsonObject;
}

export interface ValidationInput {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string;
  body: JsonValue | undefined;
}

export function defaultOpenApiDir(): string {
  // server/test/simulator → repository root → ../shared
  const repoRoot = path.resolve(__dirname, '..', '..', '..');
  return path.join(repoRoot, '..', 'shared', 'mattermost-contracts', 'openapi');
}

const validators = new Map<string, OpenApiValidator | undefined>();

/** One validator per spec folder and process (parsing and compiling the spec takes ~0.3 s). */
export function validatorFor(dir: string): OpenApiValidator | undefined {
  if (!validators.has(dir)) {
    const doc = loadOpenApiDocument(dir);
    validators.set(dir, doc ? new OpenApiValidator(doc) : undefined);
  }
  return validators.get(dir);
}

/** Loads the concatenated spec; returns undefined when the folder is absent. */
export function loadOpenApiDocument(dir: string): JsonObject | undefined {
  if (!fs.existsSync(path.join(dir, 'introduction.yaml'))) {
    return undefined;
  }
  const tagFiles = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'introduction.yaml' && f !== 'definitions.yaml')
    .sort();
  const text = ['introduction.yaml', ...tagFiles, 'definitions.yaml']
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
  const doc: unknown = YAML.parse(text, {uniqueKeys: false, maxAliasCount: -1});
  if (!isJsonObject(doc as JsonValue)) {
    throw new Error(`OpenAPI fragments in ${dir} did not parse to an object`);
  }
  return doc as JsonObject;
}

function convertSchema(schema: JsonValue, lenientNull: boolean): JsonValue {
  if (Array.isArray(schema)) {
    return schema.map((s) => convertSchema(s, lenientNull));
  }
  if (!isJsonObject(schema)) {
    return schema;
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROP_KEYS.has(key) || key === 'nullable') {
      continue;
    }
    if (key === '$ref' && typeof value === 'string') {
      out.$ref = value.startsWith(SCHEMA_REF) ? `mm:${lenientNull ? 'res' : 'req'}:${value.slice(SCHEMA_REF.length)}` : value;
      continue;
    }
    if (key === 'properties' && isJsonObject(value)) {
      const props: JsonObject = {};
      for (const [name, sub] of Object.entries(value)) {
        props[name] = convertSchema(sub, lenientNull);
      }
      out.properties = props;
      continue;
    }
    out[key] = key === 'enum' || key === 'required' || key === 'default' ? value : convertSchema(value, lenientNull);
  }
  const nullable = schema.nullable === true || lenientNull;
  if (nullable && typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) {
      out.enum = [...out.enum, null];
    }
  }
  return out;
}

function templateRegex(template: string): RegExp {
  const pattern = template
    .split('/')
    .map((seg) => (/^\{[^}]+\}$/.test(seg) ? '[^/]+' : seg.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${pattern}$`);
}

function at(root: JsonValue | undefined, ...keys: string[]): JsonObject | undefined {
  let v: JsonValue | undefined = root;
  for (const k of keys) {
    v = isJsonObject(v) ? v[k] : undefined;
  }
  return isJsonObject(v) ? v : undefined;
}

/** Applies R7–R9 to the parsed document. */
function relax(doc: JsonObject): void {
  const tz = at(doc, 'components', 'schemas', 'Timezone', 'properties', 'useAutomaticTimezone');
  if (tz) {
    delete tz.type;
    tz.oneOf = [{type: 'string'}, {type: 'boolean'}];
  }
  for (const route of ['/api/v4/posts/{post_id}/patch', '/api/v4/posts/{post_id}']) {
    const props = at(doc, 'paths', route, 'put', 'requestBody', 'content', 'application/json', 'schema', 'properties', 'props');
    if (props) {
      props.type = 'object';
    }
  }
  const tokenResponses = at(doc, 'paths', '/api/v4/users/{user_id}/tokens', 'post', 'responses');
  if (tokenResponses?.['201'] !== undefined && tokenResponses['200'] === undefined) {
    tokenResponses['200'] = tokenResponses['201'];
  }
}

export class OpenApiValidator {
  private readonly ajv: Ajv;
  private readonly operations: Operation[] = [];
  private readonly components: JsonObject;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(doc: JsonObject) {
    relax(doc);
    this.ajv = new Ajv({strict: false, allErrors: true, validateFormats: true});
    addFormats(this.ajv);
    const components = doc.components;
    this.components = isJsonObject(components) ? components : {};
    const schemas = isJsonObject(this.components.schemas) ? this.components.schemas : {};
    for (const [name, schema] of Object.entries(schemas)) {
      const req = convertSchema(schema, false);
      const res = convertSchema(schema, true);
      if (isJsonObject(req) && isJsonObject(res)) {
        this.ajv.addSchema(req, `mm:req:${name}`);
        this.ajv.addSchema(res, `mm:res:${name}`);
      }
    }
    const paths = isJsonObject(doc.paths) ? doc.paths : {};
    for (const [template, item] of Object.entries(paths)) {
      if (!isJsonObject(item)) {
        continue;
      }
      for (const [method, op] of Object.entries(item)) {
        if (!isJsonObject(op)) {
          continue;
        }
        this.operations.push({
          method: method.toUpperCase(),
          template,
          regex: templateRegex(template),
          literalSegments: template.split('/').filter((s) => s !== '' && !s.startsWith('{')).length,
          op,
        });
      }
    }
    this.operations.sort((a, b) => b.literalSegments - a.literalSegments);
  }

  findOperation(method: string, pathname: string): Operation | undefined {
    return this.operations.find((o) => o.method === method && o.regex.test(pathname));
  }

  private compile(key: string, schema: JsonValue, lenientNull: boolean): ValidateFunction {
    const cached = this.cache.get(key);
    if (cached) {
      return cached;
    }
    const converted = convertSchema(schema, lenientNull);
    const fn = this.ajv.compile(isJsonObject(converted) ? converted : {});
    this.cache.set(key, fn);
    return fn;
  }

  private resolve(value: JsonValue | undefined): JsonValue | undefined {
    if (isJsonObject(value) && typeof value.$ref === 'string' && value.$ref.startsWith('#/components/')) {
      const [, , section, name] = value.$ref.split('/');
      const group = section ? this.components[section] : undefined;
      return isJsonObject(group) && name ? group[name] : undefined;
    }
    return value;
  }

  private static errorsOf(fn: ValidateFunction): string {
    return (fn.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`).join('; ');
  }

  /** Returns the violations of one request (empty when valid or when the path is outside the spec). */
  validateRequest(input: ValidationInput): string[] {
    const op = this.findOperation(input.method, input.path);
    if (!op) {
      return input.path.startsWith('/api/v4/') && input.path !== '/api/v4/websocket'
        ? [`${input.method} ${input.path}: request to an operation the spec does not define`]
        : [];
    }
    const problems: string[] = [];
    const where = `${input.method} ${op.template} request`;
    const params = Array.isArray(op.op.parameters) ? op.op.parameters : [];
    for (const raw of params) {
      const p = this.resolve(raw);
      if (isJsonObject(p) && p.in === 'query' && p.required === true && typeof p.name === 'string' && !input.query.has(p.name)) {
        problems.push(`${where}: missing required query parameter ${p.name}`);
      }
    }
    const body = this.resolve(op.op.requestBody);
    if (!isJsonObject(body)) {
      return problems;
    }
    const content = isJsonObject(body.content) ? body.content : {};
    const jsonMedia = content['application/json'];
    if (!isJsonObject(jsonMedia) || jsonMedia.schema === undefined) {
      return problems; // R3: multipart / binary bodies
    }
    if (input.body === undefined) {
      if (body.required === true) {
        problems.push(`${where}: JSON body required`);
      }
      return problems;
    }
    const fn = this.compile(`req ${input.method} ${op.template}`, jsonMedia.schema, false);
    if (!fn(input.body)) {
      problems.push(`${where}: ${OpenApiValidator.errorsOf(fn)}`);
    }
    return problems;
  }

  validateResponse(input: {method: string; path: string; status: number; contentType: string; body: JsonValue | undefined}): string[] {
    const op = this.findOperation(input.method, input.path);
    if (!op) {
      return [];
    }
    const where = `${input.method} ${op.template} response ${input.status}`;
    const responses = isJsonObject(op.op.responses) ? op.op.responses : {};
    let declared = this.resolve(responses[String(input.status)] ?? responses.default);
    let schemaKey = `res ${input.method} ${op.template} ${input.status}`;
    if (!isJsonObject(declared)) {
      if (input.status >= 400) {
        declared = {content: {'application/json': {schema: {$ref: '#/components/schemas/AppError'}}}}; // R2
        schemaKey = 'res AppError';
      } else {
        return [`${where}: status not declared by the spec (declared: ${Object.keys(responses).join(', ')})`];
      }
    }
    const content = isJsonObject(declared.content) ? declared.content : undefined;
    const media = content ? content['application/json'] ?? content['*/*'] : undefined;
    if (!isJsonObject(media) || media.schema === undefined) {
      return [];
    }
    if (input.body === undefined) {
      return [`${where}: spec declares a JSON body, got ${input.contentType || 'none'}`];
    }
    const fn = this.compile(schemaKey, media.schema, true);
    return fn(input.body) ? [] : [`${where}: ${OpenApiValidator.errorsOf(fn)}`];
  }
}
