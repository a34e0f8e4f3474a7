/**
 * The engine's one glob notation, for repository paths (which files a platform reads, GitLab local
 * includes), artifact names and workflow paths in indicators:
 *
 *   `*`     any characters but `/`
 *   `?`     one character but `/`
 *   `**`    any characters, `/` included; as a whole segment followed by `/` it is also none at all:
 *           `ci/**` + `/x.yml` matches `ci/x.yml` and `ci/a/b/x.yml`
 *   other   itself (no classes, braces or negation)
 *
 * Matching walks the pattern once over the set of reachable text positions (no regular expression,
 * so no backtracking): linear in the pattern times the text, whatever the pattern. Pure.
 */

export interface GlobOptions {
  /** Compare letters case-insensitively (workflow file names in indicators). */
  nocase?: boolean;
}

type Token = { kind: 'char'; c: string } | { kind: 'one' } | { kind: 'star' } | { kind: 'any' } | { kind: 'dirs' };

function tokenize(pattern: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '?') {
      out.push({ kind: 'one' });
    } else if (c === '*' && pattern[i + 1] === '*') {
      const segmentStart = i === 0 || pattern[i - 1] === '/';
      while (pattern[i + 1] === '*') i++;
      if (pattern[i + 1] === '/' && segmentStart) {
        out.push({ kind: 'dirs' });
        i++;
      } else {
        out.push({ kind: 'any' });
      }
    } else if (c === '*') {
      if (out[out.length - 1]?.kind !== 'star') out.push({ kind: 'star' });
    } else {
      out.push({ kind: 'char', c });
    }
  }
  return out;
}

/** Does `text` contain a wildcard of this notation? */
export function isGlob(text: string): boolean {
  return /[*?]/.test(text);
}

/** The directory part of `pattern` before its first wildcard (`ci/jobs/*.yml` → `ci/jobs`; `*.yml` → ``). */
export function globBase(pattern: string): string {
  const first = pattern.search(/[*?]/);
  const literal = first < 0 ? pattern : pattern.slice(0, first);
  const slash = literal.lastIndexOf('/');
  return slash < 0 ? '' : literal.slice(0, slash);
}

/** How many directory levels below `globBase(pattern)` a match can be (Infinity with `**`). */
export function globDepth(pattern: string): number {
  if (pattern.includes('**')) return Infinity;
  const base = globBase(pattern);
  const rest = base === '' ? pattern : pattern.slice(base.length + 1);
  return rest.split('/').length;
}

/** A matcher for `pattern` over whole strings (see the notation above). */
export function globMatcher(pattern: string, options: GlobOptions = {}): (text: string) => boolean {
  const fold = (s: string): string => (options.nocase ? s.toLowerCase() : s);
  const tokens = tokenize(fold(pattern));
  if (tokens.every((t) => t.kind === 'char')) {
    const literal = tokens.map((t) => (t.kind === 'char' ? t.c : '')).join('');
    return (text) => fold(text) === literal;
  }
  // The literal characters before the first wildcard and after the last one: a text that does not start
  // and end with them is not matched (most paths a platform's globs are tried on), without the walk below.
  let head = 0;
  while (tokens[head]?.kind === 'char') head++;
  let tail = tokens.length;
  while (tokens[tail - 1]?.kind === 'char') tail--;
  const literal = (from: number, to: number): string => tokens.slice(from, to).map((t) => (t.kind === 'char' ? t.c : '')).join('');
  const prefix = literal(0, head);
  const suffix = literal(tail, tokens.length);
  // Between them, the tokens from the first wildcard to the last (walked over the text between them).
  const middle = tokens.slice(head, tail);
  const only = middle.length === 1 ? middle[0]?.kind : undefined;
  return (raw) => {
    const whole = fold(raw);
    if (whole.length < prefix.length + suffix.length || !whole.startsWith(prefix) || !whole.endsWith(suffix)) return false;
    const text = whole.slice(prefix.length, whole.length - suffix.length);
    if (only === 'star') return !text.includes('/');
    if (only === 'any') return true;
    const n = text.length;
    // reach[p]: the tokens consumed so far can end at text position p.
    let reach = new Uint8Array(n + 1);
    reach[0] = 1;
    for (const t of middle) {
      const next = new Uint8Array(n + 1);
      let any = false;
      switch (t.kind) {
        case 'char':
        case 'one':
          for (let p = 0; p < n; p++) {
            if (reach[p] !== 1) continue;
            const c = text[p] as string;
            if (t.kind === 'char' ? c === t.c : c !== '/') {
              next[p + 1] = 1;
              any = true;
            }
          }
          break;
        case 'star': {
          let open = false;
          for (let p = 0; p <= n; p++) {
            if (reach[p] === 1) open = true;
            if (open) {
              next[p] = 1;
              any = true;
            }
            if (text[p] === '/') open = false;
          }
          break;
        }
        case 'any': {
          let open = false;
          for (let p = 0; p <= n; p++) {
            if (reach[p] === 1) open = true;
            if (open) {
              next[p] = 1;
              any = true;
            }
          }
          break;
        }
        case 'dirs': {
          // Nothing, or anything that ends with `/`.
          let open = false;
          for (let p = 0; p <= n; p++) {
            if (reach[p] === 1) {
              next[p] = 1;
              any = true;
              open = true;
            }
            if (open && p > 0 && text[p - 1] === '/') {
              next[p] = 1;
              any = true;
            }
          }
          break;
        }
      }
      if (!any) return false;
      reach = next;
    }
    return reach[n] === 1;
  };
}

/** A matcher for any of `patterns`. */
export function anyGlobMatcher(patterns: readonly string[], options: GlobOptions = {}): (text: string) => boolean {
  const matchers = patterns.map((p) => globMatcher(p, options));
  return (text) => matchers.some((m) => m(text));
}
