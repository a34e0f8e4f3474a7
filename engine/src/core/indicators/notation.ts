/**
 * The ref notation: ONE grammar for every affected/safe ref entry — the built-in catalog, an
 * `--indicator FILE` and the ref of a `--component` spec. Pure; never throws.
 *
 *   entry      := notation [ "(" comment ")" ]      the comment, when present, ends the entry
 *   notation   := "*"                               every ref, including none
 *               | "all tags"                        every ref that is not a commit SHA or digest
 *               | wildcard                          `1.0.x`, `v1.*`            (major[.minor] then x or *)
 *               | range                             `1.1.0-1.1.4`, `v1..v45.0.7`, `1.0–1.3`  (inclusive)
 *               | comparators                       `>=8.3.47`, `<v0.2.6`, `>=1.0.0 <1.5.0`  (at most one lower and one upper bound)
 *               | sha | digest                      a full 40-hex commit SHA, `sha256:<hex>`
 *               | name                              one token: a tag, branch or version (`v1`, `main`, `8.3.41`, `latest`, `volatile`)
 *   version    := ["v"] digits ["." digits ["." digits]]
 *
 * Anything else — words after the ref that are not in parentheses (`v4 tag during window`), text
 * after the closing parenthesis (`v1 (tag) during the window`), an empty range, a glob other than a
 * trailing wildcard — is `invalid`, with the problem; callers turn it into a usage/configuration
 * error that names the entry and the accepted forms (REF_NOTATION). Nothing outside the grammar is
 * read as an exact ref that matches nothing.
 */

/** A version bound: the parts given (1 to 3) and whether the bound itself is included. */
export interface Bound {
  v: number[];
  inclusive: boolean;
}

/** An interval of versions, each bound optional. */
export interface Interval {
  lo?: Bound;
  hi?: Bound;
}

interface Written {
  /** The notation as written, without the comment. */
  notation: string;
  /** The text inside the trailing parentheses, when there is one. */
  comment?: string;
}

export type RefEntry =
  | (Written & { kind: 'any' })
  | (Written & { kind: 'all-tags' })
  | (Written & { kind: 'wildcard'; interval: Interval })
  | (Written & { kind: 'range'; interval: Interval })
  | (Written & { kind: 'comparators'; interval: Interval })
  | (Written & { kind: 'sha'; sha: string })
  | (Written & { kind: 'digest'; digest: string })
  /** `version`: the parts when the name is a version (`v1`, `8.3.41`), so that `v1.2.3` and `1.2.3` are the same. */
  | (Written & { kind: 'name'; name: string; version?: number[] })
  | { kind: 'invalid'; entry: string; problem: string };

export type ValidRefEntry = Exclude<RefEntry, { kind: 'invalid' }>;

/** The accepted forms, as a user-facing sentence (error messages and documentation). */
export const REF_NOTATION =
  'accepted forms: a tag, branch or version as one word (v1, main, 8.3.41, latest); a wildcard (1.0.x); ' +
  'an inclusive range (1.1.0-1.1.4, v1..v45.0.7); comparators (>=8.3.47, <v0.2.6, >=1.0.0 <1.5.0); ' +
  '* (every ref); all tags; a full commit SHA or image digest — each optionally followed by a comment in ' +
  'parentheses that ends the entry: v1 (moved to the bad commit during the window)';

const VERSION = String.raw`v?\d+(?:\.\d+){0,2}`;
const VERSION_RE = new RegExp(`^${VERSION}$`, 'i');
const SHA_RE = /^[0-9a-f]{40}$/i;
const DIGEST_RE = /^sha(256|512):[0-9a-f]{32,128}$/i;
const WILDCARD_RE = /^v?(\d+)(?:\.(\d+))?\.[x*]$/i;
const RANGE_RE = new RegExp(`^(${VERSION})\\s*(?:\\.\\.|-|–)\\s*(${VERSION})$`, 'i');
const COMPARATOR_RE = new RegExp(`^(>=|>|<=|<)(${VERSION})$`, 'i');
/** One word: letters, digits and `._/+-`, not starting with a separator. */
const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9._/+-]*$/;

/** `v1.2.3` → [1, 2, 3]; undefined when the text is not a version of 1 to 3 numeric parts. */
export function parseVersion(text: string): number[] | undefined {
  const t = text.trim();
  if (!VERSION_RE.test(t)) return undefined;
  return t.replace(/^v/i, '').split('.').map(Number);
}

/** Compares two versions, padding the shorter one with `padA`/`padB` (0 for a lower bound, Infinity for an inclusive upper one). */
export function compareVersions(a: readonly number[], b: readonly number[], padA = 0, padB = 0): number {
  for (let i = 0; i < 3; i++) {
    const x = a[i] ?? padA;
    const y = b[i] ?? padB;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Is the interval empty (its lower bound above its upper one)? */
function emptyInterval(iv: Interval): boolean {
  if (!iv.lo || !iv.hi) return false;
  // The lowest version the lower bound admits against the highest the upper one admits.
  const c = compareVersions(iv.lo.v, iv.hi.v, 0, iv.hi.inclusive ? Infinity : 0);
  return c > 0 || (c === 0 && !(iv.lo.inclusive && iv.hi.inclusive));
}

/** Splits `notation (comment)`; the comment's parentheses must balance and close at the very end. */
function splitComment(entry: string): { notation: string; comment?: string } | { problem: string } {
  const open = entry.indexOf('(');
  if (open < 0) {
    return entry.includes(')') ? { problem: 'a closing parenthesis without an opening one' } : { notation: entry.trim() };
  }
  let depth = 0;
  for (let i = open; i < entry.length; i++) {
    const c = entry[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    if (depth === 0) {
      const rest = entry.slice(i + 1).trim();
      if (rest !== '') return { problem: `text after the closing parenthesis ("${rest}"): a comment in parentheses must end the entry` };
      return { notation: entry.slice(0, open).trim(), comment: entry.slice(open + 1, i).trim() };
    }
  }
  return { problem: 'an opening parenthesis that is never closed' };
}

function invalid(entry: string, problem: string): RefEntry {
  return { kind: 'invalid', entry, problem };
}

/** Parses one affected/safe ref entry. Never throws; what is outside the grammar is `invalid`. */
export function parseRefEntry(entry: string): RefEntry {
  const text = entry.trim();
  if (text === '') return invalid(entry, 'the entry is empty');
  const split = splitComment(text);
  if ('problem' in split) return invalid(entry, split.problem);
  const { notation } = split;
  const written: Written = split.comment === undefined ? { notation } : { notation, comment: split.comment };
  if (notation === '') return invalid(entry, 'nothing before the comment: the ref comes first, the comment in parentheses after it');

  if (notation === '*') return { ...written, kind: 'any' };
  if (/^all\s+tags$/i.test(notation)) return { ...written, kind: 'all-tags' };
  if (SHA_RE.test(notation)) return { ...written, kind: 'sha', sha: notation.toLowerCase() };
  if (DIGEST_RE.test(notation)) return { ...written, kind: 'digest', digest: notation.toLowerCase() };

  const wildcard = WILDCARD_RE.exec(notation);
  if (wildcard) {
    const parts = [wildcard[1], wildcard[2]].filter((p): p is string => p !== undefined).map(Number);
    return { ...written, kind: 'wildcard', interval: { lo: { v: parts, inclusive: true }, hi: { v: parts, inclusive: true } } };
  }

  const range = RANGE_RE.exec(notation);
  if (range?.[1] !== undefined && range[2] !== undefined) {
    const lo = parseVersion(range[1]);
    const hi = parseVersion(range[2]);
    if (lo && hi) {
      const interval: Interval = { lo: { v: lo, inclusive: true }, hi: { v: hi, inclusive: true } };
      if (emptyInterval(interval)) return invalid(entry, `the range ${notation} is empty (its start is after its end)`);
      return { ...written, kind: 'range', interval };
    }
  }

  // `>= 1.0.0` is `>=1.0.0`: an operator binds to the version after it.
  const words = notation.replace(/([<>]=?|=)\s+/g, '$1').split(/\s+/);
  if (words.some((w) => /^[<>=]/.test(w))) {
    const interval: Interval = {};
    for (const w of words) {
      const m = COMPARATOR_RE.exec(w);
      const v = m?.[2] === undefined ? undefined : parseVersion(m[2]);
      if (!m || !v) return invalid(entry, `"${w}" is not a comparator (>=, >, <= or < followed by a version such as 1.2.3)`);
      const lower = m[1] === '>=' || m[1] === '>';
      if ((lower && interval.lo) || (!lower && interval.hi)) return invalid(entry, `more than one ${lower ? 'lower' : 'upper'} bound`);
      const bound: Bound = { v, inclusive: m[1] === '>=' || m[1] === '<=' };
      if (lower) interval.lo = bound;
      else interval.hi = bound;
    }
    if (emptyInterval(interval)) return invalid(entry, `no version satisfies ${notation}`);
    return { ...written, kind: 'comparators', interval };
  }

  if (words.length > 1) {
    return invalid(entry, `"${notation}" is several words: a ref is one word, and words about it go in parentheses after it (${words[0] ?? ''} (${words.slice(1).join(' ')}))`);
  }
  if (/[*?[\]]/.test(notation)) return invalid(entry, `"${notation}" is a glob: only a trailing wildcard after a version (1.0.x, v1.*) is understood`);
  if (!NAME_RE.test(notation)) return invalid(entry, `"${notation}" is not a tag, branch or version name`);
  const version = parseVersion(notation);
  return version === undefined ? { ...written, kind: 'name', name: notation } : { ...written, kind: 'name', name: notation, version };
}

/** The error sentence of an invalid entry: what it is (`affectedRefs entry`, `ref`), the entry, the problem, the accepted forms. */
export function refEntryError(label: string, entry: Extract<RefEntry, { kind: 'invalid' }>): string {
  return `${label} "${entry.entry}" is not in the ref notation: ${entry.problem} (${REF_NOTATION})`;
}

/** A component's ref lists (only the fields read). */
interface RefLists {
  id: string;
  affectedRefs: readonly string[];
  safeRefs: readonly string[];
}

/** Every entry of a component's lists that is outside the grammar, with its list and index. */
export function invalidRefEntries(component: RefLists): Array<{ list: 'affectedRefs' | 'safeRefs'; index: number; message: string }> {
  const out: Array<{ list: 'affectedRefs' | 'safeRefs'; index: number; message: string }> = [];
  for (const list of ['affectedRefs', 'safeRefs'] as const) {
    component[list].forEach((entry, index) => {
      const parsed = parseRefEntry(entry);
      if (parsed.kind === 'invalid') out.push({ list, index, message: refEntryError(`${list} entry`, parsed) });
    });
  }
  return out;
}

/** The notation errors of an indicator, each naming the indicator, the component and the entry; empty when every entry parses. */
export function indicatorNotationErrors(indicator: { id: string; components: readonly RefLists[] }): string[] {
  return indicator.components.flatMap((c) => invalidRefEntries(c).map((e) => `indicator ${indicator.id}, component ${c.id}: ${e.message}`));
}
