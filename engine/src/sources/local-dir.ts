/**
 * IMPERATIVE SHELL: reads repositories from the local disk into RepoInputs (the CI files; the other files
 * a job runs are read on demand through each RepoInput's `reader`, repo-files.ts).
 *
 * A PATH is either a repository checkout (it has `.git` or CI files at its root) or a folder of
 * checkouts (`<owner>/<repo>/…`, or `<name>/…` when each child is a checkout). Reading is bounded and
 * never leaves the given paths: a symlink that points outside its repository is an `outside-repo`
 * error, a file over 5 MiB is a `too-large` error (not read), a non-UTF-8 or binary file is an error,
 * and each repository contributes at most `maxFiles` files. Problems are ScanErrors, never thrown.
 */
import { type Dirent, lstatSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, join, resolve, sep } from 'node:path';
import { anyGlobMatcher, globBase, globDepth, isGlob } from '../core/glob';
import type { RepoFileReader, RepoInput, ScanError, SourceFile } from '../core/model';
import { PLATFORMS } from '../core/platforms';
import { checkoutMarkers } from '../core/platforms/discovery';
import { decodeSource } from '../core/yaml';
import { readBounded } from './bounded-read';
import { repoFileReader } from './repo-files';
import { followNamed } from './follow';

export { readBounded } from './bounded-read';

export interface LocalReadOptions {
  /** Largest file read, in bytes (default 5 MiB). */
  maxFileBytes?: number;
  /** Most CI files per repository (default 500). */
  maxFiles?: number;
  /** Most repositories under the given paths (default 20,000: a scan streams them, memory does not hold them all). */
  maxRepos?: number;
  /** Most directory entries looked at while searching one repository for action files (default 20,000). */
  maxEntries?: number;
}

export interface LocalReadResult {
  repos: RepoInput[];
  errors: ScanError[];
}

export type PathKind = 'checkout' | 'folder' | 'missing' | 'not-a-directory';

const DEFAULTS: Required<LocalReadOptions> = { maxFileBytes: 5 * 1024 * 1024, maxFiles: 500, maxRepos: 20_000, maxEntries: 20_000 };

/** What at a folder's root makes it a checkout: `.git`, or a file or folder a registered platform reads. */
const MARKERS = checkoutMarkers(PLATFORMS.map((p) => p.discovery));
const ROOT_MARKERS = ['.git', ...MARKERS.paths];
const GLOB_MARKERS = MARKERS.globs.map((g) => ({ base: g.base, match: anyGlobMatcher([g.pattern]) }));

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    // A missing path is the common answer here: no exception built for it.
    return lstatSync(p, { throwIfNoEntry: false });
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
  return isCheckout(path) ? 'checkout' : 'folder';
}

/**
 * Whether directory `path` has a checkout marker at its root (pathKind's question once `path` is known to be
 * a directory). `names`, when given, is what a readdir of `path` just returned: a marker whose first
 * segment is not among them is absent without a system call — unless a name differs from it only in case
 * (a case-insensitive disk finds it under that name), which is then asked of the disk as without a listing.
 */
function isCheckout(path: string, names?: readonly string[]): boolean {
  const lower = names === undefined ? undefined : new Set(names.map((n) => n.toLowerCase()));
  const has = names === undefined ? undefined : new Set(names);
  const mayExist = (rel: string): boolean => {
    if (lower === undefined || has === undefined) return true;
    const first = rel.split('/')[0] as string;
    return has.has(first) || lower.has(first.toLowerCase());
  };
  // A name the listing has is there (lstat would find it); any other marker is asked of the disk when it may be there.
  const present = (m: string): boolean => has?.has(m) === true || (mayExist(m) && lstatOrUndefined(join(path, m)) !== undefined);
  if (ROOT_MARKERS.some(present)) return true;
  return GLOB_MARKERS.some(({ base, match }) => {
    let found: readonly string[];
    if (base === '' && names !== undefined) found = names;
    else {
      if (!mayExist(base)) return false;
      const dir = join(path, base);
      if (lstatOrUndefined(dir)?.isDirectory() !== true) return false;
      try {
        found = readdirSync(dir);
      } catch {
        return false;
      }
    }
    return found.some((n) => match(base === '' ? n : `${base}/${n}`));
  });
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

/** A directory entry as readdir gives it (the entry's own type, what lstat says of it). */
interface Entry {
  name: string;
  dir: boolean;
  link: boolean;
  /** A regular file. */
  file: boolean;
}

interface Listing {
  entries: Entry[];
  byName: Map<string, Entry>;
  /** The names in lower case (an ASCII name absent from it is absent on a case-insensitive disk too). */
  lower: Set<string>;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/**
 * Reads one repository's CI files.
 *
 * Fewer system calls where the answer is already known: a directory reached from the repository's root
 * through real directories only (no symlink on the way, as the listings say) is inside the repository at
 * `realRoot/<rel>`, so neither its files nor its sub-directories need lstat + realpath + stat before being
 * read; the file is opened without following a final symlink and checked on its descriptor (readBounded).
 * Anything else (a symlink, a path no listing covers) takes the careful path.
 */
class RepoReader {
  readonly files: Array<{ path: string; text: string }> = [];
  readonly errors: ScanError[] = [];
  private readonly seen = new Set<string>();
  private entries = 0;
  private readonly listed = new Map<string, Listing | undefined>();
  /** Repository-relative directories reached through real directories only: their real path. */
  private readonly realDirs = new Map<string, string | undefined>();
  private readonly realRoot: string;
  private limitReported = false;

  constructor(
    private readonly root: string,
    private readonly repo: string,
    private readonly opts: Required<LocalReadOptions>,
    realRoot?: string,
  ) {
    this.realRoot = realRoot ?? realpathSync(root);
  }

  private error(file: string, code: string, message: string, line = 1): void {
    this.errors.push({ repo: this.repo, file, line, code, message });
  }

  private inside(real: string): boolean {
    return real === this.realRoot || real.startsWith(this.realRoot.endsWith(sep) ? this.realRoot : this.realRoot + sep);
  }

  /** A directory's entries, sorted by name, read once (undefined when it cannot be listed). Not counted against maxEntries. */
  private listing(real: string): Listing | undefined {
    if (this.listed.has(real)) return this.listed.get(real);
    let listing: Listing | undefined;
    try {
      const entries = readdirSync(real, { withFileTypes: true })
        .map((d) => ({ name: d.name, dir: d.isDirectory(), link: d.isSymbolicLink(), file: d.isFile() }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      listing = { entries, byName: new Map(entries.map((e) => [e.name, e])), lower: new Set(entries.map((e) => e.name.toLowerCase())) };
    } catch {
      listing = undefined;
    }
    this.listed.set(real, listing);
    return listing;
  }

  /** The real path of repository-relative directory `rel` when every step to it is a real directory (no symlink); else undefined. */
  private knownReal(rel: string): string | undefined {
    if (rel === '') return this.realRoot;
    if (this.realDirs.has(rel)) return this.realDirs.get(rel);
    const slash = rel.lastIndexOf('/');
    const name = rel.slice(slash + 1);
    let real: string | undefined;
    if (name !== '' && name !== '.' && name !== '..') {
      const parent = this.knownReal(slash < 0 ? '' : rel.slice(0, slash));
      const e = parent === undefined ? undefined : this.listing(parent)?.byName.get(name);
      if (parent !== undefined && e?.dir === true && !e.link) real = parent + sep + name;
    }
    this.realDirs.set(rel, real);
    return real;
  }

  /**
   * Whether a listing already says `rel` is not there: a directory on its way, reached through real
   * directories, has no entry of that name (ASCII names compared without case, as a case-insensitive disk
   * would find them). False when not known.
   */
  private knownAbsent(rel: string): boolean {
    let dir = '';
    for (const seg of rel.split('/')) {
      const real = this.knownReal(dir);
      const listing = real === undefined ? undefined : this.listing(real);
      if (!listing || !PRINTABLE_ASCII.test(seg) || seg === '.' || seg === '..') return false;
      if (!listing.lower.has(seg.toLowerCase())) return true;
      dir = dir === '' ? seg : `${dir}/${seg}`;
    }
    return false;
  }

  /**
   * The listings read, by repository-relative directory reached through real directories only ('' the
   * root): the names each holds, in lower case. What listedAbsentIn needs once reading is over.
   */
  listedDirs(): Map<string, ReadonlySet<string>> {
    const dirs = new Map<string, ReadonlySet<string>>();
    const root = this.listed.get(this.realRoot);
    if (root) dirs.set('', root.lower);
    for (const [rel, real] of this.realDirs) {
      const listing = real === undefined ? undefined : this.listed.get(real);
      if (rel !== '' && listing) dirs.set(rel, listing.lower);
    }
    return dirs;
  }

  /** Reads repository-relative `rel` if it exists. Returns whether it was added. */
  readFile(rel: string): boolean {
    const clean = rel.replace(/\\/g, '/').replace(/^\/+/, '');
    if (clean === '' || clean.split('/').some((s) => s === '..')) {
      this.error(rel, 'outside-repo', `${rel} points outside the repository; not read`);
      return false;
    }
    if (this.seen.has(clean)) return false;
    // A regular file in a directory reached through real directories: read it at once.
    const slash = clean.lastIndexOf('/');
    const parent = this.knownReal(slash < 0 ? '' : clean.slice(0, slash));
    const entry = parent === undefined ? undefined : this.listing(parent)?.byName.get(clean.slice(slash + 1));
    if (parent !== undefined && entry?.file === true) {
      this.seen.add(clean);
      if (this.atFileLimit(clean)) return false;
      const real = parent + sep + entry.name;
      const bytes = this.boundedBytes(clean, real);
      if (bytes === false) return false;
      // Not a regular file any more, or too large: say which as the careful path does.
      return bytes === undefined ? this.readReal(clean, real) : this.addDecoded(clean, bytes);
    }
    if (this.knownAbsent(clean)) return false;
    const full = resolve(this.root, clean);
    const lst = lstatOrUndefined(full);
    if (!lst) return false;
    this.seen.add(clean);
    if (this.atFileLimit(clean)) return false;
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
    return this.readReal(clean, real);
  }

  /** Reads file `real` (inside the repository) as `clean`: a regular file within the size limit, UTF-8. */
  private readReal(clean: string, real: string): boolean {
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
    const bytes = this.boundedBytes(clean, real);
    if (bytes === false) return false;
    if (bytes === undefined) {
      this.error(clean, 'too-large', `file grew over ${this.opts.maxFileBytes} bytes while being read; not read`);
      return false;
    }
    return this.addDecoded(clean, bytes);
  }

  /** Whether this repository's file limit is reached (said once, as `clean`'s error). */
  private atFileLimit(clean: string): boolean {
    if (this.files.length < this.opts.maxFiles) return false;
    if (!this.limitReported) this.error(clean, 'too-many-files', `more than ${this.opts.maxFiles} CI files in this repository; the rest were not read`);
    this.limitReported = true;
    return true;
  }

  /** File `real`'s bytes, or undefined when it is over the size limit; false (the error recorded as `clean`'s) when it cannot be read. */
  private boundedBytes(clean: string, real: string): Uint8Array | undefined | false {
    try {
      return readBounded(real, this.opts.maxFileBytes);
    } catch (err) {
      this.error(clean, 'unreadable', `cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
      return false;
    }
  }

  private addDecoded(clean: string, bytes: Uint8Array): boolean {
    const decoded = decodeSource(bytes);
    if (!('text' in decoded)) {
      this.error(clean, decoded.code, decoded.message, decoded.line);
      return false;
    }
    this.files.push({ path: clean, text: decoded.text });
    return true;
  }

  /** Entries of a repository-relative directory that is a real directory inside the repository. */
  list(relDir: string): Entry[] {
    let real = this.knownReal(relDir);
    if (real === undefined) {
      // Not there by the listings already read (`jenkins/` of a repository without one): nothing to stat.
      if (this.knownAbsent(relDir)) return [];
      const full = resolve(this.root, relDir);
      if (!lstatOrUndefined(full)) return [];
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
    }
    // One readdir with the entries' own types (what lstat says of each), kept for this reader: several
    // platforms' globs walk the same directories (`.github/workflows` for workflows and for actions).
    const entries = this.listing(real)?.entries;
    if (!entries) return [];
    const out: Entry[] = [];
    for (const e of entries) {
      if (++this.entries > this.opts.maxEntries) {
        if (!this.limitReported) this.error(relDir, 'too-many-files', `more than ${this.opts.maxEntries} entries searched; the rest were not read`);
        this.limitReported = true;
        break;
      }
      out.push(e);
    }
    return out;
  }

  /**
   * Reads every file matching one of `patterns` (core/glob.ts) that share the fixed directory `base`:
   * walks from `base` at most `depth` levels (never into `.git` or `node_modules`), following symlinked
   * directories inside the repository with a shallower bound (list() refuses those that lead out).
   * Returns the paths read, in walking order (entries sorted by name).
   */
  private walk(base: string, patterns: readonly string[], depth: number): string[] {
    const match = cachedMatcher(patterns);
    const read: string[] = [];
    const visit = (dir: string, left: number): void => {
      if (left <= 0) return;
      for (const e of this.list(dir)) {
        const rel = dir === '' ? e.name : `${dir}/${e.name}`;
        if (e.dir) {
          if (e.name !== '.git' && e.name !== 'node_modules') visit(rel, left - 1);
          continue;
        }
        if (match(rel) && this.readFile(rel)) read.push(rel);
        else if (e.link) visit(rel, left - 4);
      }
    };
    visit(base, depth);
    return read;
  }

  /** Reads what `patterns` name: literal paths when present, globs by walking from their fixed directory. Returns the paths read. */
  readMatching(patterns: readonly string[]): string[] {
    const read: string[] = [];
    const byBase = new Map<string, string[]>();
    for (const pattern of patterns) {
      if (!isGlob(pattern)) {
        if (this.readFile(pattern)) read.push(pattern.replace(/^\/+/, ''));
        continue;
      }
      const base = globBase(pattern);
      byBase.set(base, [...(byBase.get(base) ?? []), pattern]);
    }
    for (const [base, globs] of byBase) {
      const depth = Math.min(MAX_WALK_DEPTH, Math.max(...globs.map(globDepth)));
      read.push(...this.walk(base, globs, depth));
    }
    return read;
  }
}

/** Deepest directory level a `**` glob walks to. */
const MAX_WALK_DEPTH = 12;

/** Matchers of the pattern lists walked: the platforms' own lists are walked in every repository (compiled once, not per repository). */
const MATCHERS = new Map<string, (text: string) => boolean>();
const MAX_MATCHERS = 256;

function cachedMatcher(patterns: readonly string[]): (text: string) => boolean {
  const key = patterns.join('\u0000');
  let match = MATCHERS.get(key);
  if (match === undefined) {
    // Patterns named by repositories' own files (a GitLab include's glob) come and go: the map stays bounded.
    if (MATCHERS.size >= MAX_MATCHERS) MATCHERS.clear();
    match = anyGlobMatcher(patterns);
    MATCHERS.set(key, match);
  }
  return match;
}
/** Most rounds of files named by files already read (`Discovery.follow`) per platform and repository. */

/**
 * Reads one checkout's CI files: for each registered platform, the files its `discovery` names
 * (pipelines, then components), then, transitively, the files its `follow` finds named in those.
 * `repo` is the id findings will carry.
 */
export function readCheckout(root: string, repo: string, options: LocalReadOptions = {}): { repo: RepoInput; errors: ScanError[] } {
  const r = readCheckoutFiles(root, repo, { ...DEFAULTS, ...options });
  return { repo: { repo: r.repo, files: r.files }, errors: r.errors };
}

/**
 * Whether the listings a checkout's reading left (RepoReader.listedDirs) say `rel` is not there: a
 * directory on its way, reached through real directories, has no entry of that name (ASCII names compared
 * without case, as a case-insensitive disk would find them). False when not known. A file a job asks for
 * (a Makefile, a script) is then missing without a system call.
 */
function listedAbsentIn(dirs: ReadonlyMap<string, ReadonlySet<string>>, rel: string): boolean {
  let dir = '';
  for (const seg of rel.split('/')) {
    const lower = dirs.get(dir);
    if (!lower || !PRINTABLE_ASCII.test(seg) || seg === '.' || seg === '..') return false;
    if (!lower.has(seg.toLowerCase())) return true;
    dir = dir === '' ? seg : `${dir}/${seg}`;
  }
  return false;
}

/**
 * One checkout's CI files as read, with its errors and what its listings say is there: plain data (Maps and
 * Sets of strings), so a reading thread can send it to the thread that scans (checkoutInput turns it into
 * a RepoInput there).
 */
export interface CheckoutRead {
  repo: string;
  files: SourceFile[];
  errors: ScanError[];
  /** RepoReader.listedDirs. */
  listed: Map<string, ReadonlySet<string>>;
}

function readCheckoutFiles(root: string, repo: string, opts: Required<LocalReadOptions>, realRoot?: string): CheckoutRead {
  const reader = new RepoReader(root, repo, opts, realRoot);
  for (const { discovery } of PLATFORMS) {
    const queue = reader.readMatching(discovery.pipelines);
    reader.readMatching(discovery.components ?? []);
    const follow = discovery.follow;
    if (!follow) continue;
    const walk = followNamed(queue, follow, (path) => reader.files.find((f) => f.path === path), repo, reader.errors);
    for (let step = walk.next(); !step.done; step = walk.next(reader.readMatching([step.value])));
  }
  return { repo, files: reader.files, errors: reader.errors, listed: reader.listedDirs() };
}

/** A folder name as a repository id: `owner+repo` (a flattened layout) reads as `owner/repo`. */
function idFromFolder(name: string): string {
  return /^[^+/]+\+[^+/]+$/.test(name) ? name.replace('+', '/') : name;
}

/** A repository checkout found under the given paths: its folder and the id findings will carry. */
export interface LocalCheckout {
  root: string;
  id: string;
  /** `root`'s real path when the listing knows it (a real directory reached through real directories). */
  real?: string;
}

/**
 * The repositories under the given paths, in reading order, without reading them (at most
 * `maxRepos`; past that, a `too-many-repos` error). A missing path or a path that is not a directory is
 * reported in `missing`.
 */
export function listLocalPaths(paths: readonly string[], options: LocalReadOptions = {}): { checkouts: LocalCheckout[]; errors: ScanError[]; missing: string[] } {
  const opts = { ...DEFAULTS, ...options };
  const checkouts: LocalCheckout[] = [];
  const errors: ScanError[] = [];
  const missing: string[] = [];
  const add = (root: string, id: string, real?: string): void => {
    if (checkouts.length >= opts.maxRepos) {
      if (errors.length === 0) errors.push({ repo: id, file: '.', line: 1, code: 'too-many-repos', message: `more than ${opts.maxRepos} repositories; the rest were not read` });
      return;
    }
    checkouts.push(real === undefined ? { root, id } : { root, id, real });
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
    for (const child of realSubdirs(abs)) {
      const childPath = join(abs, child);
      // A real directory listed in a real directory: its real path is known without asking the disk.
      const childReal = realTop + sep + child;
      let names: string[] | undefined;
      try {
        names = readdirSync(childPath);
      } catch {
        names = undefined;
      }
      if (isCheckout(childPath, names)) {
        add(childPath, idFromFolder(child), childReal);
        continue;
      }
      for (const grand of realSubdirs(childPath)) add(join(childPath, grand), `${child}/${grand}`, childReal + sep + grand);
    }
  }
  return { checkouts, errors, missing };
}

/** Reads one listed checkout: its CI files, and a reader for the files a job runs (read when the engine asks). */
export function readListedCheckout(checkout: LocalCheckout, options: LocalReadOptions = {}): { repo: RepoInput; errors: ScanError[] } {
  return checkoutInput(checkout, readCheckoutData(checkout, options), options);
}

/** Reads one listed checkout's CI files as data (readListedCheckout without the reader: checkoutInput adds it where the scan runs). */
export function readCheckoutData(checkout: LocalCheckout, options: LocalReadOptions = {}): CheckoutRead {
  return readCheckoutFiles(checkout.root, checkout.id, { ...DEFAULTS, ...options }, checkout.real);
}

/** A listed checkout's read files as a RepoInput, with a reader for the files a job runs (read when the engine asks). */
export function checkoutInput(checkout: LocalCheckout, r: CheckoutRead, options: LocalReadOptions = {}): { repo: RepoInput; errors: ScanError[] } {
  const opts = { ...DEFAULTS, ...options };
  // The reader of the files a job runs, made when a file the listings do not rule out is first asked for.
  let files: RepoFileReader | undefined;
  const reader: RepoFileReader = {
    read(path) {
      // A path the reader takes as a repository path (not refused as outside) that the checkout's listings
      // do not have is missing, as the reader would find (without its realpath of a missing file).
      if (path !== '' && !path.startsWith('/') && !path.includes('\\') && !path.includes('\0') && !/^[A-Za-z]:/.test(path) && !path.split('/').includes('..') && listedAbsentIn(r.listed, path)) {
        return { missing: true };
      }
      files ??= repoFileReader(checkout.root, { maxFileBytes: opts.maxFileBytes });
      return files.read(path);
    },
  };
  return { repo: { repo: r.repo, files: r.files, reader }, errors: r.errors };
}

/**
 * Reads every repository under the given paths. A missing path or a path that is not a directory is
 * reported in `missing` (a usage error for the CLI), not read.
 */
export function readLocalPaths(paths: readonly string[], options: LocalReadOptions = {}): LocalReadResult & { missing: string[] } {
  const listed = listLocalPaths(paths, options);
  const repos: RepoInput[] = [];
  const errors: ScanError[] = [];
  for (const c of listed.checkouts) {
    const r = readListedCheckout(c, options);
    repos.push(r.repo);
    errors.push(...r.errors);
  }
  // The limit is met after the repositories read: its error comes after theirs.
  return { repos, errors: [...errors, ...listed.errors], missing: listed.missing };
}

/**
 * Sub-directories of `dir` that are real directories (symlinked directories are not followed: the entry's
 * own type, as lstat gives it), hidden ones skipped, sorted by name. A real directory listed in a directory
 * inside the given path is inside it too.
 */
function realSubdirs(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules')
    .map((e) => e.name)
    .sort();
}
