/**
 * IMPERATIVE SHELL: reads repositories from the local disk into RepoInputs (the CI files only).
 *
 * A PATH is either a repository checkout (it has `.git` or CI files at its root) or a folder of
 * checkouts (`<owner>/<repo>/…`, or `<name>/…` when each child is a checkout). Reading is bounded and
 * never leaves the given paths: a symlink that points outside its repository is an `outside-repo`
 * error, a file over 5 MiB is a `too-large` error (not read), a non-UTF-8 or binary file is an error,
 * and each repository contributes at most `maxFiles` files. Problems are ScanErrors, never thrown.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import type { RepoInput, ScanError } from '../scanner/model';
import { decodeSource, isRecord, loadYaml } from '../scanner/yaml';

export interface LocalReadOptions {
  /** Largest file read, in bytes (default 5 MiB). */
  maxFileBytes?: number;
  /** Most CI files per repository (default 500). */
  maxFiles?: number;
  /** Most repositories under one folder (default 5,000). */
  maxRepos?: number;
  /** Most directory entries looked at while searching one repository for action files (default 20,000). */
  maxEntries?: number;
}

export interface LocalReadResult {
  repos: RepoInput[];
  errors: ScanError[];
}

export type PathKind = 'checkout' | 'folder' | 'missing' | 'not-a-directory';

const DEFAULTS: Required<LocalReadOptions> = { maxFileBytes: 5 * 1024 * 1024, maxFiles: 500, maxRepos: 5000, maxEntries: 20_000 };

const ROOT_MARKERS = ['.git', '.github', '.circleci', '.gitlab-ci.yml', 'action.yml', 'action.yaml'];

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

/** Is `path` a checkout (has `.git` or CI files at its root), a folder of checkouts, or neither? */
export function pathKind(path: string): PathKind {
  let st: Stats;
  try {
    st = statSync(path);
  } catch {
    return 'missing';
  }
  if (!st.isDirectory()) return 'not-a-directory';
  return ROOT_MARKERS.some((m) => lstatOrUndefined(join(path, m)) !== undefined) ? 'checkout' : 'folder';
}

/** `owner/repo` (or `group/sub/project`) from a git remote URL, or undefined. */
export function repoIdFromRemote(url: string): string | undefined {
  const u = url.trim();
  let path: string | undefined;
  const scp = /^[\w.-]+@[\w.-]+:(?!\/\/)(.+)$/.exec(u);
  if (scp?.[1] !== undefined) {
    path = scp[1];
  } else {
    try {
      path = new URL(u).pathname;
    } catch {
      return undefined;
    }
  }
  const segs = path
    .replace(/\.git\/?$/, '')
    .split('/')
    .filter((s) => s !== '');
  if (segs.length < 2 || segs.some((s) => s === '..' || s === '.')) return undefined;
  return segs.join('/');
}

/** Reads `remote.origin.url` from `.git/config` as text (no git process), within the checkout. */
export function gitRemoteRepoId(checkout: string): string | undefined {
  const gitDir = join(checkout, '.git');
  const st = lstatOrUndefined(gitDir);
  if (!st?.isDirectory()) return undefined;
  const config = join(gitDir, 'config');
  const cst = lstatOrUndefined(config);
  if (!cst?.isFile() || cst.size > 1024 * 1024) return undefined;
  let text: string;
  try {
    const bytes = readBounded(config, 1024 * 1024);
    if (bytes === undefined) return undefined;
    const decoded = decodeSource(bytes);
    if (!('text' in decoded)) return undefined;
    text = decoded.text;
  } catch {
    return undefined;
  }
  let inOrigin = false;
  for (const line of text.split(/\r?\n/)) {
    const section = /^\s*\[([^\]]+)\]/.exec(line);
    if (section?.[1] !== undefined) {
      inOrigin = /^remote\s+"origin"$/.test(section[1].trim());
      continue;
    }
    const kv = /^\s*url\s*=\s*(.+?)\s*$/.exec(line);
    if (inOrigin && kv?.[1] !== undefined) return repoIdFromRemote(kv[1]);
  }
  return undefined;
}

/** Reads at most `max` bytes of a regular file; undefined when it is larger. Opens without following a final symlink. */
export function readBounded(file: string, max: number): Uint8Array | undefined {
  const fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > max) return undefined;
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

/** Reads one repository's CI files. */
class RepoReader {
  readonly files: Array<{ path: string; text: string }> = [];
  readonly errors: ScanError[] = [];
  private readonly seen = new Set<string>();
  private entries = 0;
  private readonly realRoot: string;
  private limitReported = false;

  constructor(
    private readonly root: string,
    private readonly repo: string,
    private readonly opts: Required<LocalReadOptions>,
  ) {
    this.realRoot = realpathSync(root);
  }

  private error(file: string, code: string, message: string, line = 1): void {
    this.errors.push({ repo: this.repo, file, line, code, message });
  }

  private inside(real: string): boolean {
    return real === this.realRoot || real.startsWith(this.realRoot.endsWith(sep) ? this.realRoot : this.realRoot + sep);
  }

  /** Reads repository-relative `rel` if it exists. Returns whether it was added. */
  readFile(rel: string): boolean {
    const clean = rel.replace(/\\/g, '/').replace(/^\/+/, '');
    if (clean === '' || clean.split('/').some((s) => s === '..')) {
      this.error(rel, 'outside-repo', `${rel} points outside the repository; not read`);
      return false;
    }
    if (this.seen.has(clean)) return false;
    const full = resolve(this.root, clean);
    const lst = lstatOrUndefined(full);
    if (!lst) return false;
    this.seen.add(clean);
    if (this.files.length >= this.opts.maxFiles) {
      if (!this.limitReported) this.error(clean, 'too-many-files', `more than ${this.opts.maxFiles} CI files in this repository; the rest were not read`);
      this.limitReported = true;
      return false;
    }
    let real: string;
    try {
      real = realpathSync(full);
    } catch {
      this.error(clean, 'unreadable', 'broken symlink; not read');
      return false;
    }
    if (!this.inside(real)) {
      this.error(clean, 'outside-repo', `${clean} is a symlink that points outside the repository; not read`);
      return false;
    }
    let st: Stats;
    try {
      st = statSync(real);
    } catch {
      this.error(clean, 'unreadable', 'cannot stat the file');
      return false;
    }
    if (!st.isFile()) {
      if (!st.isDirectory()) this.error(clean, 'not-a-file', 'not a regular file; not read');
      return false;
    }
    if (st.size > this.opts.maxFileBytes) {
      this.error(clean, 'too-large', `file is ${st.size} bytes; files over ${this.opts.maxFileBytes} bytes are not read`);
      return false;
    }
    let bytes: Uint8Array | undefined;
    try {
      bytes = readBounded(real, this.opts.maxFileBytes);
    } catch (err) {
      this.error(clean, 'unreadable', `cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
      return false;
    }
    if (bytes === undefined) {
      this.error(clean, 'too-large', `file grew over ${this.opts.maxFileBytes} bytes while being read; not read`);
      return false;
    }
    const decoded = decodeSource(bytes);
    if (!('text' in decoded)) {
      this.error(clean, decoded.code, decoded.message, decoded.line);
      return false;
    }
    this.files.push({ path: clean, text: decoded.text });
    return true;
  }

  /** Entries of a repository-relative directory that is a real directory inside the repository. */
  list(relDir: string): Array<{ name: string; dir: boolean; link: boolean }> {
    const full = resolve(this.root, relDir);
    if (!lstatOrUndefined(full)) return [];
    let real: string;
    try {
      real = realpathSync(full);
    } catch {
      return [];
    }
    let isDir = false;
    try {
      isDir = statSync(real).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) return [];
    if (!this.inside(real)) {
      this.error(relDir, 'outside-repo', `${relDir} is (or is under) a symlink that points outside the repository; not read`);
      return [];
    }
    let names: string[];
    try {
      names = readdirSync(real).sort();
    } catch {
      return [];
    }
    const out: Array<{ name: string; dir: boolean; link: boolean }> = [];
    for (const name of names) {
      if (++this.entries > this.opts.maxEntries) {
        if (!this.limitReported) this.error(relDir, 'too-many-files', `more than ${this.opts.maxEntries} entries searched; the rest were not read`);
        this.limitReported = true;
        break;
      }
      const st = lstatOrUndefined(join(real, name));
      if (!st) continue;
      out.push({ name, dir: st.isDirectory(), link: st.isSymbolicLink() });
    }
    return out;
  }

  /** Every `action.y{a,}ml` under `relDir` (not following symlinked directories). */
  walkActions(relDir: string, depth = 0): void {
    if (depth > 12) return;
    for (const e of this.list(relDir)) {
      const rel = relDir === '' ? e.name : `${relDir}/${e.name}`;
      if (e.dir) this.walkActions(rel, depth + 1);
      else if (/^action\.ya?ml$/.test(e.name)) this.readFile(rel);
      else if (e.link) this.walkActions(rel, depth + 4); // list() refuses a link out of the repository; inside, follow it (shallower bound)
    }
  }
}

/** The files named by `include: local` (and plain string includes) of a GitLab CI file. */
export function gitlabLocalIncludes(repo: string, path: string, text: string): string[] {
  if (!/\binclude\b/.test(text)) return [];
  const y = loadYaml(repo, { path, text });
  if (!isRecord(y.value)) return [];
  const inc = y.value.include;
  const items: unknown[] = Array.isArray(inc) ? inc : inc === undefined ? [] : [inc];
  const out: string[] = [];
  for (const item of items) {
    if (typeof item === 'string') {
      if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(item)) out.push(item);
    } else if (isRecord(item) && typeof item.local === 'string') {
      out.push(item.local);
    }
  }
  return out.slice(0, 200);
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? '';
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function readGitlabIncludes(reader: RepoReader, repo: string, start: string): void {
  const queue = [start];
  const done = new Set<string>();
  while (queue.length > 0 && done.size < 200) {
    const file = queue.shift() ?? '';
    if (done.has(file)) continue;
    done.add(file);
    const entry = reader.files.find((f) => f.path === file);
    if (!entry) continue;
    for (const inc of gitlabLocalIncludes(repo, entry.path, entry.text)) {
      const rel = inc.replace(/^\/+/, '');
      if (rel.includes('*')) {
        const re = globToRegExp(rel);
        const prefix = rel.slice(0, rel.indexOf('*')).replace(/[^/]*$/, '').replace(/\/$/, '');
        const walk = (dir: string, depth: number): void => {
          if (depth > 8) return;
          for (const e of reader.list(dir)) {
            const p = dir === '' ? e.name : `${dir}/${e.name}`;
            if (e.dir) walk(p, depth + 1);
            else if (re.test(p) && reader.readFile(p)) queue.push(p);
          }
        };
        walk(prefix, 0);
      } else if (reader.readFile(rel)) {
        queue.push(rel);
      }
    }
  }
}

/** Reads one checkout's CI files. `repo` is the id findings will carry. */
export function readCheckout(root: string, repo: string, options: LocalReadOptions = {}): { repo: RepoInput; errors: ScanError[] } {
  const opts = { ...DEFAULTS, ...options };
  const reader = new RepoReader(root, repo, opts);
  for (const e of reader.list('.github/workflows')) {
    if (!e.dir && /\.ya?ml$/i.test(e.name)) reader.readFile(`.github/workflows/${e.name}`);
  }
  reader.readFile('action.yml');
  reader.readFile('action.yaml');
  reader.walkActions('.github');
  reader.readFile('.circleci/config.yml');
  reader.readFile('.circleci/config.yaml');
  if (reader.readFile('.gitlab-ci.yml')) readGitlabIncludes(reader, repo, '.gitlab-ci.yml');
  return { repo: { repo, files: reader.files }, errors: reader.errors };
}

/** A folder name as a repository id: `owner+repo` (a flattened layout) reads as `owner/repo`. */
function idFromFolder(name: string): string {
  return /^[^+/]+\+[^+/]+$/.test(name) ? name.replace('+', '/') : name;
}

/**
 * Reads every repository under the given paths. A missing path or a path that is not a directory is
 * reported in `missing` (a usage error for the CLI), not read.
 */
export function readLocalPaths(paths: readonly string[], options: LocalReadOptions = {}): LocalReadResult & { missing: string[] } {
  const opts = { ...DEFAULTS, ...options };
  const repos: RepoInput[] = [];
  const errors: ScanError[] = [];
  const missing: string[] = [];
  const add = (root: string, id: string): void => {
    if (repos.length >= opts.maxRepos) {
      if (!errors.some((e) => e.code === 'too-many-repos')) {
        errors.push({ repo: id, file: '.', line: 1, code: 'too-many-repos', message: `more than ${opts.maxRepos} repositories; the rest were not read` });
      }
      return;
    }
    const r = readCheckout(root, id, opts);
    repos.push(r.repo);
    errors.push(...r.errors);
  };

  for (const p of paths) {
    const kind = pathKind(p);
    if (kind === 'missing' || kind === 'not-a-directory') {
      missing.push(p);
      continue;
    }
    const abs = resolve(p);
    if (kind === 'checkout') {
      add(abs, gitRemoteRepoId(abs) ?? (basename(abs) || p));
      continue;
    }
    const realTop = realpathSync(abs);
    const children = safeDirs(abs, realTop);
    for (const child of children) {
      const childPath = join(abs, child);
      if (pathKind(childPath) === 'checkout') {
        add(childPath, idFromFolder(child));
        continue;
      }
      for (const grand of safeDirs(childPath, realTop)) add(join(childPath, grand), `${child}/${grand}`);
    }
  }
  return { repos, errors, missing };
}

/** Sub-directories of `dir` that are real directories (symlinked directories are not followed), hidden ones skipped. */
function safeDirs(dir: string, realTop: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.filter((n) => {
    if (n.startsWith('.') || n === 'node_modules') return false;
    const st = lstatOrUndefined(join(dir, n));
    if (!st?.isDirectory()) return false;
    const rel = relative(realTop, realpathSync(join(dir, n)));
    return !rel.startsWith('..');
  });
}
