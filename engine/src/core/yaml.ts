/**
 * YAML loading for every platform: values with anchors, aliases and merge keys resolved, positions
 * for any path, and every problem as a located ScanError (never a thrown error). Bounded: an alias
 * bomb, pathological nesting or an oversized file gives an error, not a hang or a crash.
 */
import { type Alias, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { ScanError, SourceFile } from './model';
import { parseFastYaml } from './yaml-fast';

export interface YamlLimits {
  /** Largest file parsed, in bytes of UTF-8 (default 5 MiB). */
  maxBytes: number;
  /** Most alias expansions when building values (default 10,000). */
  maxAliasCount: number;
  /** Deepest nesting of collections (default 256). */
  maxDepth: number;
}

export const DEFAULT_YAML_LIMITS: YamlLimits = { maxBytes: 5 * 1024 * 1024, maxAliasCount: 10_000, maxDepth: 256 };

export type YamlPath = ReadonlyArray<string | number>;

/**
 * Where a lookup of a path got to (YamlFile.placeOf), to look further from there: the many lookups
 * below one job or step then do not walk from the root each time. Read only by the file that made it.
 */
export interface YamlPlace {
  /** lineOf of the path that led here. */
  readonly line: number;
}

export interface YamlFile {
  file: string;
  /** The document's value (plain JS); undefined when the file could not be parsed at all. */
  value: unknown;
  /**
   * 1-based line of the node at `path` (a mapping entry: its key), or of its deepest existing ancestor;
   * with `from` (this file's placeOf(p)), of the node at [...p, ...path].
   */
  lineOf(path: YamlPath, from?: YamlPlace): number;
  /** Where the node at `path` (below `from`) is, for lookups below it: lineOf(q, placeOf(p)) is lineOf([...p, ...q]). */
  placeOf(path: YamlPath, from?: YamlPlace): YamlPlace;
  errors: ScanError[];
  /** The text split at each newline, when the reader made that anyway (the fast reader does). */
  lines?: readonly string[];
}

/** A gitlab `!reference [job, key]` tag is kept as `{ '!reference': ['job', 'key'] }`. */
export const REFERENCE_KEY = '!reference';

function error(repo: string, file: string, line: number, code: string, message: string, col?: number): ScanError {
  return col === undefined ? { repo, file, line, code, message } : { repo, file, line, col, code, message };
}

/**
 * Cheap pre-scan for nesting depth (flow brackets and block indentation), so that pathological input
 * never reaches the recursive composer. Returns the 1-based line where `max` is first exceeded.
 */
function tooDeepAt(text: string, max: number): number | undefined {
  let depth = 0;
  let line = 1;
  let lineStart = true;
  let indent = 0;
  // The open quote's character code (0: none). Character codes throughout, not one-character strings.
  let quote = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      lineStart = true;
      indent = 0;
      continue;
    }
    if (lineStart) {
      if (c === 32 || c === 45 /* '-' list markers count as indentation */) {
        indent++;
        continue;
      }
      lineStart = false;
      if (indent / 2 > max) return line;
    }
    if (quote !== 0) {
      if (c === quote) quote = 0;
      continue;
    }
    if (c === 34 /* " */ || c === 39 /* ' */) {
      // A quote only opens a string at the start of a scalar; inside plain text it is literal.
      const prev = i === 0 ? -1 : text.charCodeAt(i - 1);
      if (prev === -1 || prev === 32 || prev === 91 /* [ */ || prev === 123 /* { */ || prev === 44 /* , */ || prev === 58 /* : */) quote = c;
      continue;
    }
    if (c === 35 /* # */) {
      const prev = i === 0 ? -1 : text.charCodeAt(i - 1);
      if (prev === -1 || prev === 32 || prev === 9) {
        // To the end of the line (the newline is read next).
        const nl = text.indexOf('\n', i + 1);
        i = nl < 0 ? text.length - 1 : nl - 1;
      }
      continue;
    }
    if (c === 91 /* [ */ || c === 123 /* { */) {
      depth++;
      if (depth > max) return line;
    } else if ((c === 93 /* ] */ || c === 125 /* } */) && depth > 0) {
      depth--;
    }
  }
  return undefined;
}

/**
 * False when tooDeepAt cannot find brackets nested past `max` (there are at most `max` opening ones):
 * native scans instead of its loop. True: ask it. (Its other finding, a line indented past 2 × max,
 * the fast reader looks for itself, in the lines it has split anyway.)
 */
function mayBeTooDeeplyBracketed(text: string, max: number): boolean {
  if (!(max >= 0 && max <= 100_000)) return true;
  let opening = 0;
  for (let i = text.indexOf('['); i >= 0 && opening <= max; i = text.indexOf('[', i + 1)) opening++;
  for (let i = text.indexOf('{'); i >= 0 && opening <= max; i = text.indexOf('{', i + 1)) opening++;
  return opening > max;
}

/** Decodes bytes as strict UTF-8; a NUL byte or invalid sequence is an error (binary or mis-encoded). */
export function decodeSource(bytes: Uint8Array): { text: string } | { code: 'not-utf8' | 'binary'; message: string; line: number } {
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    let line = 1;
    for (let i = 0; i < nul; i++) if (bytes[i] === 10) line++;
    return { code: 'binary', message: 'file contains NUL bytes: not a text YAML file', line };
  }
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    return { text };
  } catch {
    // Locate the first bad byte by decoding line by line.
    let line = 1;
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i === bytes.length || bytes[i] === 10) {
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start, i));
        } catch {
          return { code: 'not-utf8', message: 'file is not valid UTF-8', line };
        }
        line++;
        start = i + 1;
      }
    }
    return { code: 'not-utf8', message: 'file is not valid UTF-8', line: 1 };
  }
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

/** Which reader loadYaml uses: the fast one first (default), or always the full one (tests, benchmarks). */
let fastReader = true;

/** Turns the fast reader (yaml-fast.ts) on or off; returns the previous setting. For tests and benchmarks. */
export function useFastYaml(on: boolean): boolean {
  const was = fastReader;
  fastReader = on;
  return was;
}

/**
 * Parses one YAML file. Never throws. A file in the plain subset yaml-fast.ts reads is read by it (same
 * value, same lines); any other file by the full reader (loadYamlFull).
 */
export function loadYaml(repo: string, source: SourceFile, limits: Partial<YamlLimits> = {}): YamlFile {
  if (fastReader) {
    const lim = { ...DEFAULT_YAML_LIMITS, ...limits };
    // The limits first, as the full reader checks them: a file it finds too deep the fast reader does not
    // read (it leaves one with a line indented past 2 × maxDepth), and it never recurses far past maxDepth.
    const small = source.text.length * 3 <= lim.maxBytes || Buffer.byteLength(source.text, 'utf8') <= lim.maxBytes;
    if (small && (!mayBeTooDeeplyBracketed(source.text, lim.maxDepth) || tooDeepAt(source.text, lim.maxDepth) === undefined)) {
      const fast = parseFastYaml(source.text, lim.maxAliasCount, lim.maxDepth);
      if (fast) return { file: source.path, value: fast.value, lineOf: fast.lineOf, placeOf: fast.placeOf, errors: [], lines: fast.lines };
    }
  }
  return loadYamlFull(repo, source, limits);
}

/** Parses one YAML file with the `yaml` package's composer (anchors, merge keys, tags, every error). Never throws. */
export function loadYamlFull(repo: string, source: SourceFile, limits: Partial<YamlLimits> = {}): YamlFile {
  const lim = { ...DEFAULT_YAML_LIMITS, ...limits };
  const file = source.path;
  const failed = (errors: ScanError[]): YamlFile => unread(file, errors, errors[0]?.line ?? 1);

  const bytes = Buffer.byteLength(source.text, 'utf8');
  if (bytes > lim.maxBytes) {
    return failed([error(repo, file, 1, 'too-large', `file is ${bytes} bytes; files over ${lim.maxBytes} bytes are not parsed`)]);
  }
  const deepLine = tooDeepAt(source.text, lim.maxDepth);
  if (deepLine !== undefined) {
    return failed([error(repo, file, deepLine, 'yaml-too-deep', `nesting deeper than ${lim.maxDepth} levels`)]);
  }

  const lineCounter = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(source.text, { lineCounter, merge: true, uniqueKeys: false, prettyErrors: false, strict: false });
  } catch (err) {
    return failed([error(repo, file, 1, 'yaml-syntax', `cannot parse: ${(err as Error).message}`)]);
  }
  const errors: ScanError[] = [];
  for (const e of doc.errors) {
    const pos = lineCounter.linePos(e.pos[0]);
    errors.push(error(repo, file, pos.line, 'yaml-syntax', firstLine(e.message), pos.col));
  }
  if (errors.length > 0) return failed(errors);

  // Keep GitLab's `!reference [a, b]` as data instead of losing the tag (a file without the tag's name has none).
  try {
    // (`reference`, not `!reference`: a %TAG handle can spell the tag otherwise.)
    if (source.text.includes('reference')) {
      visit(doc, {
        Seq(_key, node) {
          if (node.tag === REFERENCE_KEY) {
            const replacement = doc.createNode({ [REFERENCE_KEY]: node.toJSON() as unknown });
            replacement.range = node.range;
            return replacement;
          }
          return undefined;
        },
      });
    }
  } catch (err) {
    errors.push(error(repo, file, 1, 'yaml-syntax', `cannot read tags: ${(err as Error).message}`));
  }

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: lim.maxAliasCount });
  } catch (err) {
    const message = (err as Error).message;
    const code = /alias/i.test(message) ? 'yaml-alias-limit' : 'yaml-syntax';
    const line = /alias/i.test(message) ? firstAliasLine(doc, lineCounter) : 1;
    return unread(file, [error(repo, file, line, code, firstLine(message))], line);
  }

  const root: FullPlace = { line: nodeLine(doc.contents, lineCounter) ?? 1, node: doc.contents, stopped: false };
  // The walk stops at the first missing key (later keys are not looked for); a place remembers that it stopped.
  // (A place is only ever made by this placeOf: `from` is a FullPlace.)
  const placeOf = (path: YamlPath, from?: YamlPlace): FullPlace => {
    const start = (from ?? root) as FullPlace;
    if (start.stopped) return start;
    let node = start.node;
    let line = start.line;
    for (const key of path) {
      const found = child(doc, node, key);
      if (!found) return { line, node, stopped: true };
      node = found.node;
      line = found.line(lineCounter) ?? line;
    }
    return { line, node, stopped: false };
  };
  return { file, value, lineOf: (path, from) => placeOf(path, from).line, placeOf, errors };
}

/** A YamlPlace of the full reader: the node a lookup reached, and whether it stopped at a missing key before it. */
interface FullPlace extends YamlPlace {
  readonly node: unknown;
  readonly stopped: boolean;
}

/** A file without a value: every line asked for is `line` (that of its first error). */
function unread(file: string, errors: ScanError[], line: number): YamlFile {
  const place: YamlPlace = { line };
  return { file, value: undefined, lineOf: () => line, placeOf: () => place, errors };
}

function nodeLine(node: unknown, lc: LineCounter): number | undefined {
  const range = (node as Node | null)?.range;
  return range ? lc.linePos(range[0]).line : undefined;
}

function firstAliasLine(doc: Document, lc: LineCounter): number {
  let line = 1;
  visit(doc, {
    Alias(_k, node) {
      line = nodeLine(node, lc) ?? 1;
      return visit.BREAK;
    },
  });
  return line;
}

function deref(doc: Document, node: unknown): unknown {
  let n = node;
  for (let i = 0; i < 32 && isAlias(n); i++) n = (n as Alias).resolve(doc);
  return n;
}

/** Each map's keys to the index of their first pair, built once per map (a jobs map can have thousands of keys). */
const KEY_INDEX = new WeakMap<object, Map<unknown, number>>();

function keyIndex(map: { items: unknown[] }): Map<unknown, number> {
  let index = KEY_INDEX.get(map);
  if (!index) {
    index = new Map();
    map.items.forEach((item, i) => {
      if (!isPair(item)) return;
      const k = isScalar(item.key) ? item.key.value : item.key;
      if (!index?.has(k)) index?.set(k, i);
    });
    KEY_INDEX.set(map, index);
  }
  return index;
}

function child(doc: Document, node: unknown, key: string | number): { node: unknown; line: (lc: LineCounter) => number | undefined } | undefined {
  const n = deref(doc, node);
  if (isMap(n)) {
    const keys = keyIndex(n);
    const exact = keys.get(key);
    const asText = typeof key === 'number' ? keys.get(String(key)) : undefined;
    const at = exact === undefined ? asText : asText === undefined ? exact : Math.min(exact, asText);
    const item = at === undefined ? undefined : n.items[at];
    if (item !== undefined && isPair(item)) {
      return { node: item.value, line: (lc) => nodeLine(item.key, lc) ?? nodeLine(item.value, lc) };
    }
    // Merge keys: look in the merged maps.
    for (const item of n.items) {
      if (!isPair(item)) continue;
      const k = isScalar(item.key) ? item.key.value : item.key;
      const isMerge = k === '<<' || (typeof k === 'symbol' && k.description === '<<');
      if (!isMerge) continue;
      const sources = isSeq(deref(doc, item.value)) ? (deref(doc, item.value) as { items: unknown[] }).items : [item.value];
      for (const src of sources) {
        const found = child(doc, src, key);
        if (found) return found;
      }
    }
    return undefined;
  }
  if (isSeq(n) && typeof key === 'number') {
    const item = n.items[key];
    return item === undefined ? undefined : { node: item, line: (lc) => nodeLine(item, lc) };
  }
  return undefined;
}

// ───────────── small readers for plain values (parsers work on plain JS from toJS) ─────────────

export type Plain = Record<string, unknown>;

export function isRecord(v: unknown): v is Plain {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function asString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

export function asStringList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) {
    // A loop rather than map().filter(): map's result is a holey array whose shape changes with its
    // contents, and the optimised code of every caller bails out at each new shape.
    const out: string[] = [];
    for (const x of v) {
      const s = asString(x);
      if (s !== undefined) out.push(s);
    }
    return out;
  }
  const s = asString(v);
  return s === undefined ? [] : [s];
}
