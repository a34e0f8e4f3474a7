/**
 * Finds scripts fetched and executed at run time in shell text: `curl … | bash`, `wget -O- … | sh`,
 * `bash <(curl …)`, `. <(curl …)`, `sh -c "$(curl -fsSL URL)"`, and download-then-run (`curl -o f URL`,
 * `wget -O f URL`, `curl URL > f`, then `bash f` / `sh f` / `./f` later in the same text), and the
 * PowerShell forms (`irm URL | iex`, `iex ((New-Object Net.WebClient).DownloadString('URL'))`).
 *
 * A small quote-aware shell lexer (words, operators, `$(…)` / `<(…)` / backticks, comments) rather
 * than regexes over raw text, so that `# curl … | bash`, quoted URLs, line continuations and sudo/env
 * prefixes are handled the way a shell would. Pure; never throws.
 */
import type { ComponentRef, ComponentUse, Position } from '../model';

type ScriptRef = Extract<ComponentRef, { kind: 'script-url' }>;

interface Sub {
  kind: '$(' | '<(' | '`';
  cmds: Cmd[];
}

interface Word {
  /** Unquoted text; each substitution appears as SUB_MARK. */
  text: string;
  /** 0-based line inside the text. */
  line: number;
  subs: Sub[];
  /** An unquoted operator token (`>`, `>>`, `2>`, `&>`, `<`). */
  op?: boolean;
}

interface Cmd {
  words: Word[];
  start: number;
  end: number;
  /** The separator after this command. */
  sep: '|' | ';' | '&&' | '||' | '&' | '\n' | 'end';
}

const SUB_MARK = '\u0001';
const MAX_RAW = 200;
const MAX_SUB_DEPTH = 32;

// ───────────────────────────── lexer ─────────────────────────────

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
      if (c === '(' || c === ')') {
        // Subshell grouping: its commands are flattened into this list.
        this.i++;
        endCmd(';');
        if (c === '(') cmds.push(...(depth >= MAX_SUB_DEPTH ? this.skipTo(')') : this.list(')', depth + 1)));
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

// ───────────────────────────── commands ─────────────────────────────

const SHELLS = new Set(['bash', 'sh', 'zsh', 'dash', 'ksh', 'ash', 'mksh']);
const INTERPRETERS = new Set([...SHELLS, 'python', 'python3', 'python2', 'perl', 'ruby', 'node']);
const SOURCES = new Set(['source', '.']);
const PREFIXES = new Set(['then', 'do', 'else', '{', '!', 'if', 'while', 'until', 'time', 'exec', 'nohup', 'command']);
const SUDO_VALUE_OPTS = new Set(['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-U']);

const CURL_VALUE_SHORT = new Set('oHdXuAewmTFbcxrKyYzCEQ'.split(''));
const CURL_VALUE_LONG = new Set([
  '--output', '--header', '--data', '--data-raw', '--data-binary', '--data-urlencode', '--data-ascii', '--request', '--user',
  '--user-agent', '--referer', '--write-out', '--max-time', '--connect-timeout', '--retry', '--retry-delay', '--retry-max-time',
  '--upload-file', '--form', '--cookie', '--cookie-jar', '--cacert', '--cert', '--key', '--proxy', '--range', '--config',
  '--limit-rate', '--resolve', '--interface', '--output-dir', '--continue-at', '--proto', '--proto-redir', '--max-filesize',
  '--create-file-mode', '--dns-servers', '--oauth2-bearer', '--quote', '--form-string', '--expect100-timeout', '--capath',
]);
const WGET_VALUE_SHORT = new Set('OoaPtTUeiwQlDAR'.split(''));
const WGET_VALUE_LONG = new Set([
  '--output-document', '--output-file', '--append-output', '--directory-prefix', '--tries', '--timeout', '--header',
  '--user-agent', '--execute', '--post-data', '--post-file', '--user', '--password', '--wait', '--input-file', '--quota',
  '--ca-certificate', '--certificate', '--private-key', '--method', '--body-data', '--referer', '--level',
]);

function basename(p: string): string {
  const parts = p.split('/').filter((x) => x !== '');
  return parts[parts.length - 1] ?? p;
}

function normalisePath(p: string): string {
  return p.replace(/^(\.\/)+/, '');
}

/** Index of the program word after assignments, sudo/env and keyword prefixes. */
function programIndex(words: Word[]): number {
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

interface Simple {
  program: string;
  args: Word[];
  /** Target of `>` / `>>` / `1>` / `&>`, if any. */
  stdoutTo?: string;
  cmd: Cmd;
}

function simple(cmd: Cmd): Simple | undefined {
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
  const program = plain[p]!.text;
  return stdoutTo === undefined ? { program, args: plain.slice(p + 1), cmd } : { program, args: plain.slice(p + 1), stdoutTo, cmd };
}

interface Fetch {
  url: string;
  /** Where the body goes: stdout, or a file path. */
  to: { stdout: true } | { file: string };
}

function looksLikeUrl(t: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) return true;
  if (/^\$\{?[A-Za-z_]/.test(t) || /^\$\{\{/.test(t)) return true;
  return /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:\d+)?\//.test(t);
}

/** Parses a curl / wget command line. */
function parseFetch(s: Simple, subst: (t: string) => string): Fetch | undefined {
  const prog = basename(s.program);
  const isCurl = prog === 'curl';
  if (!isCurl && prog !== 'wget') return undefined;
  const shortValue = isCurl ? CURL_VALUE_SHORT : WGET_VALUE_SHORT;
  const longValue = isCurl ? CURL_VALUE_LONG : WGET_VALUE_LONG;
  let output: string | undefined;
  let remoteName = !isCurl;
  let url: string | undefined;
  const args = s.args.map((w) => w.text);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.includes(SUB_MARK)) continue;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a : a.slice(0, eq);
      const value = eq < 0 ? (longValue.has(name) ? args[++i] : undefined) : a.slice(eq + 1);
      if (name === '--output' || name === '--output-document') output = value;
      else if (name === '--remote-name' || name === '--remote-name-all') remoteName = true;
      else if (name === '--url' && value !== undefined) url ??= value;
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let k = 1; k < a.length; k++) {
        const ch = a[k]!;
        if (isCurl && ch === 'O') remoteName = true;
        if (shortValue.has(ch)) {
          const value = k + 1 < a.length ? a.slice(k + 1) : args[++i];
          if (ch === (isCurl ? 'o' : 'O')) output = value;
          break;
        }
      }
      continue;
    }
    if (url === undefined && looksLikeUrl(a)) url = a;
  }
  if (url === undefined) return undefined;
  const resolved = subst(url);
  if (output === '-') return { url: resolved, to: { stdout: true } };
  if (output !== undefined) return { url: resolved, to: { file: subst(output) } };
  if (s.stdoutTo !== undefined) return { url: resolved, to: { file: subst(s.stdoutTo) } };
  if (remoteName) {
    const name = basename(resolved.replace(/[?#].*$/, '').replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, ''));
    return name === '' ? undefined : { url: resolved, to: { file: name } };
  }
  return { url: resolved, to: { stdout: true } };
}

/** Does this command run a shell/interpreter on its standard input? */
function runsStdin(s: Simple): boolean {
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

/** The file a command executes, if it runs one: `bash f`, `sh -e f`, `. f`, `./f`, `dir/f`. */
function executedFile(s: Simple): string | undefined {
  const prog = basename(s.program);
  if (SHELLS.has(prog) || SOURCES.has(s.program) || INTERPRETERS.has(prog)) {
    for (const a of s.args) {
      if (a.text === '-c') return undefined;
      if (a.text.startsWith('-')) continue;
      return a.text;
    }
    return undefined;
  }
  return s.program.includes('/') ? s.program : undefined;
}

// ───────────────────────────── analysis ─────────────────────────────

interface Host {
  program: string;
  args: Word[];
  cmd: Cmd;
}

/** Finds the fetched-and-executed scripts in `text`; `pos` is where its first line is. */
export function findFetchedScripts(text: string, pos: Position, vars: Record<string, string> = {}): ComponentUse[] {
  let cmds: Cmd[];
  try {
    cmds = new Lexer(text).list(undefined, 0);
  } catch {
    return [];
  }
  const env = new Map(Object.entries(vars));
  const uses: ComponentUse[] = [];
  const seen = new Set<string>();
  const pending: Array<{ file: string; url: string; cmd: Cmd }> = [];

  const subst = (t: string): string =>
    t
      .replace(/\$\{\{\s*(?:env\.)?([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (all, name: string) => env.get(name) ?? all)
      .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, braced: string | undefined, dflt: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare ?? '';
      const v = env.get(name);
      if (v !== undefined) return v;
      return dflt ?? all;
    });
  const rawOf = (from: Cmd, to: Cmd = from): string => {
    const r = text.slice(from.start, to.end).replace(/\s*\\\n\s*/g, ' ').replace(/\s+/g, ' ').trim();
    return r.length > MAX_RAW ? `${r.slice(0, MAX_RAW - 1)}…` : r;
  };
  const emit = (url: string, how: ScriptRef['how'], raw: string, line: number): void => {
    const key = `${url}\u0000${how}\u0000${line}`;
    if (seen.has(key)) return;
    seen.add(key);
    const ref: ScriptRef = { kind: 'script-url', url, how, raw };
    uses.push({ ref, pos: { file: pos.file, line: pos.line + line } });
  };

  const walk = (list: Cmd[], host: Host | undefined, subKind: Sub['kind'] | undefined): void => {
    for (let idx = 0; idx < list.length; idx++) {
      const cmd = list[idx]!;
      const s = simple(cmd);
      // Substitutions inside this command first (they run before it).
      for (const w of cmd.words) {
        for (const sb of w.subs) {
          walk(sb.cmds, s ? { program: s.program, args: s.args, cmd } : undefined, sb.kind);
        }
      }
      if (!s) {
        for (const w of cmd.words) {
          const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(w.text);
          if (m && !w.text.includes(SUB_MARK)) env.set(m[1]!, subst(m[2]!));
        }
        continue;
      }
      if (s.program === 'export' || s.program === 'readonly' || s.program === 'declare' || s.program === 'local') {
        for (const a of s.args) {
          const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(a.text);
          if (m && !a.text.includes(SUB_MARK)) env.set(m[1]!, subst(m[2]!));
        }
        continue;
      }
      const line = cmd.words[0]!.line;
      const fetch = parseFetch(s, subst);
      if (fetch) {
        if ('file' in fetch.to) {
          pending.push({ file: normalisePath(fetch.to.file), url: fetch.url, cmd });
        } else {
          const prev = idx > 0 ? list[idx - 1] : undefined;
          const next = cmd.sep === '|' ? list[idx + 1] : undefined;
          const nextSimple = next ? simple(next) : undefined;
          if (next && nextSimple && runsStdin(nextSimple)) {
            emit(fetch.url, 'pipe', rawOf(cmd, next), line);
          } else if (host && (prev === undefined || prev.sep !== '|')) {
            const hostProg = basename(host.program);
            const runsSub =
              (subKind === '<(' && (SHELLS.has(hostProg) || INTERPRETERS.has(hostProg) || SOURCES.has(host.program))) ||
              (subKind !== '<(' && (host.program === 'eval' || (SHELLS.has(hostProg) && host.args.some((a) => a.text === '-c')) ||
                  (INTERPRETERS.has(hostProg) && !SHELLS.has(hostProg) && host.args.some((a) => a.text === '-c' || a.text === '-e'))));
            if (runsSub) emit(fetch.url, 'process-substitution', rawOf(host.cmd), host.cmd.words[0]!.line);
          }
        }
        continue;
      }
      const ran = executedFile(s);
      if (ran !== undefined) {
        const target = normalisePath(subst(ran));
        for (const d of pending) {
          if (d.file === target) {
            emit(d.url, 'download-then-run', `${rawOf(d.cmd)} … ${rawOf(cmd)}`, d.cmd.words[0]!.line);
          }
        }
      }
    }
  };
  walk(cmds, undefined, undefined);
  for (const ps of powershellFetches(text)) emit(subst(ps.url), ps.how, ps.raw, ps.line);
  return uses.sort((a, b) => a.pos.line - b.pos.line);
}

// ───────────────────────────── PowerShell ─────────────────────────────

/** A URL in a PowerShell fetch: `iwr URL`, `Invoke-RestMethod -Uri 'URL'`, `.DownloadString('URL')`. */
const PS_FETCH =
  /(?:\b(?:iwr|irm|Invoke-WebRequest|Invoke-RestMethod|curl|wget)\b(?:\s+-(?:Uri|UseBasicParsing|useb|Method|Headers|TimeoutSec)\b(?:\s+(?!-)(?!['"]?https?:)\S+)?)*\s+(?:-Uri\s+)?|\.Download(?:String|File)\(\s*)['"]?((?:https?:\/\/|\$)[^\s'")]+)['"]?/i;
/** Runs what it is given: `iex`, `Invoke-Expression`, `[scriptblock]::Create(…)`. */
const PS_RUN = /\b(?:iex|Invoke-Expression)\b|\[scriptblock\]::Create\(/i;
const PS_OUTFILE = /-OutFile\s+['"]?([^\s'";]+)['"]?|\.DownloadFile\(\s*['"][^'"]+['"]\s*,\s*['"]([^'"]+)['"]/i;

/** `.\\f.ps1`, `'./f.ps1'` → `f.ps1` (lower case: Windows paths). */
function psPath(p: string): string {
  return p.replace(/^['"]|['"]$/g, '').replace(/^\.[\\/]/, '').toLowerCase();
}

/** The script file a PowerShell statement runs: `& .\\f.ps1`, `. ./f.ps1`, `.\\f.ps1`, `pwsh -File f.ps1`. */
function psRunsFile(statement: string): string | undefined {
  const words = statement.trim().split(/\s+/);
  const first = words[0] ?? '';
  if ((first === '&' || first === '.') && words[1] !== undefined) return psPath(words[1]);
  if (/^['"]?\.[\\/]/.test(first)) return psPath(first);
  if (/^(?:pwsh|powershell)(?:\.exe)?$/i.test(first)) {
    const at = words.findIndex((w) => /^-File$/i.test(w));
    const file = at < 0 ? undefined : words[at + 1];
    return file === undefined ? undefined : psPath(file);
  }
  return undefined;
}

/**
 * PowerShell (Windows runners, `shell: pwsh`): `irm URL | iex`, `iex (iwr URL)`,
 * `iex ((New-Object Net.WebClient).DownloadString('URL'))`, and `iwr URL -OutFile f.ps1` then `& .\\f.ps1`
 * / `./f.ps1` / `pwsh -File f.ps1` (same or a later line). Line-based: a fetch and what runs it on one line.
 */
function powershellFetches(text: string): Array<{ url: string; how: ScriptRef['how']; raw: string; line: number }> {
  const out: Array<{ url: string; how: ScriptRef['how']; raw: string; line: number }> = [];
  if (!/\b(?:iwr|irm|Invoke-WebRequest|Invoke-RestMethod|Download(?:String|File))\b|\|\s*(?:iex|Invoke-Expression)\b/i.test(text)) return out;
  const lines = text.split('\n');
  const downloads: Array<{ file: string; url: string; raw: string; line: number }> = [];
  const checkRuns = (statements: readonly string[], raw: string): void => {
    for (const st of statements) {
      const ran = psRunsFile(st);
      if (ran === undefined) continue;
      for (const d of downloads) {
        if (d.file === ran) out.push({ url: d.url, how: 'download-then-run', raw: `${d.raw} … ${raw}`.slice(0, MAX_RAW), line: d.line });
      }
    }
  };
  for (let i = 0; i < lines.length && i < 10_000; i++) {
    const line = (lines[i] ?? '').slice(0, 10_000);
    if (/^\s*#/.test(line)) continue;
    const raw = line.trim().slice(0, MAX_RAW);
    const fetch = PS_FETCH.exec(line);
    if (fetch?.[1] === undefined) {
      checkRuns(line.split(';'), raw);
      continue;
    }
    const url = fetch[1];
    const run = PS_RUN.exec(line);
    if (run) {
      out.push({ url, how: run.index > fetch.index ? 'pipe' : 'process-substitution', raw, line: i });
      continue;
    }
    const file = PS_OUTFILE.exec(line);
    const target = file?.[1] ?? file?.[2];
    if (target === undefined) continue;
    downloads.push({ file: psPath(target), url, raw, line: i });
    // `iwr URL -OutFile f.ps1; .\\f.ps1` on one line.
    checkRuns(line.slice(fetch.index + fetch[0].length).split(';').slice(1), raw);
  }
  return out;
}
