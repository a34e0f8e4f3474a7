/**
 * IMPERATIVE SHELL: a repository's files at one commit of a git mirror, read with `git ls-tree` and
 * `git cat-file` (never checked out). `readPipelineFiles` reads what the platforms' discovery names — the
 * pipeline files, the component files (local actions), then transitively the files those name (GitLab
 * local includes, Jenkins `load`) — and `commitFileReader` is the RepoFileReader of the other files a job
 * runs, read on demand at the same commit. Bounded like a local checkout (local-dir.ts, repo-files.ts):
 * files over 5 MiB are `too-large`, at most 500 files each way, text must be UTF-8, a symbolic link that
 * leads out of the repository is `outside-repo`; problems are ScanErrors (or the reader's answers), never
 * thrown.
 */
import { anyGlobMatcher, isGlob } from '../../core/glob';
import type { RepoFileReader, ScanError, SourceFile } from '../../core/model';
import { PLATFORMS } from '../../core/platforms';
import { decodeSource } from '../../core/yaml';
import { gitSync } from './run-git';
import { followNamed } from '../follow';

export interface TreeEntry {
  /** `100644`, `100755`, `120000` (symbolic link), `160000` (submodule). */
  mode: string;
  oid: string;
}

/** Every file of a commit's tree, by repository-relative path. */
export type Tree = ReadonlyMap<string, TreeEntry>;

export interface TreeReadOptions {
  /** Largest file read, in bytes (default 5 MiB). */
  maxFileBytes?: number;
  /** Most files read (default 500). */
  maxFiles?: number;
}

const DEFAULTS: Required<TreeReadOptions> = { maxFileBytes: 5 * 1024 * 1024, maxFiles: 500 };
const MAX_LINKS = 8;

/** Parses `git ls-tree -r -z <commit>`: `<mode> <type> <oid>\t<path>\0` per file. */
export function parseLsTree(out: Buffer): Map<string, TreeEntry> {
  const tree = new Map<string, TreeEntry>();
  for (const record of out.toString('utf8').split('\0')) {
    const tab = record.indexOf('\t');
    if (tab < 0) continue;
    const [mode, type, oid] = record.slice(0, tab).split(' ');
    if (mode === undefined || oid === undefined || type !== 'blob') continue;
    tree.set(record.slice(tab + 1), { mode, oid });
  }
  return tree;
}

/** The tree of `commit` in the mirror, or why it could not be listed. */
export function listTree(gitDir: string, commit: string): { tree: Map<string, TreeEntry> } | { reason: string } {
  const r = gitSync(['ls-tree', '-r', '-z', '--full-tree', commit], { gitDir, maxBytes: 256 * 1024 * 1024 });
  return r.ok ? { tree: parseLsTree(r.stdout) } : { reason: `git ls-tree ${commit.slice(0, 12)} failed: ${r.reason}` };
}

type Answer = ReturnType<RepoFileReader['read']>;

/** `a/b/../c` → `a/c`; undefined when it climbs out of the repository. */
function normalise(path: string): string | undefined {
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(seg);
  }
  return out.join('/');
}

/** Reads files of one commit's tree (blobs through `git cat-file`), memoised, following in-repository symbolic links. */
class CommitFiles {
  private readonly memo = new Map<string, Answer>();
  private opened = 0;

  constructor(
    private readonly gitDir: string,
    private readonly tree: Tree,
    private readonly opts: Required<TreeReadOptions>,
  ) {}

  private blob(oid: string): { bytes: Buffer } | { code: string; message: string } {
    const r = gitSync(['cat-file', 'blob', oid], { gitDir: this.gitDir, maxBytes: this.opts.maxFileBytes });
    if (r.ok) return { bytes: r.stdout };
    if (r.tooLarge === true) return { code: 'too-large', message: `file is over ${this.opts.maxFileBytes} bytes; not read` };
    return { code: 'unreadable', message: `git cat-file failed: ${r.reason}` };
  }

  read(path: string): Answer {
    let answer = this.memo.get(path);
    if (answer === undefined) {
      answer = this.load(path);
      this.memo.set(path, answer);
    }
    return answer;
  }

  private load(asked: string): Answer {
    if (asked === '' || asked.startsWith('/') || asked.includes('\\') || asked.includes('\0') || asked.split('/').some((s) => s === '..')) {
      return { code: 'outside-repo', message: `${asked} is not a path inside the repository; not read` };
    }
    let path = normalise(asked) ?? '';
    for (let hops = 0; ; hops++) {
      const entry = this.tree.get(path);
      if (entry === undefined) return { missing: true };
      if (entry.mode === '160000') return { code: 'not-a-file', message: 'a submodule; not read' };
      if (entry.mode !== '120000') break;
      if (hops >= MAX_LINKS) return { code: 'unreadable', message: `more than ${MAX_LINKS} symbolic links in a row; not read` };
      const target = this.blob(entry.oid);
      if (!('bytes' in target)) return target;
      const link = target.bytes.toString('utf8');
      const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
      const next = link.startsWith('/') ? undefined : normalise(dir === '' ? link : `${dir}/${link}`);
      if (next === undefined || next === '') return { code: 'outside-repo', message: `${asked} is a symlink that points outside the repository; not read` };
      path = next;
    }
    if (this.opened >= this.opts.maxFiles) return { code: 'too-many-files', message: `more than ${this.opts.maxFiles} files of this repository were asked for; the rest were not read` };
    this.opened++;
    const entry = this.tree.get(path) as TreeEntry;
    const got = this.blob(entry.oid);
    if (!('bytes' in got)) return got;
    const decoded = decodeSource(got.bytes);
    if ('text' in decoded) return { text: decoded.text };
    return decoded.code === 'binary' ? { code: 'binary', message: 'not a text file (it has NUL bytes)' } : { code: decoded.code, message: decoded.message };
  }
}

/** The RepoFileReader of a commit: the repository's other files, read when the engine asks. */
export function commitFileReader(gitDir: string, tree: Tree, options: TreeReadOptions = {}): RepoFileReader {
  const files = new CommitFiles(gitDir, tree, { ...DEFAULTS, ...options });
  return { read: (path) => files.read(path) };
}

/**
 * The CI files of a commit, as local-dir.ts `readCheckout` reads a checkout: for each registered
 * platform, what its discovery names, then transitively what its `follow` finds named in those.
 */
export function readPipelineFiles(gitDir: string, tree: Tree, repo: string, options: TreeReadOptions = {}): { files: SourceFile[]; errors: ScanError[] } {
  const opts = { ...DEFAULTS, ...options };
  const reader = new CommitFiles(gitDir, tree, opts);
  const files: SourceFile[] = [];
  const errors: ScanError[] = [];
  const seen = new Set<string>();
  const paths = [...tree.keys()].sort();
  let limitReported = false;

  const readOne = (path: string): boolean => {
    if (seen.has(path)) return false;
    seen.add(path);
    if (files.length >= opts.maxFiles) {
      if (!limitReported) errors.push({ repo, file: path, line: 1, code: 'too-many-files', message: `more than ${opts.maxFiles} CI files in this repository; the rest were not read` });
      limitReported = true;
      return false;
    }
    const answer = reader.read(path);
    if ('missing' in answer) return false;
    if ('code' in answer) {
      errors.push({ repo, file: path, line: 1, code: answer.code, message: answer.message });
      return false;
    }
    files.push({ path, text: answer.text });
    return true;
  };
  const readMatching = (patterns: readonly string[]): string[] => {
    const read: string[] = [];
    const globs = patterns.filter(isGlob);
    for (const p of patterns) {
      if (isGlob(p)) continue;
      const clean = normalise(p.replace(/^\.\//, ''));
      if (clean !== undefined && clean !== '' && tree.has(clean) && readOne(clean)) read.push(clean);
    }
    if (globs.length > 0) {
      const match = anyGlobMatcher(globs);
      for (const p of paths) if (match(p) && readOne(p)) read.push(p);
    }
    return read;
  };

  for (const { discovery } of PLATFORMS) {
    const queue = readMatching(discovery.pipelines);
    readMatching(discovery.components ?? []);
    const follow = discovery.follow;
    if (!follow) continue;
    const walk = followNamed(queue, follow, (path) => files.find((f) => f.path === path), repo, errors);
    for (let step = walk.next(); !step.done; step = walk.next(readMatching([step.value])));
  }
  return { files, errors };
}

/** git pathspecs for the files the platforms read: their discovery globs (`:(glob)`), plus `extra` literal paths. */
export function pipelinePathspecs(extra: readonly string[] = []): string[] {
  const specs = new Set<string>();
  for (const { discovery } of PLATFORMS) {
    for (const p of [...discovery.pipelines, ...(discovery.components ?? [])]) specs.add(isGlob(p) ? `:(glob)${p}` : `:(literal)${p}`);
  }
  for (const p of extra) specs.add(`:(literal)${p}`);
  return [...specs];
}
