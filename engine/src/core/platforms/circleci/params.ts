/**
 * CircleCI parameter expansion: `<< parameters.x >>` (job / command / executor parameters),
 * `<< pipeline.parameters.x >>` (pipeline parameter defaults) and `<< matrix.x >>`. Other pipeline
 * values (`<< pipeline.git.branch >>`, `<< pipeline.number >>`…) are only known at run time and stay as
 * written, as do references to parameters that are not declared.
 */
import { asString, isRecord, type Plain } from '../../yaml';

export interface ParamScope {
  /** Parameter values of the definition being expanded (already expanded in the caller's scope). */
  params: Record<string, unknown>;
  /** Declared parameter types (`string`, `steps`, `env_var_name`, …), by name. */
  types: Record<string, string>;
  /** Pipeline parameter defaults. */
  pipeline: Record<string, unknown>;
  /** Matrix values of the job entry being expanded. */
  matrix?: Record<string, string>;
}

const TOKEN = /<<\s*(parameters|pipeline\.parameters|matrix)\.([\w-]+)\s*>>/g;
const WHOLE = /^\s*<<\s*(parameters|pipeline\.parameters|matrix)\.([\w-]+)\s*>>\s*$/;
const MAX_DEPTH = 256;

function lookup(scope: ParamScope, space: string, name: string): { found: boolean; value: unknown } {
  const table: Record<string, unknown> | undefined =
    space === 'parameters' ? scope.params : space === 'pipeline.parameters' ? scope.pipeline : scope.matrix;
  if (table !== undefined && Object.prototype.hasOwnProperty.call(table, name)) return { found: true, value: table[name] };
  return { found: false, value: undefined };
}

export function stringify(value: unknown): string {
  const s = asString(value);
  if (s !== undefined) return s;
  if (value === null || value === undefined) return '';
  try {
    return JSON.stringify(value);
  } catch {
    return '[circular value]';
  }
}

/** Expands the parameter references in one string. */
export function substituteText(text: string, scope: ParamScope): string {
  if (!text.includes('<<')) return text;
  return text.replace(TOKEN, (whole: string, space: string, name: string) => {
    const hit = lookup(scope, space, name);
    return hit.found ? stringify(hit.value) : whole;
  });
}

/**
 * Expands parameter references everywhere in a value. A string that is exactly one reference takes the
 * parameter's value as it is (a `steps` list, an executor map, a boolean). Objects are copied; `origin`
 * carries the positions registered for the originals over to the copies. A value that contains itself
 * (a YAML alias inside its own anchor) is cut where it repeats (null), so copies are always finite.
 */
export function substitute<T>(value: unknown, scope: ParamScope, origin?: WeakMap<object, T>, depth = 0, within: Set<object> = new Set()): unknown {
  if (depth > MAX_DEPTH) return null;
  if (value !== null && typeof value === 'object') {
    if (within.has(value)) return null;
    within.add(value);
    try {
      return copy(value, scope, origin, depth, within);
    } finally {
      within.delete(value);
    }
  }
  if (typeof value === 'string') {
    // Most strings hold no reference at all (every reference starts with `<<`).
    if (!value.includes('<<')) return value;
    const whole = WHOLE.exec(value);
    if (whole) {
      const hit = lookup(scope, whole[1] ?? '', whole[2] ?? '');
      if (hit.found) return hit.value;
    }
    return substituteText(value, scope);
  }
  return value;
}

function copy<T>(value: object, scope: ParamScope, origin: WeakMap<object, T> | undefined, depth: number, within: Set<object>): unknown {
  if (Array.isArray(value)) {
    const out = value.map((v: unknown) => substitute(v, scope, origin, depth + 1, within));
    const o = origin?.get(value);
    if (o !== undefined) origin?.set(out, o);
    return out;
  }
  if (isRecord(value)) {
    const out: Plain = {};
    for (const [k, v] of Object.entries(value)) out[substituteText(k, scope)] = substitute(v, scope, origin, depth + 1, within);
    const o = origin?.get(value);
    if (o !== undefined) origin?.set(out, o);
    return out;
  }
  return value;
}

/**
 * The parameter values of a definition: its declared defaults, overridden by the arguments given at
 * the use site (arguments are already expanded in the caller's scope).
 */
export function bindParameters(declared: unknown, args: Plain): { params: Record<string, unknown>; types: Record<string, string> } {
  const params: Record<string, unknown> = {};
  const types: Record<string, string> = {};
  const names = new Set<string>();
  if (isRecord(declared)) {
    for (const [name, decl] of Object.entries(declared)) {
      names.add(name);
      if (isRecord(decl)) {
        const type = asString(decl.type);
        if (type !== undefined) types[name] = type;
        if (Object.prototype.hasOwnProperty.call(decl, 'default')) params[name] = decl.default;
      }
    }
  }
  for (const [name, value] of Object.entries(args)) {
    if (names.has(name)) params[name] = value;
  }
  return { params, types };
}

/** Pipeline parameter defaults from the config's top-level `parameters:`. */
export function pipelineDefaults(declared: unknown): Record<string, unknown> {
  return bindParameters(declared, {}).params;
}
