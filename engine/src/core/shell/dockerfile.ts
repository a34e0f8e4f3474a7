/**
 * What building a Dockerfile pulls and runs: the base image of each stage (`FROM image [AS name]`; a
 * `FROM` of an earlier stage's name or `scratch` pulls nothing), images copied from (`COPY --from=image`,
 * `RUN --mount=…,from=image`), and the shell text of `RUN` instructions (shell form, heredocs, and the
 * exec form of a shell with `-c`), with `ADD <url> <dest>` as downloads that a later `RUN` may execute.
 *
 * `ARG`s declared before the first `FROM` (with their defaults, overridden by the build's `--build-arg`s)
 * are substituted in `FROM`; an image that still depends on an argument with no value is returned with
 * `unresolved` (the resolver reports it, never "not affected"). Parser directives (`# escape=`), comments
 * and line continuations are handled. Pure.
 */

export interface DockerImage {
  /** The image after argument substitution (`aquasec/trivy:latest`), or as written when `unresolved`. */
  name: string;
  /** The instruction as written, shortened. */
  raw: string;
  line: number;
  /** Why the image is not known (an argument with no value). */
  unresolved?: string;
}

export interface DockerRun {
  /** The shell text the instruction runs. */
  text: string;
  line: number;
}

export interface DockerAdd {
  url: string;
  /** Where the file lands in the image (`ADD URL /dir/` lands at `/dir/<name>`). */
  dest: string;
  raw: string;
  line: number;
}

export interface ParsedDockerfile {
  images: DockerImage[];
  runs: DockerRun[];
  adds: DockerAdd[];
}

const MAX_INSTRUCTIONS = 10_000;
const MAX_RAW = 200;

interface Instruction {
  keyword: string;
  /** Everything after the keyword; continued lines kept with their backslash-newlines. */
  args: string;
  line: number;
  /** Heredoc bodies (`RUN <<EOF … EOF`), in order. */
  heredocs: string[];
}

function shorten(s: string): string {
  const r = s.replace(/\s+/g, ' ').trim();
  return r.length > MAX_RAW ? `${r.slice(0, MAX_RAW - 1)}…` : r;
}

/** Splits the file into instructions (1-based lines of their first line). */
function instructions(text: string): Instruction[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  let escape = '\\';
  // Parser directives: comment lines of the form `# key=value` before anything else.
  for (const l of lines) {
    const d = /^#\s*([a-z]+)\s*=\s*(\S+)\s*$/i.exec(l);
    if (!d) break;
    if (d[1]?.toLowerCase() === 'escape' && (d[2] === '`' || d[2] === '\\')) escape = d[2];
  }
  const out: Instruction[] = [];
  for (let i = 0; i < lines.length && out.length < MAX_INSTRUCTIONS; i++) {
    const first = lines[i] ?? '';
    if (/^\s*#/.test(first) || first.trim() === '') continue;
    const start = i;
    let body = first;
    while (body.trimEnd().endsWith(escape) && i + 1 < lines.length) {
      // Kept as a shell line continuation (`\\` + newline), so that RUN text keeps its line numbers.
      body = `${body.trimEnd().slice(0, -1)}\\`;
      i++;
      // Comment lines inside a continued instruction are dropped, as Docker does.
      while (i < lines.length && /^\s*#/.test(lines[i] ?? '')) {
        body += '\n\\';
        i++;
      }
      body += `\n${lines[i] ?? ''}`;
    }
    const m = /^\s*([A-Za-z]+)\s*([\s\S]*)$/.exec(body);
    if (!m?.[1]) continue;
    const keyword = m[1].toUpperCase();
    const args = keyword === 'RUN' ? (m[2] ?? '') : (m[2] ?? '').replace(/\\\n/g, ' ');
    const heredocs: string[] = [];
    if (keyword === 'RUN' || keyword === 'COPY' || keyword === 'ADD') {
      for (const h of args.matchAll(/<<-?\s*["']?([A-Za-z_][A-Za-z0-9_]*)["']?/g)) {
        const end = h[1];
        const bodyLines: string[] = [];
        while (i + 1 < lines.length) {
          i++;
          const l = lines[i] ?? '';
          if (l.replace(/^\t+/, '') === end) break;
          bodyLines.push(l);
        }
        heredocs.push(bodyLines.join('\n'));
      }
    }
    out.push({ keyword, args, line: start + 1, heredocs });
  }
  return out;
}

/** Substitutes `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME:+alt}` from `args`; reports names with no value. */
function substitute(text: string, args: ReadonlyMap<string, string | undefined>): { text: string; missing: string[] } {
  const missing: string[] = [];
  const out = text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, braced: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    const value = args.get(name);
    if (op === '-') return value !== undefined && value !== '' ? value : (word ?? '');
    if (op === '+') return value !== undefined && value !== '' ? (word ?? '') : '';
    if (value === undefined) {
      missing.push(name);
      return all;
    }
    return value;
  });
  return { text: out, missing };
}

/** `KEY=value` or `KEY` declarations of an `ARG` instruction. */
function argDeclarations(args: string): Array<{ name: string; value?: string }> {
  const out: Array<{ name: string; value?: string }> = [];
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)(?:=("(?:[^"\\]|\\.)*"|'[^']*'|\S*))?/g)) {
    if (m[1] === undefined) continue;
    const raw = m[2];
    out.push(raw === undefined ? { name: m[1] } : { name: m[1], value: raw.replace(/^(["'])([\s\S]*)\1$/, '$2') });
  }
  return out;
}

/** The shell text of a `RUN` (its flags dropped; the exec form of a shell with `-c`; heredoc bodies). */
function runText(inst: Instruction): string | undefined {
  const body = inst.args.replace(/^(?:--[a-z-]+(?:=\S*)?\s+)*/i, '').trim();
  if (body.startsWith('[')) {
    let words: unknown;
    try {
      words = JSON.parse(body.replace(/\\\n/g, ' ').replace(/\s*\n\s*/g, ' '));
    } catch {
      return body;
    }
    if (!Array.isArray(words) || !words.every((w): w is string => typeof w === 'string')) return undefined;
    const c = words.indexOf('-c');
    if (c >= 0 && /(?:^|\/)(?:ba|z|da|k|a)?sh$/.test(words[0] ?? '')) return words[c + 1];
    return words.map((w) => (/[\s'"]/.test(w) ? `'${w.replace(/'/g, `'\\''`)}'` : w)).join(' ');
  }
  if (inst.heredocs.length > 0) {
    // `RUN <<EOF` runs the body; `RUN bash <<EOF` too (the shell reads it).
    return [body.replace(/<<-?\s*["']?[A-Za-z_][A-Za-z0-9_]*["']?/g, '').trim(), ...inst.heredocs].filter((t) => t !== '').join('\n');
  }
  return body;
}

/** Parses a Dockerfile with the build's arguments (`--build-arg`, `build-args:`). */
export function parseDockerfile(text: string, buildArgs: Readonly<Record<string, string>> = {}): ParsedDockerfile {
  const result: ParsedDockerfile = { images: [], runs: [], adds: [] };
  const globalArgs = new Map<string, string | undefined>();
  const stages = new Set<string>();
  let seenFrom = false;
  let stageIndex = 0;
  const image = (written: string, inst: Instruction): void => {
    const { text: name, missing } = substitute(written, globalArgs);
    const lower = name.toLowerCase();
    if (lower === 'scratch' || stages.has(lower) || /^\d+$/.test(name)) return;
    const raw = shorten(`${inst.keyword} ${inst.args}`);
    if (missing.length > 0 || name.includes('$')) {
      const names = missing.length > 0 ? missing.map((n) => `ARG ${n}`).join(', ') : 'a value';
      result.images.push({ name: written, raw, line: inst.line, unresolved: `the image depends on ${names}, which has no default and no build argument` });
    } else {
      result.images.push({ name, raw, line: inst.line });
    }
  };
  for (const inst of instructions(text)) {
    switch (inst.keyword) {
      case 'ARG':
        if (!seenFrom) {
          for (const d of argDeclarations(inst.args)) globalArgs.set(d.name, buildArgs[d.name] ?? d.value);
        }
        break;
      case 'FROM': {
        seenFrom = true;
        const words = inst.args.split(/\s+/).filter((w) => w !== '' && !w.startsWith('--'));
        const from = words[0];
        if (from !== undefined) image(from, inst);
        if (words[1]?.toLowerCase() === 'as' && words[2] !== undefined) stages.add(words[2].toLowerCase());
        stages.add(String(stageIndex++));
        break;
      }
      case 'COPY':
      case 'RUN': {
        for (const m of inst.args.matchAll(/--(?:from=|mount=[^\s]*?\bfrom=)([^\s,]+)/g)) if (m[1] !== undefined) image(m[1], inst);
        if (inst.keyword === 'RUN') {
          const t = runText(inst);
          if (t !== undefined && t !== '') result.runs.push({ text: t, line: inst.line });
        }
        break;
      }
      case 'ADD': {
        const words = inst.args.split(/\s+/).filter((w) => w !== '' && !w.startsWith('--'));
        const dest = words[words.length - 1];
        for (const src of words.slice(0, -1)) {
          if (!/^https?:\/\//i.test(src) || dest === undefined) continue;
          const name = src.replace(/[?#].*$/, '').replace(/\/+$/, '').split('/').pop() ?? '';
          result.adds.push({ url: src, dest: dest.endsWith('/') ? `${dest}${name}` : dest, raw: shorten(`ADD ${inst.args}`), line: inst.line });
        }
        break;
      }
      default:
        break;
    }
  }
  return result;
}
