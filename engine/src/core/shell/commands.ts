/**
 * Simple commands over the lexer's output: the program after assignments, `sudo`/`env` and keyword
 * prefixes, its arguments, where its standard output goes, and what file it executes. Pure.
 */
import { type Cmd, type Word } from './lexer';

export const SHELLS = new Set(['bash', 'sh', 'zsh', 'dash', 'ksh', 'ash', 'mksh']);
export const INTERPRETERS = new Set([...SHELLS, 'python', 'python3', 'python2', 'perl', 'ruby', 'node']);
export const SOURCES = new Set(['source', '.']);
const PREFIXES = new Set(['then', 'do', 'else', '{', '!', 'if', 'while', 'until', 'time', 'exec', 'nohup', 'command']);
const SUDO_VALUE_OPTS = new Set(['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-U']);

/** The last segment of a path (`/usr/bin/env` → `env`). */
export function basename(p: string): string {
  // The last non-empty segment, found in place (every word of every command is asked).
  let end = p.length;
  while (end > 0 && p.charCodeAt(end - 1) === 47 /* / */) end--;
  if (end === 0) return p;
  return p.slice(p.lastIndexOf('/', end - 1) + 1, end);
}

/** `./././f` → `f`. */
export function normalisePath(p: string): string {
  return p.replace(/^(\.\/)+/, '');
}

/** Index of the program word after assignments, sudo/env and keyword prefixes. */
export function programIndex(words: Word[]): number {
  let i = 0;
  while (i < words.length) {
    const w = words[i]!;
    if (w.op) return -1;
    const t = w.text;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(t) || PREFIXES.has(t)) {
      i++;
      continue;
    }
    if (t === 'sudo' || basename(t) === 'sudo') {
      i++;
      while (i < words.length && words[i]!.text.startsWith('-')) {
        i += SUDO_VALUE_OPTS.has(words[i]!.text) ? 2 : 1;
      }
      continue;
    }
    if (t === 'env' || basename(t) === 'env') {
      i++;
      while (i < words.length && (words[i]!.text.startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!.text))) i++;
      continue;
    }
    return i;
  }
  return -1;
}

/** A command with its program found: what runs, its arguments, where its standard output goes. */
export interface Simple {
  program: string;
  /** The word `program` was read from (its substitutions, for `"$(dirname "$0")/x.sh"`). */
  programWord: Word;
  args: Word[];
  /** Target of `>` / `>>` / `1>` / `&>`, if any. */
  stdoutTo?: string;
  cmd: Cmd;
}

/** The simple command of `cmd`, or undefined when it has no program (assignments only, an operator first). */
export function simple(cmd: Cmd): Simple | undefined {
  const plain: Word[] = [];
  let stdoutTo: string | undefined;
  for (let i = 0; i < cmd.words.length; i++) {
    const w = cmd.words[i]!;
    if (w.op) {
      const target = cmd.words[i + 1];
      if (target && !target.op && (w.text === '>' || w.text === '>>' || w.text === '1>' || w.text === '1>>')) stdoutTo = target.text;
      i++;
      continue;
    }
    plain.push(w);
  }
  const p = programIndex(plain);
  if (p < 0) return undefined;
  const programWord = plain[p]!;
  const program = programWord.text;
  const base = { program, programWord, args: plain.slice(p + 1), cmd };
  return stdoutTo === undefined ? base : { ...base, stdoutTo };
}

/** Does this command run a shell/interpreter on its standard input? */
export function runsStdin(s: Simple): boolean {
  if (!INTERPRETERS.has(basename(s.program))) return false;
  for (const a of s.args) {
    const t = a.text;
    if (t === '-c') return false;
    if (t === '-s' || t === '-' || t === '--') return true;
    if (t.startsWith('-')) continue;
    return false;
  }
  return true;
}

/** Shell options that take a value (`bash -o pipefail f`). */
const SHELL_VALUE_OPTS = new Set(['-o', '+o', '-O', '+O', '--rcfile', '--init-file']);

/**
 * Index in `args` of the script file a shell (`bash -e f`) or `source`/`.` runs; -1 when it runs none
 * (`bash -c '…'`, `bash` reading its standard input).
 */
export function shellScriptIndex(program: string, args: readonly string[]): number {
  const prog = basename(program);
  if (SOURCES.has(program)) return args.length > 0 ? 0 : -1;
  if (!SHELLS.has(prog)) return -1;
  for (let i = 0; i < args.length; i++) {
    const t = args[i] ?? '';
    if (t === '-c' || t === '-s' || t === '-') return -1;
    if (t === '--') return i + 1 < args.length ? i + 1 : -1;
    if (SHELL_VALUE_OPTS.has(t) || /^[-+][a-zA-Z]+o$/.test(t)) {
      // `-o pipefail`, `-euo pipefail`: the option's value is not the script.
      i++;
      continue;
    }
    if (t.startsWith('-') || t.startsWith('+')) {
      if (/^-[a-z]*c/.test(t) || /^-[a-z]*s/.test(t)) return -1;
      continue;
    }
    return i;
  }
  return -1;
}

/**
 * The file a command runs, if it runs one, and how: `by: 'shell'` for `bash f`, `sh -e f`, `. f`,
 * `source f`; `'exec'` for `./f`, `dir/f` (executed by its path); `'interpreter'` for `python f`,
 * `node f` (a program of another language: it is compared with downloads, never read as shell).
 */
export function runTarget(s: Simple): { word: Word; by: 'shell' | 'exec' | 'interpreter' } | undefined {
  const prog = basename(s.program);
  if (SHELLS.has(prog) || SOURCES.has(s.program)) {
    const at = shellScriptIndex(s.program, s.args.map((a) => a.text));
    const word = at < 0 ? undefined : s.args[at];
    return word ? { word, by: 'shell' } : undefined;
  }
  if (INTERPRETERS.has(prog)) {
    for (const a of s.args) {
      if (a.text === '-c' || a.text === '-e' || a.text === '-m') return undefined;
      if (a.text.startsWith('-')) continue;
      return { word: a, by: 'interpreter' };
    }
    return undefined;
  }
  return s.program.includes('/') ? { word: s.programWord, by: 'exec' } : undefined;
}
