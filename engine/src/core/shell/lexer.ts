/**
 * A small quote-aware shell lexer: words, operators, `$(…)` / `<(…)` / backticks (lexed recursively,
 * bounded in depth), comments, line continuations, subshell grouping (flattened into the list) and `case`
 * patterns (`main | maint/*)`: dropped, they are not commands). Not a full POSIX parser: enough to tell
 * what a CI step runs the way a shell would (`# curl … | bash` is a comment, a quoted URL is one word).
 * Pure; never throws on any input.
 */

export interface Sub {
  kind: '$(' | '<(' | '`';
  cmds: Cmd[];
}

export interface Word {
  /** Unquoted text; each substitution appears as SUB_MARK. */
  text: string;
  /** 0-based line inside the text. */
  line: number;
  subs: Sub[];
  /** An unquoted operator token (`>`, `>>`, `2>`, `&>`, `<`). */
  op?: boolean;
}

export interface Cmd {
  words: Word[];
  /** Offsets of the command's first and last character in the text. */
  start: number;
  end: number;
  /** The separator after this command. */
  sep: '|' | ';' | '&&' | '||' | '&' | '\n' | 'end';
}

/** Stands for a substitution inside `Word.text`. */
export const SUB_MARK = '\u0001';
const MAX_SUB_DEPTH = 32;

class Lexer {
  private i = 0;
  private line = 0;
  constructor(private readonly s: string) {}

  /** Lexes commands until end of text, or the `)` (or backtick) closing a substitution when `close` is set. */
  list(close: ')' | '`' | undefined, depth: number): Cmd[] {
    const s = this.s;
    const cmds: Cmd[] = [];
    let words: Word[] = [];
    let cur: Word | undefined;
    let start = this.i;
    let end = this.i;
    const endWord = (): void => {
      if (cur) {
        words.push(cur);
        end = this.i;
        cur = undefined;
      }
    };
    const endCmd = (sep: Cmd['sep']): void => {
      endWord();
      if (words.length > 0) cmds.push({ words, start, end, sep });
      else if (sep === '|' && cmds.length > 0) cmds[cmds.length - 1] = { ...cmds[cmds.length - 1]!, sep };
      words = [];
    };
    const word = (): Word => {
      if (!cur) {
        if (words.length === 0) start = this.i;
        cur = { text: '', line: this.line, subs: [] };
      }
      return cur;
    };
    const sub = (kind: Sub['kind']): void => {
      const w = word();
      const inner = depth >= MAX_SUB_DEPTH ? this.skipTo(kind === '`' ? '`' : ')') : this.list(kind === '`' ? '`' : ')', depth + 1);
      w.subs.push({ kind, cmds: inner });
      w.text += SUB_MARK;
    };

    while (this.i < s.length) {
      const c = s[this.i]!;
      if (close === ')' && c === ')') {
        this.i++;
        endCmd('end');
        return cmds;
      }
      if (close === '`' && c === '`') {
        this.i++;
        endCmd('end');
        return cmds;
      }
      if (c === '\\') {
        const next = s[this.i + 1];
        if (next === '\n') {
          this.i += 2;
          this.line++;
          continue;
        }
        word().text += next ?? '';
        this.i += 2;
        continue;
      }
      if (c === '\n') {
        this.i++;
        endCmd('\n');
        this.line++;
        continue;
      }
      if (c === ' ' || c === '\t' || c === '\r') {
        endWord();
        this.i++;
        continue;
      }
      if (c === '#' && !cur) {
        while (this.i < s.length && s[this.i] !== '\n') this.i++;
        continue;
      }
      if (c === "'") {
        const w = word();
        this.i++;
        while (this.i < s.length && s[this.i] !== "'") {
          if (s[this.i] === '\n') this.line++;
          w.text += s[this.i];
          this.i++;
        }
        this.i++;
        continue;
      }
      if (c === '"') {
        const w = word();
        this.i++;
        while (this.i < s.length && s[this.i] !== '"') {
          const d = s[this.i]!;
          if (d === '\\' && (s[this.i + 1] === '"' || s[this.i + 1] === '\\' || s[this.i + 1] === '$' || s[this.i + 1] === '`')) {
            w.text += s[this.i + 1];
            this.i += 2;
            continue;
          }
          if (d === '$' && s[this.i + 1] === '(') {
            this.i += 2;
            sub('$(');
            continue;
          }
          if (d === '`') {
            this.i++;
            sub('`');
            continue;
          }
          if (d === '\n') this.line++;
          w.text += d;
          this.i++;
        }
        this.i++;
        continue;
      }
      if (c === '$' && s[this.i + 1] === '(') {
        this.i += 2;
        sub('$(');
        continue;
      }
      if (c === '$' && s[this.i + 1] === '{') {
        const w = word();
        const close2 = s.indexOf('}', this.i);
        const stop = close2 < 0 ? s.length : close2 + 1;
        w.text += s.slice(this.i, stop);
        this.i = stop;
        continue;
      }
      if (c === '`') {
        this.i++;
        sub('`');
        continue;
      }
      if ((c === '<' || c === '>') && s[this.i + 1] === '(') {
        this.i += 2;
        sub('<(');
        continue;
      }
      if (c === '|') {
        if (s[this.i + 1] === '|') {
          this.i += 2;
          endCmd('||');
        } else {
          this.i += s[this.i + 1] === '&' ? 2 : 1;
          endCmd('|');
        }
        continue;
      }
      if (c === '&') {
        if (s[this.i + 1] === '&') {
          this.i += 2;
          endCmd('&&');
        } else if (s[this.i + 1] === '>') {
          endWord();
          this.i += s[this.i + 2] === '>' ? 3 : 2;
          words.push({ text: '>', line: this.line, subs: [], op: true });
        } else {
          this.i++;
          endCmd('&');
        }
        continue;
      }
      if (c === ';') {
        this.i++;
        endCmd(';');
        continue;
      }
      if (c === ')') {
        // A `)` that closes nothing ends a `case` pattern (`main | maint/*)`): its words are patterns, not commands.
        this.i++;
        words = [];
        cur = undefined;
        while (cmds.length > 0 && cmds[cmds.length - 1]!.sep === '|') cmds.pop();
        continue;
      }
      if (c === '(') {
        // Subshell grouping: its commands are flattened into this list.
        this.i++;
        endCmd(';');
        cmds.push(...(depth >= MAX_SUB_DEPTH ? this.skipTo(')') : this.list(')', depth + 1)));
        continue;
      }
      if (c === '>' || c === '<') {
        // `2>`, `1>` : a word made only of a digit right before the operator is its file descriptor.
        const fd = cur && /^\d$/.test(cur.text) ? cur.text : undefined;
        if (fd !== undefined) cur = undefined;
        else endWord();
        let op = c;
        this.i++;
        if (s[this.i] === '>' || (c === '<' && s[this.i] === '<')) {
          op += s[this.i];
          this.i++;
        }
        if (s[this.i] === '&') {
          // `2>&1`: a descriptor duplication, not a file.
          this.i++;
          while (this.i < s.length && /[0-9-]/.test(s[this.i]!)) this.i++;
          continue;
        }
        words.push({ text: (fd ?? '') + op, line: this.line, subs: [], op: true });
        continue;
      }
      word().text += c;
      this.i++;
    }
    endCmd('end');
    return cmds;
  }

  private skipTo(close: ')' | '`'): Cmd[] {
    while (this.i < this.s.length && this.s[this.i] !== close) {
      if (this.s[this.i] === '\n') this.line++;
      this.i++;
    }
    this.i++;
    return [];
  }
}

/** The commands of `text`, in order (subshell groups flattened); [] when the lexer fails. */
export function lexShell(text: string): Cmd[] {
  try {
    return new Lexer(text).list(undefined, 0);
  } catch {
    return [];
  }
}
