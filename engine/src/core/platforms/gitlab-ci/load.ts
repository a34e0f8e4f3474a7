/**
 * Loads a GitLab pipeline file with all its includes, merged as GitLab merges them: includes in order
 * (a later one overrides an earlier one), each file's own keys over what it includes, the main file
 * last; hashes deep-merged, arrays replaced. Every top-level key and every key of a job remembers the
 * file and line it was written at and the include chain it came through. Pure.
 */
import type { ComponentSource, ComponentUse, RepoInput, ScanError, SourceFile } from '../../model';
import { isRecord, loadYaml, type Plain, type YamlPath } from '../../yaml';
import { applySpecHeader, globMatcher, includeKey, type IncludeRef, readIncludeEntries, readIncludeText } from './include';
import { readVariables } from './variables';

/** Where something was written, and the includes it came through (outermost first; [] for the main file). */
export interface Origin {
  file: string;
  line: number;
  from: readonly ComponentUse[];
  /** The top-level key it was written under (the job or template name). */
  owner: string;
  /** For a list value: the line of each item (script sections, for the line of each command). */
  items?: readonly number[];
  /** For a `variables:` map: the line of each variable, by name. */
  names?: ReadonlyMap<string, number>;
}

/** The origin of key `k` of top-level map `key`, with its items' lines when it is a list. */
function keyOrigin(value: Plain, key: string, k: string, file: string, from: readonly ComponentUse[], lineOf: (path: YamlPath) => number): Origin {
  const origin: Origin = { file, line: lineOf([key, k]), from, owner: key };
  const v = value[k];
  if (Array.isArray(v)) origin.items = v.map((_, i) => lineOf([key, k, i]));
  else if (k === 'variables' && isRecord(v)) origin.names = new Map(Object.keys(v).map((n) => [n, lineOf([key, k, n])]));
  return origin;
}

/** One top-level key of the merged configuration. */
export interface Entry {
  value: unknown;
  /** Where the top-level key was last defined. */
  origin: Origin;
  /** For map values: where each of its keys was last defined. */
  keys: Map<string, Origin>;
}

export interface Loaded {
  entries: Map<string, Entry>;
  /** Every include met, at any depth, in the order met. */
  uses: ComponentUse[];
  /** Includes whose file could not be read (also in `uses`). */
  unresolved: Array<{ use: ComponentUse; reason: string }>;
  errors: ScanError[];
  /** false when the main file itself could not be read as YAML (then there is no pipeline). */
  mainParsed: boolean;
}

/** GitLab's own limits: 150 includes per pipeline, 100 levels of nesting. */
export const MAX_INCLUDES = 150;
export const MAX_INCLUDE_DEPTH = 100;

/** Deep merge as GitLab does it: maps merge key by key, anything else is replaced by `over`. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isRecord(base) || !isRecord(over)) return over;
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? deepMerge(out[k], v) : v;
  return out;
}

/** Merges `over` into `target` (later wins), keeping per-key origins. */
export function mergeEntries(target: Map<string, Entry>, over: ReadonlyMap<string, Entry>): void {
  for (const [key, entry] of over) {
    const prev = target.get(key);
    if (prev && isRecord(prev.value) && isRecord(entry.value)) {
      const keys = new Map(prev.keys);
      for (const [k, o] of entry.keys) keys.set(k, o);
      target.set(key, { value: deepMerge(prev.value, entry.value), origin: entry.origin, keys });
    } else {
      target.set(key, entry);
    }
  }
}

interface FileInput {
  text: string;
  /** The name used in positions and errors (repository path, or `<raw>//<path>`). */
  positionFile: string;
  /** The include this file is (undefined for the main file). */
  ref?: IncludeRef;
  inputs?: Record<string, string>;
  /** The include chain down to and including this file's include. */
  from: readonly ComponentUse[];
}

interface State {
  repo: RepoInput;
  source: ComponentSource;
  uses: ComponentUse[];
  unresolved: Array<{ use: ComponentUse; reason: string }>;
  errors: ScanError[];
  count: number;
  /** Variables of the main file: usable in include paths of every file. */
  mainVars?: Map<string, string>;
  mainParsed: boolean;
}

/** The entries one file contributes (its includes merged underneath its own keys). */
function loadFile(state: State, input: FileInput, stack: ReadonlySet<string>): Map<string, Entry> {
  const { repo } = state;
  const prepared = applySpecHeader(input.text, input.inputs);
  const y = loadYaml(repo.repo, { path: input.positionFile, text: prepared.text } satisfies SourceFile);
  state.errors.push(...y.errors);
  const result = new Map<string, Entry>();
  if (input.ref === undefined) state.mainParsed = y.value !== undefined;
  if (y.value === undefined || y.value === null) return result;
  if (!isRecord(y.value)) {
    state.errors.push({ repo: repo.repo, file: input.positionFile, line: y.lineOf([]), code: 'gitlab-not-a-map', message: 'a GitLab CI file must be a map of keywords and jobs' });
    return result;
  }
  const doc = y.value;
  const at = (path: YamlPath): number => y.lineOf(path);

  const own = readVariables(doc.variables);
  if (input.ref === undefined) state.mainVars = own;
  const vars = new Map([...(state.mainVars ?? []), ...own]);
  const { entries, problems } = readIncludeEntries(doc.include, vars, input.ref);
  for (const p of problems) state.errors.push({ repo: repo.repo, file: input.positionFile, line: at(p.path), code: p.code, message: p.message });

  for (const entry of entries) {
    const line = at(entry.path);
    const targets = expandLocalGlob(state, entry.ref);
    for (const ref of targets) {
      const use: ComponentUse = entry.inputs ? { ref, pos: { file: input.positionFile, line }, inputs: entry.inputs } : { ref, pos: { file: input.positionFile, line } };
      const key = includeKey(ref);
      if (stack.has(key)) {
        state.errors.push({ repo: repo.repo, file: input.positionFile, line, code: 'gitlab-include-cycle', message: `include ${ref.raw} includes itself (directly or through other includes); not followed again` });
        continue;
      }
      // The stack holds the main file too: 100 levels of includes below it.
      if (stack.size > MAX_INCLUDE_DEPTH) {
        state.errors.push({ repo: repo.repo, file: input.positionFile, line, code: 'gitlab-include-limit', message: `includes nested deeper than ${MAX_INCLUDE_DEPTH} levels; ${ref.raw} not followed` });
        continue;
      }
      if (state.count >= MAX_INCLUDES) {
        state.errors.push({ repo: repo.repo, file: input.positionFile, line, code: 'gitlab-include-limit', message: `more than ${MAX_INCLUDES} includes; ${ref.raw} not followed` });
        continue;
      }
      state.count++;
      state.uses.push(use);
      const read = readIncludeText(ref, repo, state.source);
      if (read.status === 'missing') {
        state.unresolved.push({ use, reason: read.reason });
        if (ref.include === 'local') {
          state.errors.push({ repo: repo.repo, file: input.positionFile, line, code: 'gitlab-include-missing', message: read.reason });
        }
        continue;
      }
      const child: FileInput = { text: read.text, positionFile: read.positionFile, ref, from: [...input.from, use] };
      if (entry.inputs) child.inputs = entry.inputs;
      mergeEntries(result, loadFile(state, child, new Set([...stack, key])));
    }
  }

  const mine = new Map<string, Entry>();
  for (const [key, value] of Object.entries(doc)) {
    if (key === 'include') continue;
    const origin: Origin = { file: input.positionFile, line: at([key]), from: input.from, owner: key };
    const keys = new Map<string, Origin>();
    if (isRecord(value)) {
      for (const k of Object.keys(value)) keys.set(k, keyOrigin(value, key, k, input.positionFile, input.from, at));
    }
    mine.set(key, { value, origin, keys });
  }
  mergeEntries(result, mine);
  return result;
}

/** A local include with `*` matches every repository file it names (none: nothing is included). */
function expandLocalGlob(state: State, ref: IncludeRef): IncludeRef[] {
  if (ref.include !== 'local' || !/[*?]/.test(ref.file)) return [ref];
  const match = globMatcher(ref.file);
  return state.repo.files.filter((f) => match(f.path)).map((f) => ({ ...ref, file: f.path }));
}

/** Loads `main` (a file of `repo`) with its includes. Never throws. */
export function loadPipeline(repo: RepoInput, main: SourceFile, source: ComponentSource): Loaded {
  const state: State = { repo, source, uses: [], unresolved: [], errors: [], count: 0, mainParsed: false };
  const entries = loadFile(state, { text: main.text, positionFile: main.path, from: [] }, new Set([includeKey({ kind: 'gitlab-include', include: 'local', file: main.path, raw: main.path })]));
  return { entries, uses: state.uses, unresolved: state.unresolved, errors: state.errors, mainParsed: state.mainParsed };
}

/** Loads one include file by itself (no nested includes followed): for `expand`. */
export function loadSingle(repo: RepoInput, input: { text: string; positionFile: string; ref: IncludeRef; inputs?: Record<string, string> }): {
  entries: Map<string, Entry>;
  includes: ComponentUse[];
  errors: ScanError[];
} {
  const prepared = applySpecHeader(input.text, input.inputs);
  const y = loadYaml(repo.repo, { path: input.positionFile, text: prepared.text });
  const entries = new Map<string, Entry>();
  const includes: ComponentUse[] = [];
  const errors: ScanError[] = [...y.errors];
  if (!isRecord(y.value)) return { entries, includes, errors };
  const doc = y.value;
  const { entries: incs } = readIncludeEntries(doc.include, readVariables(doc.variables), input.ref);
  for (const e of incs) {
    const pos = { file: input.positionFile, line: y.lineOf(e.path) };
    includes.push(e.inputs ? { ref: e.ref, pos, inputs: e.inputs } : { ref: e.ref, pos });
  }
  for (const [key, value] of Object.entries(doc)) {
    if (key === 'include') continue;
    const keys = new Map<string, Origin>();
    if (isRecord(value)) for (const k of Object.keys(value)) keys.set(k, keyOrigin(value, key, k, input.positionFile, [], (path) => y.lineOf(path)));
    entries.set(key, { value, origin: { file: input.positionFile, line: y.lineOf([key]), from: [], owner: key }, keys });
  }
  return { entries, includes, errors };
}
