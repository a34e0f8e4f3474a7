/**
 * GitLab's own templating over merged entries: `!reference [job, key, …]`, `extends` (string or list,
 * any depth, deep merge, cycles stop with an error), `default:` and the old top-level globals. Each key
 * of a resolved job keeps where it was written and where its referenced parts came from. Pure.
 */
import { isRecord, REFERENCE_KEY, asStringList, type Plain } from '../../yaml';
import { deepMerge, type Entry, type Origin } from './load';

export interface JobProblem {
  origin: Origin;
  code: string;
  message: string;
}

/** A job after templating: its keys, each with the origins of its value (where written first, then referenced parts). */
export interface ResolvedDefinition {
  value: Plain;
  keys: Map<string, Origin[]>;
}

/** GitLab resolves up to 10 levels of nested `!reference`; `extends` up to 11. */
const MAX_REFERENCE_DEPTH = 10;
const MAX_EXTENDS_DEPTH = 11;
/** References followed per pipeline: fan-out at every level must not grow without bound. */
export const MAX_REFERENCES = 10_000;

/** Keys a `default:` section (or the old top-level globals) gives a job that does not set them. */
export const DEFAULT_KEYS = ['after_script', 'artifacts', 'before_script', 'cache', 'hooks', 'id_tokens', 'image', 'interruptible', 'retry', 'services', 'tags', 'timeout'] as const;
const GLOBAL_KEYS = ['image', 'services', 'cache', 'before_script', 'after_script'] as const;

function isReference(v: unknown): v is { [REFERENCE_KEY]: unknown } {
  return isRecord(v) && REFERENCE_KEY in v && Object.keys(v).length === 1;
}

export class Templating {
  private readonly resolved = new Map<string, ResolvedDefinition | undefined>();
  readonly problems: JobProblem[] = [];
  private readonly reported = new Set<string>();
  private lookups = 0;

  constructor(private readonly entries: ReadonlyMap<string, Entry>) {}

  private problem(origin: Origin, code: string, message: string): void {
    const key = `${origin.file}:${origin.line}:${code}:${message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.problems.push({ origin, code, message });
  }

  /**
   * Replaces every `!reference` inside `value` by what it names. Inside arrays a referenced array is
   * spliced in (script lines). `found` collects the origins of referenced parts.
   */
  dereference(value: unknown, at: Origin, found: Origin[], depth = 0): unknown {
    if (isReference(value)) {
      const target = this.lookup(value[REFERENCE_KEY], at, found, depth);
      return target;
    }
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (const item of value) {
        const v = this.dereference(item, at, found, depth);
        if (isReference(item) && Array.isArray(v)) out.push(...(v as unknown[]));
        else out.push(v);
      }
      return out;
    }
    if (isRecord(value)) {
      const out: Plain = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.dereference(v, at, found, depth);
      return out;
    }
    return value;
  }

  private lookup(path: unknown, at: Origin, found: Origin[], depth: number): unknown {
    const parts = Array.isArray(path) ? path.map((p) => (typeof p === 'string' || typeof p === 'number' ? String(p) : '')) : [];
    const text = `!reference [${parts.join(', ')}]`;
    if (parts.length < 1 || parts.some((p) => p === '')) {
      this.problem(at, 'gitlab-reference-invalid', `${text}: expected a list of a job name and keys`);
      return undefined;
    }
    if (++this.lookups > MAX_REFERENCES) {
      this.problem(at, 'gitlab-reference-limit', `${text}: more than ${MAX_REFERENCES} references followed in this pipeline; not followed`);
      return undefined;
    }
    if (depth >= MAX_REFERENCE_DEPTH) {
      this.problem(at, 'gitlab-reference-depth', `${text}: references nested deeper than ${MAX_REFERENCE_DEPTH} levels (or a reference cycle)`);
      return undefined;
    }
    const [jobName, ...keys] = parts as [string, ...string[]];
    const entry = this.entries.get(jobName);
    if (!entry) {
      this.problem(at, 'gitlab-reference-unknown', `${text}: no job or template named ${jobName}`);
      return undefined;
    }
    let value: unknown = entry.value;
    for (const k of keys) {
      if (!isRecord(value) || !(k in value)) {
        this.problem(at, 'gitlab-reference-unknown', `${text}: ${jobName} has no ${keys.join('.')}`);
        return undefined;
      }
      value = value[k];
    }
    const origin = (keys[0] !== undefined ? entry.keys.get(keys[0]) : undefined) ?? entry.origin;
    found.push(origin);
    return this.dereference(value, origin, found, depth + 1);
  }

  /** The job or template `name` with `extends` applied (memoised). undefined when not a map. */
  definition(name: string, stack: readonly string[] = []): ResolvedDefinition | undefined {
    if (this.resolved.has(name)) return this.resolved.get(name);
    const entry = this.entries.get(name);
    if (!entry || !isRecord(entry.value)) return undefined;
    const own = this.ownDefinition(entry);
    const bases = asStringList(entry.value.extends);
    let value: Plain = {};
    const keys = new Map<string, Origin[]>();
    for (const base of bases) {
      const at = entry.keys.get('extends') ?? entry.origin;
      if (base === name || stack.includes(base)) {
        this.problem(at, 'gitlab-extends-cycle', `${name} extends ${base}, which extends ${name} again`);
        continue;
      }
      if (stack.length >= MAX_EXTENDS_DEPTH) {
        this.problem(at, 'gitlab-extends-depth', `${name}: extends nested deeper than ${MAX_EXTENDS_DEPTH} levels`);
        continue;
      }
      const def = this.definition(base, [...stack, name]);
      if (!def) {
        this.problem(at, 'gitlab-extends-unknown', `${name} extends ${base}, which is not defined`);
        continue;
      }
      value = deepMerge(value, def.value) as Plain;
      for (const [k, o] of def.keys) keys.set(k, o);
    }
    value = deepMerge(value, own.value) as Plain;
    for (const [k, o] of own.keys) keys.set(k, o);
    delete value.extends;
    keys.delete('extends');
    const out: ResolvedDefinition = { value, keys };
    this.resolved.set(name, out);
    return out;
  }

  private ownDefinition(entry: Entry): { value: Plain; keys: Map<string, Origin[]> } {
    const value: Plain = {};
    const keys = new Map<string, Origin[]>();
    if (!isRecord(entry.value)) return { value, keys };
    for (const [k, v] of Object.entries(entry.value)) {
      const at = entry.keys.get(k) ?? entry.origin;
      const found: Origin[] = [];
      value[k] = this.dereference(v, at, found);
      keys.set(k, [at, ...found]);
    }
    return { value, keys };
  }

  /**
   * The job with `default:` keys (or the old top-level globals) filled in where the job does not set
   * them and `inherit:default` allows it.
   */
  withDefaults(def: ResolvedDefinition): ResolvedDefinition {
    const inherit = isRecord(def.value.inherit) ? def.value.inherit.default : undefined;
    const allowed = (k: string): boolean => (inherit === false ? false : Array.isArray(inherit) ? inherit.includes(k) : true);
    const value: Plain = { ...def.value };
    const keys = new Map(def.keys);
    const defaults = this.entries.get('default');
    for (const k of DEFAULT_KEYS) {
      if (k in value || !allowed(k)) continue;
      if (defaults && isRecord(defaults.value) && k in defaults.value) {
        const at = defaults.keys.get(k) ?? defaults.origin;
        const found: Origin[] = [];
        value[k] = this.dereference(defaults.value[k], at, found);
        keys.set(k, [at, ...found]);
      } else if ((GLOBAL_KEYS as readonly string[]).includes(k)) {
        const global = this.entries.get(k);
        if (global) {
          const found: Origin[] = [];
          value[k] = this.dereference(global.value, global.origin, found);
          keys.set(k, [global.origin, ...found]);
        }
      }
    }
    return { value, keys };
  }
}
