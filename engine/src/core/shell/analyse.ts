/**
 * What a piece of shell text runs, for the resolver:
 *  - scripts fetched and executed at run time: `curl … | bash`, `wget -O- … | sh`, `bash <(curl …)`,
 *    `. <(curl …)`, `sh -c "$(curl -fsSL URL)"`, download-then-run (`curl -o f URL`, `wget -O f URL`,
 *    `curl URL > f`, then `bash f` / `sh f` / `./f` later — in the same text, or in a later step of the
 *    job through `ShellContext.downloads`), and the PowerShell forms (powershell.ts);
 *  - the repository's own files it runs: a script run by a shell or by its path, a `make` call, an
 *    image build (its Dockerfile), each with its line, for the resolver to follow (resolve/repo-files.ts).
 *
 * Variables (assignments, `export`), the working directory (`cd`, `pushd`, `popd`), `$0` and
 * `$(dirname "$0")` inside a script are tracked so that paths are placed in the repository (paths.ts).
 * Pure; never throws.
 */
import type { ComponentRef, ComponentUse, Position } from '../model';
import { basename, INTERPRETERS, normalisePath, runsStdin, runTarget, SHELLS, simple, SOURCES, type Simple } from './commands';
import { parseFetch } from './fetch';
import { buildCall, makeCall, remoteContext } from './invocations';
import { type Cmd, lexShell, SUB_MARK, type Sub, type Word } from './lexer';
import { anchored, type Cwd, joinRepoPath, type RepoPath, resolveRepoPath, ROOT } from './paths';
import { powershellFetches } from './powershell';

type ScriptRef = Extract<ComponentRef, { kind: 'script-url' }>;

/** A file written by a fetch; running it later is a use of the URL. */
export interface Download {
  /** Where it lands: `ROOT/<repository path>` when placed, otherwise the path as written. */
  file: string;
  url: string;
  /** The download command, shortened. */
  raw: string;
  pos: Position;
}

/** A repository file the text runs (resolved by the resolver through the repository reader). */
export type Invocation =
  /** A script run by a shell (`bash f`, `. f`) or by its path (`./f`), in `cwd`. */
  | { kind: 'script'; path: RepoPath; written: string; cwd: Cwd; raw: string; pos: Position }
  /** `make [-C dir] [-f file] [targets] [VAR=value]`: the directory it runs in, the Makefile it reads when named. */
  | { kind: 'make'; dir: RepoPath; file?: RepoPath; targets: string[]; vars: Record<string, string>; raw: string; pos: Position }
  /** An image build: the Dockerfile it reads and the build arguments it passes. */
  | { kind: 'build'; dockerfile: RepoPath; buildArgs: Record<string, string>; raw: string; pos: Position };

export interface ShellContext {
  /** Variables known before the text runs (a step's `env:`, a component's inputs). */
  vars?: Record<string, string>;
  /** The directory the text runs in (default: the repository root). */
  cwd?: Cwd;
  /** The repository path of the script this text is (for `$0`, `${BASH_SOURCE[0]}`). */
  self?: string;
  /** Files downloaded before this text runs (by earlier steps of the job). */
  downloads?: readonly Download[];
}

export interface ShellAnalysis {
  /** Fetched-and-executed scripts (`script-url` uses), by line. */
  fetched: ComponentUse[];
  /** Every download known after the text ran: those of the context, then its own. */
  downloads: Download[];
  /** Repository files the text runs, in order. */
  invocations: Invocation[];
}

const MAX_RAW = 200;
const MAX_DOWNLOADS = 200;
const MAX_INVOCATIONS = 200;

interface Host {
  program: string;
  args: Word[];
  cmd: Cmd;
}

/** Folders that tools create while the job runs (virtual environments, installed packages): never in the repository. */
const CREATED_AT_RUN_TIME = /^(?:node_modules|\.venv|venv|\.tox|\.nox)\/|\/bin\/activate$/;

/** Where file `p` lands (or runs from) in `cwd`, comparable across commands and steps: `ROOT/<path>` when placed, else as written. */
export function placeFile(p: string, cwd: Cwd): string {
  const r = resolveRepoPath(p, cwd);
  return r.kind === 'repo' ? anchored(r.path) : normalisePath(p);
}

function shorten(text: string): string {
  const r = text.replace(/\s*\\\n\s*/g, ' ').replace(/\s+/g, ' ').trim();
  return r.length > MAX_RAW ? `${r.slice(0, MAX_RAW - 1)}…` : r;
}

/** `a/b/c` → `a/b`; `c` → `.`. */
function dirnameValue(v: string): string {
  const t = v.length > 1 ? v.replace(/\/+$/, '') : v;
  const at = t.lastIndexOf('/');
  if (at < 0) return t === ROOT ? ROOT : '.';
  return at === 0 ? '/' : t.slice(0, at);
}

/** Analyses `text`, whose first line is at `pos`. */
export function analyseShell(text: string, pos: Position, context: ShellContext = {}): ShellAnalysis {
  const cmds = lexShell(text);
  const env = new Map(Object.entries(context.vars ?? {}));
  const fetched: ComponentUse[] = [];
  const invocations: Invocation[] = [];
  const seen = new Set<string>();
  const earlier = [...(context.downloads ?? [])];
  const own: Download[] = [];
  const self = context.self === undefined ? undefined : anchored(context.self);
  let cwd: Cwd = context.cwd ?? { path: '' };
  const dirStack: Cwd[] = [];

  const at = (line: number): Position => ({ file: pos.file, line: pos.line + line });
  const cwdValue = (): string | undefined => ('path' in cwd ? anchored(cwd.path) : undefined);

  /** The value of a variable the text can use, when known (`$0` and `BASH_SOURCE` are the script). */
  const varValue = (name: string): string | undefined => (name === '0' || name === 'BASH_SOURCE' || name === 'BASH_SOURCE[0]' ? self : env.get(name));
  const subst = (t: string): string => {
    // Every form replaced starts with `$`: most words have none.
    if (!t.includes('$')) return t;
    return t
      .replace(/\$\{\{\s*(?:env\.)?([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (all, name: string) => env.get(name) ?? all)
      // `${0%/*}`, `${BASH_SOURCE%/*}`, `${DIR%/*}`: the directory part.
      .replace(/\$\{(0|BASH_SOURCE(?:\[0\])?|[A-Za-z_][A-Za-z0-9_]*)%\/\*\}/g, (all, name: string) => {
        const v = varValue(name);
        return v === undefined ? all : dirnameValue(v);
      })
      .replace(/\$\{BASH_SOURCE(?:\[0\])?\}|\$BASH_SOURCE\b|\$\{0\}|\$0(?![0-9])/g, (all) => self ?? all)
      .replace(/\$\{PWD\}|\$PWD\b/g, (all) => (env.has('PWD') ? all : (cwdValue() ?? all)))
      .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, braced: string | undefined, dflt: string | undefined, bare: string | undefined) => {
        const name = braced ?? bare ?? '';
        const v = env.get(name);
        if (v !== undefined) return v;
        return dflt ?? all;
      });
  };

  /** The value of a command substitution the analyser can tell: `dirname X`, `pwd`, `cd X && pwd`, `git rev-parse --show-toplevel`. */
  const subValue = (sb: Sub): string | undefined => {
    if (sb.kind === '<(') return undefined;
    const [first, second] = sb.cmds;
    const s1 = first ? simple(first) : undefined;
    if (!first || !s1) return undefined;
    const prog = basename(s1.program);
    const args = s1.args.filter((a) => !a.text.startsWith('-'));
    if (sb.cmds.length === 1) {
      if (prog === 'dirname' && args.length === 1) {
        const v = wordValue(args[0]!);
        return v === undefined ? undefined : dirnameValue(v);
      }
      if (prog === 'pwd') return cwdValue();
      if ((prog === 'realpath' || prog === 'readlink') && args.length === 1) {
        const v = wordValue(args[0]!);
        const r = v === undefined ? undefined : resolveRepoPath(v, cwd);
        return r?.kind === 'repo' ? anchored(r.path) : undefined;
      }
      if (prog === 'git' && s1.args.map((a) => a.text).join(' ') === 'rev-parse --show-toplevel') return ROOT;
      return undefined;
    }
    const s2 = second ? simple(second) : undefined;
    if (sb.cmds.length === 2 && prog === 'cd' && args.length === 1 && s2?.program === 'pwd' && (first.sep === '&&' || first.sep === ';')) {
      const v = wordValue(args[0]!);
      const r = v === undefined ? undefined : resolveRepoPath(v, cwd);
      return r?.kind === 'repo' ? anchored(r.path) : undefined;
    }
    return undefined;
  };

  /** A word's value after substitution, or undefined when it holds a command substitution the analyser cannot tell. */
  const wordValue = (w: Word): string | undefined => {
    if (!w.text.includes(SUB_MARK)) return subst(w.text);
    const parts = w.text.split(SUB_MARK);
    let filled = parts[0] ?? '';
    for (let k = 1; k < parts.length; k++) {
      const sb = w.subs[k - 1];
      const v = sb ? subValue(sb) : undefined;
      if (v === undefined) return undefined;
      filled += v + (parts[k] ?? '');
    }
    return subst(filled);
  };
  /** A word as written, for messages (`$(…)` for a substitution). */
  const written = (w: Word): string => w.text.split(SUB_MARK).join('$(…)');

  const assign = (w: Word): void => {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(w.text);
    if (!m?.[1]) return;
    const v = wordValue(w);
    if (v === undefined) env.delete(m[1]);
    else env.set(m[1], v.slice(m[1].length + 1));
  };

  const rawOf = (from: Cmd, to: Cmd = from): string => shorten(text.slice(from.start, to.end));
  const emit = (url: string, how: ScriptRef['how'], raw: string, where: Position): void => {
    const key = `${url}\u0000${how}\u0000${where.file}\u0000${where.line}`;
    if (seen.has(key)) return;
    seen.add(key);
    const ref: ScriptRef = { kind: 'script-url', url, how, raw };
    fetched.push({ ref, pos: where });
  };
  const fileKey = (p: string): string => placeFile(p, cwd);
  const invoke = (inv: Invocation): void => {
    if (invocations.length < MAX_INVOCATIONS) invocations.push(inv);
  };

  /** A script the command runs from the repository (not a download). */
  const scriptRun = (s: Simple, target: { word: Word; by: 'shell' | 'exec' }, line: number): void => {
    const value = wordValue(target.word);
    const path: RepoPath =
      value === undefined ? { kind: 'unknown', why: `the path ${written(target.word)} depends on a command substitution, which is not known when reading` } : resolveRepoPath(value, cwd);
    if (path.kind === 'outside') return;
    if (path.kind === 'repo' && (CREATED_AT_RUN_TIME.test(path.path) || path.path === '')) return;
    invoke({ kind: 'script', path, written: written(target.word), cwd, raw: rawOf(s.cmd), pos: at(line) });
  };

  const makeRun = (s: Simple, program: string, args: string[], line: number): boolean => {
    const call = makeCall(program, args);
    if (!call) return false;
    let dir: RepoPath = 'path' in cwd ? { kind: 'repo', path: cwd.path } : { kind: 'unknown', why: cwd.unknown };
    for (const d of call.dirs) {
      if (dir.kind !== 'repo') break;
      dir = resolveRepoPath(d, { path: dir.path });
    }
    if (dir.kind === 'outside') return true;
    const inv: Invocation = { kind: 'make', dir, targets: call.targets, vars: call.vars, raw: rawOf(s.cmd), pos: at(line) };
    if (call.file !== undefined) inv.file = dir.kind === 'repo' ? resolveRepoPath(call.file, { path: dir.path }) : dir;
    invoke(inv);
    return true;
  };

  const buildRun = (s: Simple, program: string, args: string[], line: number): boolean => {
    const call = buildCall(program, args);
    if (!call) return false;
    let dockerfile: RepoPath;
    if (call.context === undefined) dockerfile = { kind: 'unknown', why: 'the build names no context' };
    else if (call.file === '-' || (call.context === '-' && call.file === undefined)) dockerfile = { kind: 'unknown', why: 'the Dockerfile comes from standard input' };
    else if (remoteContext(call.context)) dockerfile = { kind: 'unknown', why: `the build context ${call.context} is not in the repository` };
    else {
      const context = call.context === '-' ? ({ kind: 'repo', path: 'path' in cwd ? cwd.path : '' } as const) : resolveRepoPath(call.context, cwd);
      if (call.file === undefined) {
        dockerfile = context.kind === 'repo' ? { kind: 'repo', path: joinRepoPath(context.path, 'Dockerfile') ?? 'Dockerfile' } : context;
      } else if (call.fileInContext) {
        dockerfile = context.kind === 'repo' ? resolveRepoPath(call.file, { path: context.path }) : context;
      } else {
        dockerfile = resolveRepoPath(call.file, cwd);
      }
    }
    if (dockerfile.kind !== 'outside') invoke({ kind: 'build', dockerfile, buildArgs: call.buildArgs, raw: rawOf(s.cmd), pos: at(line) });
    return true;
  };

  const walk = (list: Cmd[], host: Host | undefined, subKind: Sub['kind'] | undefined): void => {
    for (let idx = 0; idx < list.length; idx++) {
      const cmd = list[idx]!;
      const s = simple(cmd);
      // Substitutions inside this command first (they run before it, in a subshell: a `cd` there stays there).
      for (const w of cmd.words) {
        for (const sb of w.subs) {
          const saved = cwd;
          const savedStack = dirStack.length;
          walk(sb.cmds, s ? { program: s.program, args: s.args, cmd } : undefined, sb.kind);
          cwd = saved;
          dirStack.length = Math.min(dirStack.length, savedStack);
        }
      }
      if (!s) {
        for (const w of cmd.words) assign(w);
        continue;
      }
      if (s.program === 'export' || s.program === 'readonly' || s.program === 'declare' || s.program === 'local') {
        for (const a of s.args) assign(a);
        continue;
      }
      const line = cmd.words[0]!.line;
      if (s.program === 'cd' || s.program === 'pushd') {
        if (s.program === 'pushd') dirStack.push(cwd);
        const arg = s.args.find((a) => !a.text.startsWith('-') || a.text === '-');
        const v = arg === undefined || arg.text === '-' ? undefined : wordValue(arg);
        const r = v === undefined ? undefined : resolveRepoPath(v, cwd);
        cwd = r?.kind === 'repo' ? { path: r.path } : { unknown: `it runs after \`${rawOf(cmd)}\`, in a directory not known when reading` };
        continue;
      }
      if (s.program === 'popd') {
        cwd = dirStack.pop() ?? { unknown: `it runs after \`${rawOf(cmd)}\`, in a directory not known when reading` };
        continue;
      }
      const fetch = parseFetch(s, subst);
      if (fetch) {
        if ('file' in fetch.to) {
          if (own.length < MAX_DOWNLOADS) own.push({ file: fileKey(fetch.to.file), url: fetch.url, raw: rawOf(cmd), pos: at(line) });
        } else {
          const prev = idx > 0 ? list[idx - 1] : undefined;
          const next = cmd.sep === '|' ? list[idx + 1] : undefined;
          const nextSimple = next ? simple(next) : undefined;
          if (next && nextSimple && runsStdin(nextSimple)) {
            emit(fetch.url, 'pipe', rawOf(cmd, next), at(line));
          } else if (host && (prev === undefined || prev.sep !== '|')) {
            const hostProg = basename(host.program);
            const runsSub =
              (subKind === '<(' && (SHELLS.has(hostProg) || INTERPRETERS.has(hostProg) || SOURCES.has(host.program))) ||
              (subKind !== '<(' &&
                (host.program === 'eval' ||
                  (SHELLS.has(hostProg) && host.args.some((a) => a.text === '-c')) ||
                  (INTERPRETERS.has(hostProg) && !SHELLS.has(hostProg) && host.args.some((a) => a.text === '-c' || a.text === '-e'))));
            if (runsSub) emit(fetch.url, 'process-substitution', rawOf(host.cmd), at(host.cmd.words[0]!.line));
          }
        }
        continue;
      }
      const program = wordValue(s.programWord) ?? s.program;
      const args = s.args.map((a) => wordValue(a) ?? written(a));
      if (makeRun(s, program, args, line) || buildRun(s, program, args, line)) continue;
      const target = runTarget(s);
      if (target) {
        const value = wordValue(target.word);
        const key = fileKey(value ?? target.word.text);
        const ran = [...own.map((d) => ({ d, before: false })), ...earlier.map((d) => ({ d, before: true }))].filter(({ d }) => d.file === key);
        for (const { d, before } of ran) {
          const runAt = at(line);
          const where = before ? ` (${runAt.file}:${runAt.line})` : '';
          emit(d.url, 'download-then-run', shorten(`${d.raw} … ${rawOf(cmd)}${where}`), d.pos);
        }
        // `bash <(curl …)` runs a process substitution, not a file (the fetch is found above).
        const substituted = target.word.text === SUB_MARK && target.word.subs[0]?.kind === '<(';
        if (ran.length === 0 && target.by !== 'interpreter' && !substituted) scriptRun(s, { word: target.word, by: target.by }, line);
      }
    }
  };
  walk(cmds, undefined, undefined);
  for (const ps of powershellFetches(text)) emit(subst(ps.url), ps.how, ps.raw, at(ps.line));
  return {
    fetched: fetched.sort((a, b) => a.pos.line - b.pos.line),
    downloads: [...earlier, ...own].slice(-MAX_DOWNLOADS),
    invocations,
  };
}

/** The fetched-and-executed scripts in `text` (`pos`: where its first line is), with `vars` known beforehand. */
export function findFetchedScripts(text: string, pos: Position, vars: Record<string, string> = {}): ComponentUse[] {
  return analyseShell(text, pos, { vars }).fetched;
}
