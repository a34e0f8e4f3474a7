/**
 * IMPERATIVE SHELL: fetches Jenkins shared libraries into the component cache, from the repositories the
 * user mapped them to (mapping.ts). For a `jenkins-library-step` ref (`codecov(…)` of `@Library('ci-lib@v1')`):
 *
 *   library name ──mapping──▶ git URL ──▶ mirror (git/git-source.ts: `clone --mirror --filter=blob:none`,
 *   `fetch --prune` when there; once per run) ──▶ the version's commit ──▶ `vars/`, `src/`, `resources/`
 *   read at it (git/tree-files.ts: `ls-tree`, `cat-file`, bounded) ──▶ `jenkins/libraries/<name>@<ref>/…`
 *
 * The version: the ref the pipeline wrote, else the mapping's `defaultVersion` (Jenkins' "Default
 * version"); neither is unresolved ("no version and no default version for library NAME"). It is read
 * as a branch (`refs/heads/…`, or `HEAD`: the default branch), a tag, or a commit, as Jenkins' git
 * retriever does. With an incident window, a branch is read as it was at the window's end — its
 * first-parent history's last commit at or before it, as the GitHub and GitLab fetchers do — and the
 * outcome's note says which commit; a branch with no commit by then is unresolved. Tags and commits are
 * read as written. A version git does not know is unresolved with git's words. The files are written
 * under the ref as the pipeline wrote it (`<name>@HEAD` when it named none: the key the core reads), and
 * the commit read in `.resolved-commit` beside them.
 *
 * A library is read once per run: the first step asked for writes the whole library, so the scan's next
 * round finds every global variable it calls (followed transitively through the fetch loop's rounds).
 * A step the library does not define (the core probes every call name of a pipeline against its
 * libraries) is a successful fetch that wrote nothing for it: the scan reads it as absent — a plain step
 * when another variable of the library was read, unresolved otherwise. A library nobody mapped is
 * unresolved with "library NAME is not mapped: give --jenkins-library NAME=URL".
 */
import type { ComponentRef } from '../../core/model';
import { cacheKey } from '../../core/resolve/cache-key';
import { LIBRARY_COMMIT_FILE, UNVERSIONED_LIBRARY, varsFile } from '../../core/platforms/jenkins/library';
import { mirrorPath, syncMirror } from '../git/git-source';
import { redactUrl } from '../git/git-url';
import { git } from '../git/run-git';
import { commitFileReader, listTree } from '../git/tree-files';
import type { ComponentCacheWriter, ComponentFetcher, FetchOutcome, TimeWindow } from '../source';
import { isLibraryVersion, librarySpec, type JenkinsLibraryMapping } from './mapping';

/**
 * The file beside a library's files that records the commit read (as the GitHub and GitLab fetchers do);
 * the core reads it as "the whole library is here" (core/platforms/jenkins/library.ts).
 */
export const RESOLVED_COMMIT_FILE = LIBRARY_COMMIT_FILE;

/** The folders of a library repository Jenkins reads. */
const LIBRARY_FOLDERS = ['vars/', 'src/', 'resources/'];

export interface JenkinsLibraryFetcherOptions {
  /** The data directory: mirrors go to its `git/` folder (shared with git sources of the same URL). */
  dataDir: string;
  libraries: readonly JenkinsLibraryMapping[];
  /** The scan's incident window: a branch is read as of its end. */
  window?: TimeWindow;
  /** Most files read from one library (default 2000); a library with more is not fetched. */
  maxFiles?: number;
  /** Largest file read, in bytes (default 5 MiB, as the component store takes). */
  maxFileBytes?: number;
}

/** A library version read: its files (library-relative path → text), the commit, and what the responder must know. */
type Loaded = { ok: true; files: ReadonlyMap<string, string>; commit: string; note?: string } | { ok: false; reason: string };

function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

export class JenkinsLibraryFetcher implements ComponentFetcher {
  readonly id = 'jenkins-library';
  private readonly byName: ReadonlyMap<string, JenkinsLibraryMapping>;
  private readonly mirrors = new Map<string, Promise<string | undefined>>();
  private readonly loads = new Map<string, Promise<Loaded>>();
  /** Library versions (`name@ref` as written) whose files were written in this run. */
  private readonly written = new Set<string>();

  constructor(private readonly options: JenkinsLibraryFetcherOptions) {
    this.byName = new Map(options.libraries.map((l) => [l.name, l]));
  }

  canFetch(ref: ComponentRef): boolean {
    return ref.kind === 'jenkins-library-step';
  }

  async fetch(ref: ComponentRef, into: ComponentCacheWriter): Promise<FetchOutcome> {
    if (ref.kind !== 'jenkins-library-step') return { ok: false, reason: `${this.id} does not fetch ${ref.kind} components` };
    const { name } = ref.library;
    const mapping = this.byName.get(name);
    if (mapping === undefined) return { ok: false, reason: `library ${name} is not mapped: give --jenkins-library ${name}=URL` };
    const version = ref.library.ref ?? mapping.defaultVersion;
    if (version === undefined) return { ok: false, reason: `no version and no default version for library ${name}` };
    if (!isLibraryVersion(version)) return { ok: false, reason: `library ${name}: "${version}" is not a branch, tag or commit` };

    const loaded = await this.load(mapping, version);
    if (!loaded.ok) return { ok: false, reason: `library ${name}@${version} (${redactUrl(mapping.url)}): ${loaded.reason}` };

    const asWritten = `${name}@${ref.library.ref ?? UNVERSIONED_LIBRARY}`;
    const first = !this.written.has(asWritten);
    this.written.add(asWritten);
    const keys: string[] = [];
    const write = (path: string, text: string): void => {
      into.write(ref, path, text);
      const key = cacheKey(ref, path);
      if (key !== undefined) keys.push(key);
    };
    if (first) {
      // The whole library, the asked variable first (its key leads `files`).
      const own = varsFile(ref.step);
      const text = loaded.files.get(own);
      if (text !== undefined) write(own, text);
      for (const [path, t] of loaded.files) if (path !== own) write(path, t);
      into.write(ref, RESOLVED_COMMIT_FILE, `${loaded.commit}\n`);
    } else {
      // Written by an earlier step of this run: this step's file again, so that its manifest names it.
      const text = loaded.files.get(varsFile(ref.step));
      if (text !== undefined) write(varsFile(ref.step), text);
    }
    const notes: string[] = [];
    if (first && ref.library.ref === undefined) notes.push(`loaded without a version: read at its default version ${version}`);
    if (first && loaded.note !== undefined) notes.push(loaded.note);
    return notes.length === 0 ? { ok: true, files: keys } : { ok: true, files: keys, note: `library ${name}: ${notes.join('; ')}` };
  }

  /** Mirrors the library's repository once per run; resolves to why not, or undefined. */
  private mirror(mapping: JenkinsLibraryMapping): { dir: string; synced: Promise<string | undefined> } | { reason: string } {
    const spec = librarySpec(mapping.url);
    if (spec === undefined) return { reason: `not a git URL: ${redactUrl(mapping.url)}` };
    const dir = mirrorPath(this.options.dataDir, spec);
    let synced = this.mirrors.get(dir);
    if (synced === undefined) {
      synced = syncMirror(spec, dir);
      this.mirrors.set(dir, synced);
    }
    return { dir, synced };
  }

  private load(mapping: JenkinsLibraryMapping, version: string): Promise<Loaded> {
    const key = `${mapping.url}\0${version}`;
    let loading = this.loads.get(key);
    if (loading === undefined) {
      loading = this.read(mapping, version);
      this.loads.set(key, loading);
    }
    return loading;
  }

  private async read(mapping: JenkinsLibraryMapping, version: string): Promise<Loaded> {
    const m = this.mirror(mapping);
    if ('reason' in m) return { ok: false, reason: m.reason };
    const synced = await m.synced;
    if (synced !== undefined) return { ok: false, reason: synced };
    const at = await this.commitOf(m.dir, version);
    if (!at.ok) return at;
    const listed = listTree(m.dir, at.commit);
    if ('reason' in listed) return { ok: false, reason: listed.reason };
    const paths = [...listed.tree.keys()].filter((p) => LIBRARY_FOLDERS.some((f) => p.startsWith(f))).sort();
    const maxFiles = this.options.maxFiles ?? 2000;
    if (paths.length > maxFiles) return { ok: false, reason: `the library has ${paths.length} files in ${LIBRARY_FOLDERS.join(', ')} at commit ${at.commit.slice(0, 12)}; more than ${maxFiles} are not read` };
    const reader = commitFileReader(m.dir, listed.tree, { maxFiles, maxFileBytes: this.options.maxFileBytes ?? 5 * 1024 * 1024 });
    const files = new Map<string, string>();
    for (const path of paths) {
      const answer = reader.read(path);
      if ('text' in answer) files.set(path, answer.text);
      // A global variable that cannot be read fails the library (what it runs would not be known);
      // a binary resource or a source file that cannot be read is left out (the scan reads only vars/).
      else if ('code' in answer && path.startsWith('vars/')) return { ok: false, reason: `${path} at commit ${at.commit.slice(0, 12)}: ${answer.message}` };
    }
    return at.note === undefined ? { ok: true, files, commit: at.commit } : { ok: true, files, commit: at.commit, note: at.note };
  }

  /** The commit `version` names in the mirror: a branch (as of the window's end), a tag, or a commit. */
  private async commitOf(gitDir: string, version: string): Promise<{ ok: true; commit: string; note?: string } | { ok: false; reason: string }> {
    const window = this.options.window;
    const branch = version === 'HEAD' || (await git(['rev-parse', '--verify', '--quiet', `refs/heads/${version}`], { gitDir })).ok;
    if (branch && window !== undefined) {
      const rev = version === 'HEAD' ? 'HEAD' : `refs/heads/${version}`;
      const what = version === 'HEAD' ? 'the default branch' : `branch ${version}`;
      const end = isoTime(window.end);
      const r = await git(['log', '-1', '--first-parent', '--format=%H %ct', `--before=@${Math.floor(window.end / 1000)}`, rev, '--'], { gitDir });
      if (!r.ok) return { ok: false, reason: `the history of ${what} could not be read, so what it held in the incident window (to ${end}) is not known: git: ${r.reason}` };
      const m = /^([0-9a-f]{40,64}) (\d+)$/.exec(r.stdout.toString('utf8').trim());
      if (!m?.[1]) return { ok: false, reason: `${what} has no commit at or before ${end} (the incident window's end)` };
      return { ok: true, commit: m[1], note: `${what} read as of ${end}, the incident window's end (commit ${m[1].slice(0, 12)} of ${isoTime(Number(m[2]) * 1000)})` };
    }
    const rev = branch && version !== 'HEAD' ? `refs/heads/${version}` : version;
    const r = await git(['log', '-1', '--format=%H', '--end-of-options', rev, '--'], { gitDir });
    if (!r.ok) return { ok: false, reason: `no branch, tag or commit ${version} in the repository: git: ${r.reason}` };
    const commit = r.stdout.toString('utf8').trim();
    if (!/^[0-9a-f]{40,64}$/.test(commit)) return { ok: false, reason: `git log ${version} gave no commit` };
    return { ok: true, commit };
  }
}

/** The fetcher of the mapped libraries (or, with none mapped, the one that says so for every library). */
export function createJenkinsLibraryFetcher(options: JenkinsLibraryFetcherOptions): ComponentFetcher {
  return new JenkinsLibraryFetcher(options);
}
