/**
 * A fast reader for the plain subset of YAML most pipeline files are written in — block mappings and
 * sequences, one-line plain and quoted scalars, one-line flow collections of scalars, literal and folded
 * block scalars — that gives the same value and the same lines as the full reader (yaml.ts over the `yaml`
 * package's composer), at a fraction of its cost: one pass over the lines, plain JS values built directly,
 * the line of every mapping key and sequence item recorded on the way.
 *
 * Also read: anchors on values (`key: &a …`) and aliases as values (`key: *a`, `- *a`, `[*a, *b]` as a
 * merge's sources), merge keys (`<<: *a`, `<<: [*a, *b]`: the map's own keys win, earlier sources win
 * over later ones, a merged key's line is its line in the source), GitLab's `!reference [job, key]` on a
 * one-line flow sequence, folded scalars with more-indented lines, sequence items whose mapping or sequence
 * starts on the line after their `-` (`- # comment`, `- &a`), anchored sequence items (`- &a {k: v}`), a
 * block scalar's header on the line after its key, keys repeated in a mapping (the last value, the first
 * key's place and line, as the full reader, which does not ask for unique keys), documents that are one
 * one-line scalar, and empty documents (only blank and comment lines: null at line 1). Aliases are bounded as the full reader bounds them (maxAliasCount): an anchored
 * node may hold aliases only of anchors that hold none, and the reader answers only when the full reader's
 * alias count cannot pass the limit.
 *
 * It answers only for files it reads with certainty. Anything else — other tags, anchors on keys or in
 * flow collections, multi-line plain or quoted scalars, complex keys, several documents, directives, tabs
 * or CR in indentation, non-string keys, an anchor on an alias, whatever the full reader would call an error — makes
 * it return undefined, and the caller uses the full reader. yaml-fast.spec.ts compares both on every file
 * of the examples and the corpus: value, and the line of every path.
 *
 * Cheap by construction: a reading method returns the node's value and leaves where it is in `spot` (a
 * scalar's spot is its line, a number; only collections get a Place), so no pair is made per node.
 * Characters are read only inside their line (`charCodeAt` past the end makes optimised code bail out,
 * and each bail-out costs another optimising compile of the reader's largest methods).
 */
import type { YamlPath, YamlPlace } from './yaml';

/**
 * The entries of a document's mappings, all in one array (one allocation per file, sized by its lines,
 * instead of a Map per mapping: most mappings are never looked into, and those Maps were much of the
 * reader's garbage). Entry e is the key at data[3e], its spot at data[3e + 1], and the index of the next
 * entry of its mapping at data[3e + 2] (-1: the last). A repeated key is there twice: the first is found.
 */
class Entries {
  readonly data: unknown[];
  private count = 0;

  constructor(size: number) {
    this.data = new Array<unknown>(3 * size);
  }

  /** Adds an entry after entry `prev` of its mapping (-1: the mapping's first); returns its index. */
  add(prev: number, key: string, spot: Spot): number {
    const e = this.count++;
    const d = this.data;
    d[3 * e] = key;
    d[3 * e + 1] = spot;
    d[3 * e + 2] = -1;
    if (prev >= 0) d[3 * prev + 2] = e;
    return e;
  }
}

/**
 * Where a collection is: the line of a mapping entry's key or of a sequence item; its children's spots
 * (a mapping's in its document's Entries, from `first`; a sequence's in `items`).
 */
interface Place {
  line: number;
  /** A mapping's document entries (undefined for a sequence). */
  entries: Entries | undefined;
  /** A mapping's first entry (-1: none of its own) and its number of entries. */
  first: number;
  size: number;
  items: Spot[] | undefined;
  /** A mapping's merge sources (`<<`), in the order their keys are looked for. */
  merges: Place[] | undefined;
}

/**
 * A new Place. Every place is made here with all its fields, so all have one shape and the lookups
 * reading them (inlined into the models' largest functions) see one, not a new one per kind of node.
 */
function newPlace(line: number, entries: Entries | undefined, first: number, size: number, items: Spot[] | undefined, merges: Place[] | undefined): Place {
  return { line, entries, first, size, items, merges };
}

/** A sequence's place. */
function seqPlace(line: number, items: Spot[]): Place {
  return newPlace(line, undefined, -1, 0, items, undefined);
}

/** Where a node is: a collection's Place, or a scalar's line (a number: no object per scalar). */
type Spot = Place | number;

/** A spot at `line`: a scalar's is the line itself; a collection's (always a fresh Place) is moved there. */
function spotAt(spot: Spot, line: number): Spot {
  if (typeof spot === 'number') return line;
  spot.line = line;
  return spot;
}

/** An anchored node, as aliases refer to it, with what bounds the full reader's alias count. */
interface Anchor {
  value: unknown;
  place: Spot;
  /** 1 when the anchored node holds aliases (of anchors at level 0), else 0. */
  level: number;
  /** Aliases of it outside, and inside, anchored nodes (the latter are resolved again each time their node is merged). */
  usesOut: number;
  usesIn: number;
  /** The anchors aliased inside it. */
  inner: Set<Anchor>;
  /** Merged as a source somewhere. */
  merged: number;
}

/** An anchored node being read. */
interface OpenAnchor {
  name: string;
  level: number;
  inner: Set<Anchor>;
}

/** `&name` / `*name`: an anchor name (no whitespace, flow indicator or `#`). */
const ANCHOR = /^&([^\s,[\]{}#]+)(?=[ ]|$)/;
const ALIAS = /^\*([^\s,[\]{}#]+)[ ]*$/;

export interface FastYaml {
  value: unknown;
  /** The text's lines (split at each newline), as the reader split them. */
  lines: readonly string[];
  lineOf(path: YamlPath, from?: YamlPlace): number;
  placeOf(path: YamlPath, from?: YamlPlace): YamlPlace;
}

/** A YamlPlace of this reader: the spot a lookup reached (undefined once a key was missing: it stops there) and its line. */
interface FastPlace extends YamlPlace {
  readonly spot: Spot | undefined;
}

/** Thrown inside the reader when the text leaves the subset; never escapes parseFastYaml. */
class NotInSubset extends Error {}
const OUT = new NotInSubset('not in the fast subset');

function out(): never {
  throw OUT;
}

const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const TRUES = new Set(['true', 'True', 'TRUE']);
const FALSES = new Set(['false', 'False', 'FALSE']);
const INT = /^[-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;
/** Other core-schema numbers (octal, hex, exponent, .inf, .nan): left to the full reader. */
const OTHER_NUMBER = /^(?:0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;

/** A plain scalar's value under the YAML 1.2 core schema (the full reader's default). */
function plainValue(s: string): unknown {
  // Nulls and booleans have at most 5 characters (the sets are asked only then: no hash of longer text).
  if (s.length <= 5) {
    if (NULLS.has(s)) return null;
    if (TRUES.has(s)) return true;
    if (FALSES.has(s)) return false;
  }
  // Every number of the core schema starts with a digit, a sign or a dot.
  const c = s.charCodeAt(0);
  if (!((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46)) return s;
  if (INT.test(s)) {
    const n = Number(s);
    return Number.isSafeInteger(n) ? n : out();
  }
  if (FLOAT.test(s)) return parseFloat(s);
  if (OTHER_NUMBER.test(s)) out();
  return s;
}

/** First characters that make a plain scalar something else (or an error). */
const INDICATOR = new Set(['[', ']', '{', '}', ',', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`']);

function indentOf(line: string): number {
  let i = 0;
  while (i < line.length && line.charCodeAt(i) === 32) i++;
  if (i < line.length && line.charCodeAt(i) === 9) out(); // a tab where indentation is read
  return i;
}

/** The end of `s` before a comment (` #`), right-trimmed. */
function stripComment(s: string): string {
  let end = s.length;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) === 35 /* # */ && (i === 0 || s[i - 1] === ' ')) {
      end = i;
      break;
    }
  }
  return s.slice(0, end).trimEnd();
}

/** Whether l[at…] starts with a sequence item's dash (`-` alone or before a space). */
function isDash(l: string, at: number): boolean {
  return l.charCodeAt(at) === 45 /* - */ && (at + 1 === l.length || l.charCodeAt(at + 1) === 32);
}

/** Only spaces and an optional comment. */
function isBlankRest(s: string): boolean {
  const t = s.trimStart();
  return t === '' || t.startsWith('#');
}

const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
};

/** A quoted scalar starting at s[0] (`'` or `"`), closed on the same line: its value and what follows. */
function quoted(s: string): { value: string; rest: string } {
  const q = s[0];
  let value = '';
  let i = 1;
  if (q === "'") {
    for (;;) {
      const j = s.indexOf("'", i);
      if (j < 0) out();
      value += s.slice(i, j);
      if (s[j + 1] === "'") {
        value += "'";
        i = j + 2;
        continue;
      }
      return { value, rest: s.slice(j + 1) };
    }
  }
  for (;;) {
    if (i >= s.length) out();
    const c = s[i];
    if (c === '"') return { value, rest: s.slice(i + 1) };
    if (c === '\\') {
      const e = s[i + 1];
      if (e === undefined) out();
      const simple = ESCAPES[e];
      if (simple !== undefined) {
        value += simple;
        i += 2;
        continue;
      }
      const digits = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : out();
      const hex = s.slice(i + 2, i + 2 + digits);
      if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(hex)) out();
      const code = parseInt(hex, 16);
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) out();
      value += String.fromCodePoint(code);
      i += 2 + digits;
      continue;
    }
    if (c === '\t') out();
    value += c;
    i++;
  }
}

/** Characters String.prototype.trim removes beyond ASCII (the same set as `\s`). */
const WIDE_SPACE = /\s/;

/** Whether the UTF-16 unit `c` is whitespace to trimStart/trimEnd. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || (c >= 0x80 && WIDE_SPACE.test(String.fromCharCode(c)));
}

/** Whether `l` is whitespace only, as `l.trim() === ''` (without making the trimmed copy of every line). */
function isBlank(l: string): boolean {
  for (let i = 0; i < l.length; i++) if (!isSpace(l.charCodeAt(i))) return false;
  return true;
}

/** The offset of the first non-whitespace character of `l` at or after `i` (as trimStart). */
function skipSpace(l: string, i: number): number {
  while (i < l.length && isSpace(l.charCodeAt(i))) i++;
  return i;
}

/** The end of l[start, end) without its trailing whitespace (as trimEnd). */
function trimEndAt(l: string, start: number, end: number): number {
  while (end > start && isSpace(l.charCodeAt(end - 1))) end--;
  return end;
}

/** The end of l[start…] before a comment (` #`), right-trimmed: stripComment on offsets. */
function commentEnd(l: string, start: number): number {
  let end = l.length;
  for (let i = start; i < l.length; i++) {
    if (l.charCodeAt(i) === 35 /* # */ && (i === start || l.charCodeAt(i - 1) === 32)) {
      end = i;
      break;
    }
  }
  return trimEndAt(l, start, end);
}

/** INDICATOR by character code. */
const INDICATOR_CODE = new Uint8Array(128);
for (const c of INDICATOR) INDICATOR_CODE[c.charCodeAt(0)] = 1;

/**
 * Leaves the subset unless l[a, b) (without its comment, trimmed) is a one-line plain scalar in block
 * context. On offsets, in one pass and without hashing the text: the hot path of keys and values.
 */
function checkBlockPlain(l: string, a: number, b: number): void {
  if (a >= b) out();
  const c = l.charCodeAt(a);
  if (c < 128 && INDICATOR_CODE[c] === 1) out();
  if ((c === 45 /* - */ || c === 63 /* ? */ || c === 58) /* : */ && (b - a === 1 || l.charCodeAt(a + 1) === 32)) out();
  for (let i = a; i < b; i++) {
    const ch = l.charCodeAt(i);
    if (ch === 9) out(); // a tab
    if (ch === 58 && (i + 1 === b || l.charCodeAt(i + 1) === 32)) out(); // `: ` inside, or `:` at the end
  }
}

/**
 * Plain keys already read (keys repeat within and across files: `name`, `runs-on`, `steps`), by length
 * and first character. Finding one compares characters in place: no substring is cut and none hashed
 * (storing a new substring as a property key hashes it to find its interned copy). Bounded.
 */
const KNOWN_KEY_LENGTH = 32;
/** Every bucket there from the start (a dense array: a sparse one is a dictionary, slower to read). */
const KNOWN_KEYS: string[][] = Array.from({ length: (KNOWN_KEY_LENGTH + 1) * 128 }, (): string[] => []);
let knownKeyCount = 0;

function knownKey(l: string, a: number, b: number): string | undefined {
  const len = b - a;
  if (len > KNOWN_KEY_LENGTH) return undefined;
  const bucket = KNOWN_KEYS[len * 128 + (l.charCodeAt(a) & 127)] as string[];
  for (const key of bucket) if (l.startsWith(key, a)) return key;
  return undefined;
}

/**
 * Adds `key`, a plain key read as itself, to KNOWN_KEYS; returns the copy kept there. That copy is the
 * one V8 keeps for property names (internalised, taken from an object's keys): storing a value under
 * it, and comparing it with the models' literal keys, needs no hashing or comparing of characters,
 * which a substring of the line needs each time.
 */
function rememberKey(key: string): string {
  if (key.length > KNOWN_KEY_LENGTH || knownKeyCount >= 4096) return key;
  const at = key.length * 128 + (key.charCodeAt(0) & 127);
  const bucket = KNOWN_KEYS[at] as string[];
  if (bucket.length >= 16) return key;
  const kept = Object.keys({ [key]: 0 })[0] ?? key;
  bucket.push(kept);
  knownKeyCount++;
  return kept;
}

/** The value of the one-line plain scalar l[a, b) in block context. */
function blockPlainAt(l: string, a: number, b: number): unknown {
  checkBlockPlain(l, a, b);
  return plainValue(l.slice(a, b));
}

/** A one-line flow scalar item (`a`, `'a'`, `"a"`). */
function flowScalar(s: string): unknown {
  const c = s[0];
  if (c === "'" || c === '"') {
    const q = quoted(s);
    if (q.rest.trim() !== '') out();
    return q.value;
  }
  if (c === undefined || INDICATOR.has(c) || c === '-' || c === '?' || c === ':') out();
  if (/[[\]{},#\t\n]|: |:$/.test(s)) out();
  return plainValue(s);
}

/** Splits a flow collection's inside at commas outside quotes. */
function flowItems(inside: string, starts: number[] = []): string[] {
  const items: string[] = [];
  const push = (raw: string, at: number): void => {
    items.push(raw.trim());
    starts.push(at + raw.length - raw.trimStart().length);
  };
  let start = 0;
  let q: string | undefined;
  for (let i = 0; i < inside.length; i++) {
    const c = inside[i];
    if (q) {
      if (c === '\\' && q === '"') i++;
      else if (c === q) q = undefined;
      continue;
    }
    if ((c === "'" || c === '"') && inside.slice(start, i).trim() === '') q = c;
    else if (c === ',') {
      push(inside.slice(start, i), start);
      start = i + 1;
    }
  }
  if (q) out();
  const last = inside.slice(start).trim();
  if (last !== '') push(inside.slice(start), start); // (a trailing comma after an item ends the collection)
  if (items.some((x) => x === '')) out();
  return items;
}

/**
 * A flow sequence or mapping of scalars (`[a, 'b']`, `{a: 1, b: x}`) and its places. `s` is on one line,
 * or, with `lineAt` (the line of an offset in `s`), lines joined by newlines, one item never on two.
 */
function flow(s: string, line: number, entries: Entries, lineAt?: (offset: number) => number): { value: unknown; place: Place } {
  const open = s[0];
  const close = open === '[' ? ']' : '}';
  const end = s.lastIndexOf(close);
  if (end < 0 || !isBlankRest(s.slice(end + 1))) out();
  const inside = s.slice(1, end);
  if (/[[\]{}]/.test(inside.replace(/'[^']*'|"(?:[^"\\]|\\.)*"/g, ''))) out(); // nested collections
  const starts: number[] = [];
  const items = flowItems(inside, starts);
  if (lineAt && items.some((x) => x.includes('\n'))) out(); // an item over several lines
  const itemLine = (k: number): number => (lineAt ? lineAt(1 + (starts[k] ?? 0)) : line);
  if (open === '[') {
    const value = newSeq();
    for (const item of items) value.push(flowScalar(item));
    const spots: Spot[] = [];
    for (let k = 0; k < items.length; k++) spots.push(itemLine(k));
    return { value, place: seqPlace(line, spots) };
  }
  const value: Record<string, unknown> = {};
  let first = -1;
  let last = -1;
  for (const [k, item] of items.entries()) {
    let key: string;
    let rest: string;
    if (item[0] === "'" || item[0] === '"') {
      const q = quoted(item);
      key = q.value;
      rest = q.rest;
      if (!rest.startsWith(':')) out();
      rest = rest.slice(1);
    } else {
      const colon = item.search(/:( |$)/);
      if (colon <= 0) out();
      key = item.slice(0, colon).trimEnd();
      rest = item.slice(colon + 1);
      if (flowScalar(key) !== key) out();
    }
    checkKey(key);
    value[key] = flowScalar(rest.trim());
    last = entries.add(last, key, itemLine(k)); // a duplicate key: its last value, its first line (the first found)
    if (first < 0) first = last;
  }
  return { value, place: newPlace(line, entries, first, items.length, undefined, undefined) };
}

/**
 * A key the subset reads as an ordinary key. A key repeated in one mapping is (the full reader does not
 * ask for unique keys): its value is the last one, in the place of the first, and its line the first's.
 */
function checkKey(key: string): void {
  if (key === '<<' || key === '__proto__') out();
}

/**
 * A new, empty sequence value. Every sequence the reader gives is made here, from one array literal:
 * V8 learns from this one allocation site to make them all with the most general elements kind, so
 * the code reading values (a loop over thousands of files) sees one array shape, where `[]` in several
 * places and `map()` (which makes holey arrays) gave four, each new one a bail-out and a recompile.
 */
function newSeq(): unknown[] {
  return [];
}

/** A copy of a merged value (the full reader builds each merge's values afresh). */
function copy(v: unknown): unknown {
  if (Array.isArray(v)) {
    const c = newSeq();
    for (const item of v) c.push(copy(item));
    return c;
  }
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v)) o[k] = copy((v as Record<string, unknown>)[k]);
    return o;
  }
  return v;
}

class Reader {
  readonly lines: string[];
  private readonly entries: Entries;
  /** The line being read (0-based). */
  private i = 0;
  private readonly anchors = new Map<string, Anchor>();
  private readonly open: OpenAnchor[] = [];
  private readonly all: Anchor[] = [];
  /** The line next() last stopped at (-1: none, or changed since), and its indentation. */
  private stoppedAt = -1;
  private ind = 0;
  /**
   * Where the node the last reading method returned is (each returns the node's value and leaves its
   * spot here, read at once by the caller: no `{value, place}` pair per node).
   */
  private spot: Spot = 0;
  /** What the last entry() call read: the key, the offset after its colon, and whether it was quoted. */
  private entryKey = '';
  private entryRest = 0;
  private entryQuoted = false;
  /**
   * The line index, line and offset that call read, and its answer: the first key of a nested mapping
   * is asked for twice (by the parent, to know a mapping starts there, then by map()), read once.
   */
  private entryI = -1;
  private entryLine = '';
  private entryStart = -1;
  private entryOk = false;

  constructor(
    text: string,
    private readonly maxAliasCount: number,
    maxIndent: number,
  ) {
    const lines = text.split('\n');
    this.lines = lines;
    // Block mappings have at most one entry a line: room for all without growing (flow ones add more).
    this.entries = new Entries(lines.length);
    // Only a line longer than maxIndent can be indented more: the expression for those alone.
    for (let k = 0; k < lines.length; k++) if ((lines[k] as string).length > maxIndent && tooIndented(lines[k] as string, maxIndent)) out();
  }

  /**
   * A flow collection whose text starts with `t` on line index `at`: on that line, or (no closing bracket
   * there) over the next lines, each more indented than `ind`, without comments or blank lines, up to
   * the first line ending with the closing bracket. Leaves this.i on its last line.
   */
  private flowValue(t: string, at: number, ind: number): { value: unknown; place: Place } {
    const close = t[0] === '[' ? ']' : '}';
    this.i = at;
    if (t.includes(close)) return flow(t, at + 1, this.entries);
    if (t.includes('#')) out();
    const parts = [t];
    for (;;) {
      this.i++;
      const l = this.lines[this.i];
      if (l === undefined || l.includes('#') || l.includes('\t')) out();
      const c = l.trim();
      if (c === '' || indentOf(l) <= ind) out();
      parts.push(c);
      if (c.endsWith(close)) break;
    }
    const first = at + 1;
    const text = parts.join('\n');
    const breaks: number[] = [];
    for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) breaks.push(k);
    return flow(text, first, this.entries, (offset) => first + breaks.filter((b) => b < offset).length);
  }

  /** The anchor `*name` refers to (counted as a use); leaves the subset when it is unknown, being read, or nested too deep. */
  private alias(name: string): Anchor {
    const a = this.anchors.get(name);
    if (!a || this.open.some((o) => o.name === name)) out();
    if (this.maxAliasCount === 0) out(); // alias resolution disabled: an error for the full reader
    if (this.open.length > 0) {
      if (a.level > 0) out(); // an alias of an anchor holding aliases, inside an anchored node
      a.usesIn++;
      for (const o of this.open) {
        o.level = 1;
        o.inner.add(a);
      }
    } else a.usesOut++;
    return a;
  }

  /**
   * Whether the full reader's alias count can pass maxAliasCount (its data.count × aliasCount), bounded
   * from above: an anchor's count is 1 + its uses, uses inside anchored nodes once more per merge of an
   * anchor holding aliases; aliasCount is 1 at level 0, the largest count of an inner anchor at level 1.
   */
  private aliasesBounded(): boolean {
    if (this.maxAliasCount < 0) return true;
    const again = 1 + this.all.reduce((n, a) => n + (a.level > 0 ? a.merged : 0), 0);
    const count = (a: Anchor): number => 1 + a.usesOut + a.usesIn * again;
    for (const a of this.all) {
      if (a.usesOut + a.usesIn === 0) continue;
      let inner = 1;
      for (const b of a.inner) inner = Math.max(inner, count(b));
      if (count(a) * inner > this.maxAliasCount) return false;
    }
    return true;
  }

  /** Skips blank and comment lines; the index of the next line with content, or -1 at the end. */
  private next(): number {
    // Asked again where it stopped (a value looks ahead, then its collection reads on): nothing changed.
    if (this.i === this.stoppedAt) return this.i;
    while (this.i < this.lines.length) {
      const l = this.lines[this.i] as string;
      let k = 0;
      while (k < l.length && l.charCodeAt(k) === 32) k++;
      const first = k < l.length ? l.charCodeAt(k) : 0;
      // A line that starts (after spaces) with something other than a blank, a comment or other whitespace has content.
      if (first > 32 && first !== 35 && first < 0x80) {
        if ((l.startsWith('---') || l.startsWith('...')) && (l.length === 3 || l[3] === ' ')) out();
        if (first === 37 && k === 0) out(); // a directive
        this.stoppedAt = this.i;
        this.ind = k;
        return this.i;
      }
      const t = l.trimStart();
      if (t === '' || t[0] === '#') {
        if (t === '' && l.includes('\t')) out();
        this.i++;
        continue;
      }
      if ((l.startsWith('---') || l.startsWith('...')) && (l.length === 3 || l[3] === ' ')) out();
      if (l[0] === '%') out();
      // (Every caller reads the indentation of a line next() stops at: a tab in it leaves the subset here.)
      this.ind = indentOf(l);
      this.stoppedAt = this.i;
      return this.i;
    }
    return -1;
  }

  document(): { value: unknown; place: Spot } {
    // An explicit document start (`---` alone) before the content.
    for (; this.i < this.lines.length; this.i++) {
      const t = (this.lines[this.i] as string).trimStart();
      if (t !== '' && t[0] !== '#') break;
    }
    // Only blank and comment lines (and no tab anywhere): an empty document, null at line 1.
    if (this.i === this.lines.length) {
      if (this.lines.some((l) => l.includes('\t'))) out();
      return { value: null, place: 1 };
    }
    if (/^---[ ]*(#.*)?$/.test(this.lines[this.i] ?? '')) this.i++;
    const at = this.next();
    if (at < 0) out();
    const top = this.topScalar();
    const value = top ? top.value : this.node(this.ind, -1);
    const place = this.spot;
    if (this.next() >= 0) out();
    if (!this.aliasesBounded()) out();
    return { value, place };
  }

  /**
   * A document that is one plain or quoted scalar on one line (`lol`): its value in a box, with its line
   * in spot; undefined when the document is something else.
   */
  private topScalar(): { value: unknown } | undefined {
    const l = this.lines[this.i] as string;
    const at = this.ind;
    const c = l[at] as string;
    if (isDash(l, at) || this.entry(l, at)) return undefined;
    if (c !== "'" && c !== '"' && INDICATOR.has(c)) return undefined; // left to node(), which leaves the subset
    // (content() leaves the subset when another line with content follows.)
    return { value: this.content(l, at, -1, false, this.i + 1) };
  }

  /** A block node whose first line is the next line with content, at indentation `ind` (> parent). */
  private node(ind: number, parent: number): unknown {
    if (ind <= parent) out();
    return isDash(this.lines[this.i] as string, ind) ? this.seq(ind) : this.map(ind);
  }

  /**
   * Whether l[start…] starts with `key: …`; when it does, the key, the offset after its colon and whether
   * the key was quoted are left in entryKey, entryRest and entryQuoted. (Offsets in the line, not
   * substrings: only the key is cut out.) `l` is line this.i.
   */
  private entry(l: string, start: number): boolean {
    if (this.entryI === this.i && this.entryStart === start && this.entryLine === l) return this.entryOk;
    const ok = this.readEntry(l, start);
    this.entryI = this.i;
    this.entryLine = l;
    this.entryStart = start;
    this.entryOk = ok;
    return ok;
  }

  private readEntry(l: string, start: number): boolean {
    const c = l.charCodeAt(start);
    if (c === 91 /* [ */ || c === 123 /* { */) return false;
    if (c === 39 /* ' */ || c === 34 /* " */) {
      const q = quoted(l.slice(start));
      const r = q.rest;
      if (r.length === 0 || r.charCodeAt(0) !== 58 /* : */ || (r.length > 1 && r.charCodeAt(1) !== 32)) return false;
      this.entryKey = q.value;
      this.entryRest = l.length - q.rest.length + 1;
      this.entryQuoted = true;
      return true;
    }
    let colon = -1;
    for (let i = start; i < l.length; i++) {
      const ch = l.charCodeAt(i);
      if (ch === 35 /* # */ && i > start && l.charCodeAt(i - 1) === 32) return false;
      if (ch === 58 /* : */ && (i + 1 === l.length || l.charCodeAt(i + 1) === 32)) {
        colon = i;
        break;
      }
    }
    if (colon <= start) return false;
    if (colon - start > 1000) out(); // an implicit key is at most 1024 characters
    const end = trimEndAt(l, start, colon);
    let key = knownKey(l, start, end);
    if (key === undefined) {
      checkBlockPlain(l, start, end);
      key = l.slice(start, end);
      // A plain key that the core schema reads as something other than a string is left to the full reader.
      if (plainValue(key) !== key) out();
      key = rememberKey(key);
    }
    this.entryKey = key;
    this.entryRest = colon + 1;
    this.entryQuoted = false;
    return true;
  }

  private map(ind: number): unknown {
    const value: Record<string, unknown> = {};
    const line0 = this.i + 1;
    let first = -1;
    let last = -1;
    let size = 0;
    let merges: Place[] | undefined;
    while (this.next() >= 0) {
      const l = this.lines[this.i] as string;
      const lind = this.ind;
      if (lind < ind) break;
      if (lind > ind) out();
      if (!this.entry(l, ind)) out();
      const key = this.entryKey;
      const rest = this.entryRest;
      if (!this.entryQuoted && key === '<<') {
        merges = this.merge(l.slice(rest), ind, value, merges);
        continue;
      }
      checkKey(key);
      const line = this.i + 1;
      value[key] = this.value(l, rest, ind, true);
      // An entry is at its key's line; a repeated key's first entry is the one found (childPlace).
      last = this.entries.add(last, key, spotAt(this.spot, line));
      if (first < 0) first = last;
      size++;
    }
    this.spot = newPlace(line0, this.entries, first, size, undefined, merges);
    return value;
  }

  /**
   * A merge key's value (`*a` or `[*a, *b]`, after `<<:` on line this.i) merged into `value`: keys not
   * there yet, the first source first; returns `merges` with the sources' places added, for lineOf.
   */
  private merge(rest: string, ind: number, value: Record<string, unknown>, merges: Place[] | undefined): Place[] {
    if (rest.length > 0 && rest[0] !== ' ') out();
    const t = stripComment(rest.trim());
    let names: string[];
    if (t[0] === '[') {
      if (t[t.length - 1] !== ']') out();
      names = t
        .slice(1, -1)
        .split(',')
        .map((x) => x.trim());
    } else names = [t];
    const places: Place[] = [];
    const sources = names.map((n) => {
      const m = ALIAS.exec(n);
      if (!m) out();
      const a = this.alias(m[1] as string);
      const p = a.place;
      if (typeof p === 'number' || !p.entries || a.value === null || typeof a.value !== 'object' || Array.isArray(a.value)) out(); // merge sources must be maps
      a.merged++;
      places.push(p);
      return a;
    });
    for (const a of sources) {
      const src = a.value as Record<string, unknown>;
      for (const k of Object.keys(src)) if (!Object.prototype.hasOwnProperty.call(value, k)) value[k] = copy(src[k]);
    }
    this.i++;
    const at = this.next();
    if (at >= 0 && this.ind > ind) out();
    return [...(merges ?? []), ...places];
  }

  private seq(ind: number): unknown {
    const value = newSeq();
    const items: Spot[] = [];
    const place = seqPlace(this.i + 1, items);
    while (this.next() >= 0) {
      const l = this.lines[this.i] as string;
      const lind = this.ind;
      if (lind < ind) break;
      if (lind > ind) out();
      if (!isDash(l, ind)) break;
      const col = skipSpace(l, ind + 1); // where the item's content starts
      const c = col < l.length ? l.charCodeAt(col) : 0;
      if (col === l.length || c === 35 /* # */ || (c === 38 /* & */ && isBlankRest(l.slice(col).replace(ANCHOR, '')))) {
        // `-` alone (or with a comment, or an anchor): the item is the mapping or sequence on the next,
        // more indented lines, and its line is where that starts (as the full reader places it).
        value.push(this.laterItem(ind));
        items.push(this.spot);
        continue;
      }
      const line = this.i + 1;
      if (c === 38 /* & */) {
        // An anchored item on the dash's line (`- &a {k: v}`, `- &a text`); an anchored key (`- &a k: v`) is
        // not a value there and leaves the subset in value().
        value.push(this.value(l, ind + 1, ind, false));
        items.push(spotAt(this.spot, line));
        continue;
      }
      if (isDash(l, col) || this.entry(l, col)) {
        // A compact mapping or sequence: read as if it started on its own line at its column (every
        // reading of a line is relative to the indentation next() reports for it, so none is rewritten).
        this.stoppedAt = this.i;
        this.ind = col;
        value.push(this.node(col, ind));
        items.push(spotAt(this.spot, line));
        continue;
      }
      value.push(this.value(l, ind + 1, ind, false));
      items.push(spotAt(this.spot, line));
    }
    this.spot = place;
    return value;
  }

  /**
   * A sequence item whose `-` (on line this.i, at indentation `ind`) is followed by nothing, a comment or
   * an anchor: a block mapping or sequence starting on a later, more indented line. Anything else there
   * (nothing, a scalar, a flow collection) leaves the subset.
   */
  private laterItem(ind: number): unknown {
    const dash = this.i;
    this.i++;
    const at = this.next();
    if (at < 0 || this.ind <= ind) out();
    const l = this.lines[at] as string;
    if (!isDash(l, this.ind) && !this.entry(l, this.ind)) out();
    this.i = dash;
    this.stoppedAt = -1;
    const v = this.value(this.lines[dash] as string, ind + 1, ind, false);
    if (typeof this.spot === 'number' || this.spot.line !== at + 1) out();
    return v;
  }

  /**
   * The value after `key:` or `- ` (l[at…], on line this.i) in a collection at indentation `ind`; leaves
   * this.i after the value's last line.
   */
  private value(l: string, at: number, ind: number, inMap: boolean): unknown {
    const line = this.i + 1;
    const t = skipSpace(l, at);
    if (t < l.length && at < l.length && l.charCodeAt(at) !== 32) out();
    if (t < l.length && l.charCodeAt(t) === 38 /* & */) {
      const m = ANCHOR.exec(l.slice(t));
      if (!m) out();
      const name = m[1] as string;
      const frame: OpenAnchor = { name, level: 0, inner: new Set() };
      const after = skipSpace(l, t + m[0].length);
      if (after < l.length && l.charCodeAt(after) === 42 /* * */) out(); // an alias with an anchor: an error for the full reader
      this.open.push(frame);
      const v = this.content(l, after, ind, inMap, line);
      this.open.pop();
      const anchor: Anchor = { value: v, place: this.spot, level: frame.level, usesOut: 0, usesIn: 0, inner: frame.inner, merged: 0 };
      this.anchors.set(name, anchor);
      this.all.push(anchor);
      return v;
    }
    return this.content(l, t, ind, inMap, line);
  }

  /** A value's content l[at…] (no anchor; `at` past the spaces), starting on line `line`. */
  private content(l: string, at: number, ind: number, inMap: boolean, line: number): unknown {
    const c = at < l.length ? l.charCodeAt(at) : -1;
    if (c === -1 || c === 35 /* # */) {
      this.i++;
      const next = this.next();
      if (next < 0) {
        this.spot = line;
        return null;
      }
      const nind = this.ind;
      const nl = this.lines[next] as string;
      if (nind > ind) {
        const nc = nl[nind];
        if (nc === '[' || nc === '{') {
          // A flow collection on the lines after its key (as formatters write long lists).
          const f = this.flowValue(nl.slice(nind), next, ind);
          this.i++;
          const after = this.next();
          if (after >= 0 && this.ind > ind) out();
          this.spot = f.place;
          return f.value;
        }
        if (nc === '|' || nc === '>') return this.blockScalar(nl.slice(nind), ind, line); // its header on the line after the key
        if (!isDash(nl, nind) && !this.entry(nl, nind)) out(); // a scalar on the next line
        return this.node(nind, ind);
      }
      if (inMap && nind === ind && isDash(nl, ind)) return this.seq(ind);
      this.spot = line;
      return null;
    }
    let value: unknown;
    let spot: Spot = line;
    if (c === 124 /* | */ || c === 62 /* > */) return this.blockScalar(l.slice(at), ind, line);
    if (c === 42 /* * */) {
      const m = ALIAS.exec(stripComment(l.slice(at)));
      if (!m) out();
      const a = this.alias(m[1] as string);
      // The anchored node's value and children's places; the line is this entry's.
      value = a.value;
      const p = a.place;
      if (typeof p !== 'number') spot = newPlace(line, p.entries, p.first, p.size, p.items, p.merges);
    } else if (c === 33 /* ! */) {
      // GitLab's `!reference [job, key]`, kept as { '!reference': [...] } (yaml.ts), on one line.
      const t = l.slice(at);
      if (!t.startsWith('!reference [') || this.open.length > 0) out();
      const f = flow(t.slice('!reference '.length), line, this.entries);
      if (!Array.isArray(f.value)) out();
      value = { '!reference': f.value };
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      const f = this.flowValue(l.slice(at), this.i, ind);
      value = f.value;
      spot = f.place;
    } else if (c === 39 /* ' */ || c === 34 /* " */) {
      const q = quoted(l.slice(at));
      if (!isBlankRest(q.rest)) out();
      value = q.value;
    } else {
      value = blockPlainAt(l, at, commentEnd(l, at));
    }
    this.i++;
    // A more indented line after a one-line value continues it (or is an error): the full reader decides.
    if (this.next() >= 0 && this.ind > ind) out();
    this.spot = spot;
    return value;
  }

  /** A literal (`|`) or folded (`>`) block scalar whose header `h` is on line `line`. */
  private blockScalar(h: string, ind: number, line: number): string {
    const m = /^([|>])([-+]?)(\s+#.*|\s*)$/.exec(h);
    if (!m) out(); // an indentation indicator, or something after the header
    const folded = m[1] === '>';
    const chomp = m[2];
    if (chomp === '+') out();
    this.i++;
    // Content indentation: that of the first line with content.
    let n = -1;
    for (let j = this.i; j < this.lines.length; j++) {
      const l = this.lines[j] as string;
      if (isBlank(l)) {
        if (l.includes('\t')) out();
        continue;
      }
      n = indentOf(l);
      break;
    }
    if (n <= ind) out(); // empty content
    const body: string[] = [];
    while (this.i < this.lines.length) {
      const l = this.lines[this.i] as string;
      if (isBlank(l)) {
        if (l.includes('\t')) out();
        if (l.length > n) {
          if (body.length === 0) out(); // a leading blank line longer than the indentation
          if (folded) out();
          body.push(l.slice(n));
        } else body.push('');
        this.i++;
        continue;
      }
      let k = 0;
      while (k < n && l.charCodeAt(k) === 32) k++;
      if (k < n) {
        if (l.charCodeAt(k) === 9) out();
        break;
      }
      if (folded && l.charCodeAt(n) === 9) out(); // a tab starting a more-indented line
      body.push(l.slice(n));
      this.i++;
    }
    // A literal's lines are kept; a run of whitespace-only lines at the end is chomped.
    let last = body.length;
    while (last > 0 && isBlank(body[last - 1] as string)) last--;
    if (body.slice(last).some((b) => b !== '')) out();
    const lines = body.slice(0, last);
    let text: string;
    if (!folded) text = lines.join('\n');
    else {
      // Line breaks between two plain text lines fold (one to a space; with blank lines between, to those
      // blank lines); next to a more-indented line they are kept.
      text = '';
      let blanks = 0;
      let prev: 'none' | 'text' | 'spaced' = 'none';
      for (const b of lines) {
        if (b === '') {
          blanks++;
          continue;
        }
        const kind = b.charCodeAt(0) === 32 ? 'spaced' : 'text';
        if (prev === 'none') text += '\n'.repeat(blanks);
        else if (prev === 'text' && kind === 'text') text += blanks === 0 ? ' ' : '\n'.repeat(blanks);
        else text += '\n'.repeat(blanks + 1);
        text += b;
        prev = kind;
        blanks = 0;
      }
    }
    if (chomp !== '-') text += '\n';
    this.spot = line;
    return text;
  }
}

/** Where the node at `path` is, as loadYaml's lineOf: a mapping entry's key line, else the deepest ancestor's. */
function childPlace(place: Spot, key: string | number): Spot | undefined {
  if (typeof place === 'number') return undefined;
  const entries = place.entries;
  if (entries !== undefined) {
    const own = ownPlace(place, entries, typeof key === 'string' ? key : String(key));
    if (own !== undefined || !place.merges) return own;
    for (const m of place.merges) {
      const found = childPlace(m, key);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  const items = place.items;
  return items && typeof key === 'number' && key >= 0 && key < items.length ? items[key] : undefined;
}

/** Mappings with more entries than this get a Map on their first lookup; smaller ones are searched. */
const SEARCHED_KEYS = 16;

/**
 * A large mapping's keys → the first one's spot, made on its first lookup. Kept here, not in the Place:
 * writing a field of a place after it is made would throw away the optimised code of every function
 * making places (V8 compiles them for fields that never change).
 */
const INDEXES = new WeakMap<Place, Map<string, Spot>>();

/** The spot of the first entry `key` of the mapping at `place` (its document's `entries`), not looking in merges. */
function ownPlace(place: Place, entries: Entries, key: string): Spot | undefined {
  const d = entries.data;
  if (place.size <= SEARCHED_KEYS) {
    for (let e = place.first; e >= 0; e = d[3 * e + 2] as number) if (d[3 * e] === key) return d[3 * e + 1] as Spot;
    return undefined;
  }
  let index = INDEXES.get(place);
  if (index === undefined) {
    index = new Map();
    for (let e = place.first; e >= 0; e = d[3 * e + 2] as number) if (!index.has(d[3 * e] as string)) index.set(d[3 * e] as string, d[3 * e + 1] as Spot);
    INDEXES.set(place, index);
  }
  return index.get(key);
}

/** The line of the node at `path` below `from` (lineOf's walk, from a place instead of the root). */
function lineIn(from: FastPlace, path: YamlPath): number {
  let spot = from.spot;
  let line = from.line;
  if (spot === undefined) return line;
  for (let i = 0; i < path.length; i++) {
    const next = childPlace(spot, path[i] as string | number);
    if (next === undefined) break;
    spot = next;
    line = typeof next === 'number' ? next : next.line;
  }
  return line;
}

/** The place of the node at `path` below `from`: lineIn(placeIn(from, p), q) is lineIn(from, [...p, ...q]). */
function placeIn(from: FastPlace, path: YamlPath): FastPlace {
  let spot = from.spot;
  let line = from.line;
  if (spot === undefined) return from;
  for (let i = 0; i < path.length; i++) {
    const next = childPlace(spot, path[i] as string | number);
    if (next === undefined) return { line, spot: undefined };
    spot = next;
    line = typeof next === 'number' ? next : next.line;
  }
  return { line, spot };
}

/**
 * Whether `line` starts with more than `max` spaces and dashes before other content: yaml.ts counts
 * them as nesting (a sequence's `- ` and two spaces a level) and calls the file too deep.
 */
function tooIndented(line: string, max: number): boolean {
  let k = 0;
  while (k < line.length && (line.charCodeAt(k) === 32 || line.charCodeAt(k) === 45)) k++;
  return k > max && k < line.length;
}

/**
 * Reads `text` when it is in the subset (value and lines as loadYaml's full reader gives them);
 * undefined otherwise. Never throws. A line indented by more than 2 × maxDepth spaces and dashes is
 * nesting past maxDepth for yaml.ts (an error): such a file is not read here either.
 */
export function parseFastYaml(text: string, maxAliasCount = 10_000, maxDepth = 256): FastYaml | undefined {
  if (text.includes('\r') || text.charCodeAt(0) === 0xfeff) return undefined;
  try {
    const reader = new Reader(text, maxAliasCount, 2 * maxDepth);
    const { value, place } = reader.document();
    const root: FastPlace = { line: typeof place === 'number' ? place : place.line, spot: place };
    // (A place is only ever made by this file's placeOf: `from` is a FastPlace.)
    return {
      value,
      lines: reader.lines,
      lineOf: (path, from) => lineIn((from ?? root) as FastPlace, path),
      placeOf: (path, from) => placeIn((from ?? root) as FastPlace, path),
    };
  } catch (err) {
    if (err instanceof NotInSubset) return undefined;
    return undefined;
  }
}
