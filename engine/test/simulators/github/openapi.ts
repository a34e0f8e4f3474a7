/**
 * Checks the GitHub simulator's REST answers against GitHub's own published description,
 * `@octokit/openapi`'s `generated/api.github.com.json`: the operation's response schema for the status
 * (a `$ref` to `components/responses` followed), with ajv (OpenAPI 3.0's `nullable` understood, formats
 * checked). Loaded once per process.
 */
import { readFileSync } from 'node:fs';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Json = Record<string, unknown>;

let loaded: { spec: Json; ajv: Ajv } | undefined;
const compiled = new Map<string, ValidateFunction | null>();

function load(): { spec: Json; ajv: Ajv } {
  if (loaded) return loaded;
  const spec = JSON.parse(readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8')) as Json;
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema(spec, 'gh');
  loaded = { spec, ajv };
  return loaded;
}

function deref(spec: Json, node: unknown): Json | undefined {
  let cur = node as Json | undefined;
  for (let i = 0; i < 5 && cur && typeof cur.$ref === 'string'; i++) {
    const pointer = (cur.$ref as string).replace(/^#\//, '').split('/');
    let next: unknown = spec;
    for (const seg of pointer) next = (next as Json | undefined)?.[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
    cur = next as Json | undefined;
  }
  return cur;
}

/** Is this operation (`/repos/{owner}/{repo}/contents/{path}`, `get`) described, with a response for `status`? */
export function describedStatuses(path: string, method: string): string[] {
  const { spec } = load();
  const op = ((spec.paths as Json)[path] as Json | undefined)?.[method] as Json | undefined;
  return op ? Object.keys(op.responses as Json) : [];
}

/**
 * The problems of `body` as the answer `status` of the operation; [] when it conforms. A status the
 * operation does not describe is itself a problem.
 */
export function checkResponse(path: string, method: string, status: number, body: unknown): string[] {
  const key = `${method} ${path} ${status}`;
  if (!compiled.has(key)) {
    const { spec, ajv } = load();
    const op = ((spec.paths as Json)[path] as Json | undefined)?.[method] as Json | undefined;
    if (!op) return [`${method.toUpperCase()} ${path} is not an operation of api.github.com.json`];
    const response = deref(spec, (op.responses as Json)[String(status)]);
    if (!response) return [`${method.toUpperCase()} ${path} does not describe a ${status} answer`];
    const schema = ((response.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema;
    if (schema === undefined) {
      compiled.set(key, null);
    } else {
      const rooted = JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"gh#/components/')) as Json;
      compiled.set(key, ajv.compile(rooted));
    }
  }
  const validate = compiled.get(key);
  if (validate === null || validate === undefined) return body === undefined ? [] : [`${status} has no JSON body in the description`];
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e) => `${method.toUpperCase()} ${path} ${status}: ${e.instancePath || '/'} ${e.message ?? ''}`);
}
