/**
 * A tolerant tokenizer for the Groovy that Jenkinsfiles and shared-library `vars/*.groovy` files are
 * written in: identifiers, numbers, strings (single, double with `${…}` / `$name` interpolation, triple
 * quoted, slashy and dollar-slashy), operators, comments and newlines, each with its 1-based line and
 * column. Interpolations are kept as written in the string's text (the shell analyser sees
 * `${env.URL}`, as it would see a shell variable). Problems (an unterminated string or comment, a
 * character Groovy has no use for) are located errors; the tokens read so far are kept. Pure; never
 * throws.
 */

export interface Loc {
  line: number;
  col: number;
}

export type TokenKind = 'ident' | 'number' | 'string' | 'punct' | 'nl' | 'eof';

export interface Token extends Loc {
  kind: TokenKind;
  /** Identifier or punctuation as written; a string's value (escapes applied); a number's text. */
  text: string;
  /** Strings only: the string held `${…}` or `$name` (a GString: its text is partly computed). */
  interpolated?: boolean;
  /** Strings only: the string spanned lines (triple-quoted, slashy). */
  multiline?: boolean;
}

export interface LexError extends Loc {
  code: string;
  message: string;
}

/** Operators, longest first. */
const OPERATORS = [
  '>>>=', '<=>', '==~', '===', '!==', '>>>', '**=', '<<=', '>>=', '...', '..<', '?.', '*.', '.&', '.@', '?:', '=~', '==', '!=', '<=', '>=', '&&', '||', '->',
  '++', '--', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<', '>>', '**', '..', '::',
  '(', ')', '{', '}', '[', ']', ',', ';', ':', '.', '=', '+', '-', '*', '/', '%', '!', '<', '>', '?', '&', '|', '^', '~', '@',
];

const QUOTE_CODES: Record<string, number> = { '"': 34, "'": 39 };
const BACKSLASH = 92;
const NEWLINE = 10;
const DOLLAR = 36;

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '\\': '\\', "'": "'", '"': '"', $: '$', '/': '/' };

/** Tokens after which a `/` divides; after anything else it opens a slashy string. */
function dividesAfter(prev: Token | undefined): boolean {
  if (!prev) return false;
  if (prev.kind === 'ident') return !['return', 'in', 'case', 'assert', 'throw'].includes(prev.text);
  if (prev.kind === 'number' || prev.kind === 'string') return true;
  return prev.kind === 'punct' && (prev.text === ')' || prev.text === ']' || prev.text === '}');
}

export function tokenize(src: string): { tokens: Token[]; errors: LexError[] } {
  const tokens: Token[] = [];
  const errors: LexError[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = src.length;
  const loc = (at: number): Loc => ({ line, col: at - lineStart + 1 });
  const newline = (at: number): void => {
    line++;
    lineStart = at + 1;
  };
  const push = (t: Token): void => {
    tokens.push(t);
  };
  const lastSignificant = (): Token | undefined => {
    for (let k = tokens.length - 1; k >= 0; k--) if (tokens[k]?.kind !== 'nl') return tokens[k];
    return undefined;
  };

  if (src.startsWith('#!')) {
    while (i < n && src[i] !== '\n') i++;
  }

  /** Reads a quoted string from `i` (at its opening quote); returns false when unterminated. */
  const readString = (quote: string, triple: boolean, start: Loc): boolean => {
    const interpolating = quote === '"';
    const close = triple ? quote.repeat(3) : quote;
    let value = '';
    let interpolated = false;
    let multiline = false;
    i += triple ? 3 : 1;
    while (i < n) {
      const c = src[i] as string;
      if (c === quote && (!triple || src.startsWith(close, i))) {
        i += triple ? 3 : 1;
        push({ kind: 'string', text: value, interpolated, multiline, ...start });
        return true;
      }
      if (c === '\n') {
        if (!triple) break;
        multiline = true;
        value += c;
        newline(i);
        i++;
        continue;
      }
      if (c === '\\') {
        const e = src[i + 1];
        if (e === '\n') {
          // A line continuation: kept as written, so that lines inside the string keep their numbers
          // (a shell reads `\` + newline as a continuation too).
          value += '\\\n';
          newline(i + 1);
          i += 2;
          continue;
        }
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(src.slice(i + 2, i + 6))) {
          value += String.fromCharCode(parseInt(src.slice(i + 2, i + 6), 16));
          i += 6;
          continue;
        }
        if (e !== undefined && ESCAPES[e] !== undefined) {
          value += ESCAPES[e];
          i += 2;
          continue;
        }
        value += c;
        i++;
        continue;
      }
      if (interpolating && c === '$' && src[i + 1] === '{') {
        // `${…}`: kept as written, braces balanced (a closure inside may hold strings with braces).
        interpolated = true;
        let depth = 0;
        const from = i;
        while (i < n) {
          const d = src[i] as string;
          if (d === '\n') newline(i);
          if (d === '{') depth++;
          else if (d === '}') {
            depth--;
            if (depth === 0) {
              i++;
              break;
            }
          }
          i++;
        }
        value += src.slice(from, i);
        continue;
      }
      if (c === '$') {
        if (interpolating && /[A-Za-z_]/.test(src[i + 1] ?? '')) interpolated = true;
        value += c;
        i++;
        continue;
      }
      // A run of plain characters, appended at once (one string per run, not per character).
      let j = i + 1;
      while (j < n) {
        const d = src.charCodeAt(j);
        if (d === QUOTE_CODES[quote] || d === BACKSLASH || d === NEWLINE || d === DOLLAR) break;
        j++;
      }
      value += src.slice(i, j);
      i = j;
    }
    errors.push({ ...start, code: 'jenkins-unterminated-string', message: `a string opened with ${close} is not closed` });
    return false;
  };

  /** A slashy (`/…/`) or dollar-slashy (`$/…/$`) string. */
  const readSlashy = (dollar: boolean, start: Loc): boolean => {
    i += dollar ? 2 : 1;
    let value = '';
    let multiline = false;
    let interpolated = false;
    while (i < n) {
      const c = src[i] as string;
      if (dollar ? src.startsWith('/$', i) : c === '/') {
        i += dollar ? 2 : 1;
        push({ kind: 'string', text: value, interpolated, multiline, ...start });
        return true;
      }
      if (c === '\\' && !dollar && src[i + 1] === '/') {
        value += '/';
        i += 2;
        continue;
      }
      if (dollar && c === '$' && (src[i + 1] === '/' || src[i + 1] === '$')) {
        value += src[i + 1];
        i += 2;
        continue;
      }
      if (c === '$' && /[A-Za-z_{]/.test(src[i + 1] ?? '')) interpolated = true;
      if (c === '\n') {
        multiline = true;
        newline(i);
      }
      value += c;
      i++;
    }
    errors.push({ ...start, code: 'jenkins-unterminated-string', message: `a ${dollar ? 'dollar-slashy' : 'slashy'} string is not closed` });
    return false;
  };

  while (i < n) {
    const c = src[i] as string;
    if (c === '\n') {
      if (tokens[tokens.length - 1]?.kind !== 'nl') push({ kind: 'nl', text: '\n', ...loc(i) });
      newline(i);
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\uFEFF') {
      i++;
      continue;
    }
    if (c === '\\' && (src[i + 1] === '\n' || (src[i + 1] === '\r' && src[i + 2] === '\n'))) {
      // A line continuation outside strings.
      i += src[i + 1] === '\n' ? 1 : 2;
      newline(i);
      i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const start = loc(i);
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let k = i; k < stop; k++) if (src[k] === '\n') newline(k);
      if (end < 0) errors.push({ ...start, code: 'jenkins-unterminated-comment', message: 'a `/*` comment is not closed' });
      i = stop;
      continue;
    }
    const start = loc(i);
    if (c === '"' || c === "'") {
      const triple = src.startsWith(c.repeat(3), i);
      if (!readString(c, triple, start)) break;
      continue;
    }
    if (c === '$' && src[i + 1] === '/') {
      if (!readSlashy(true, start)) break;
      continue;
    }
    if (c === '/' && !dividesAfter(lastSignificant()) && src[i + 1] !== '=' && src[i + 1] !== ' ') {
      if (!readSlashy(false, start)) break;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$]/.test(src[j] as string)) j++;
      push({ kind: 'ident', text: src.slice(i, j), ...start });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^(?:0[xX][0-9a-fA-F_]+|[0-9][0-9_]*(?:\.[0-9][0-9_]*)?(?:[eE][+-]?[0-9]+)?)[a-zA-Z]?/.exec(src.slice(i, i + 64));
      const text = m?.[0] ?? c;
      push({ kind: 'number', text, ...start });
      i += text.length;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op !== undefined) {
      push({ kind: 'punct', text: op, ...start });
      i += op.length;
      continue;
    }
    if (c.charCodeAt(0) > 127) {
      // Letters outside ASCII are valid in Groovy identifiers.
      let j = i + 1;
      while (j < n && (/[A-Za-z0-9_$]/.test(src[j] as string) || (src[j] as string).charCodeAt(0) > 127)) j++;
      push({ kind: 'ident', text: src.slice(i, j), ...start });
      i = j;
      continue;
    }
    errors.push({ ...start, code: 'jenkins-syntax', message: `unexpected character ${JSON.stringify(c)}` });
    i++;
  }
  push({ kind: 'eof', text: '', ...loc(i) });
  return { tokens, errors };
}
