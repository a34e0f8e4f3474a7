/**
 * Where repositories come from: one port for every provider (a local folder, git URLs, GitHub, GitLab,
 * CircleCI), used by the CLI and the bridge alike. A source yields, per repository, the versions of its
 * pipeline files that matter for an incident window — the commit current at the window's start, every
 * commit inside the window that changed a pipeline file, and today's head when different — so that a
 * workflow removed during the window is still found. A repository a provider refuses is a RepoFailure:
 * reported, never dropped, never read as "not affected".
 */
import type { ComponentRef, RepoFileReader, RepoInput, ScanError, VersionInfo, VersionRole } from '../core/model';

/** Which commit a RepoVersion is, and when it was live: the core's type (core/model.ts), so that findings carry it. */
export type { VersionInfo, VersionRole };

/** An incident window (ms since the epoch, inclusive). */
export interface TimeWindow {
  start: number;
  end: number;
}

/**
 * A repository's pipeline files at one commit: the core's RepoInput plus which version it is (required
 * here; the scan stamps every finding with it). `errors`: problems met reading its files (too large, not
 * UTF-8…), reported with the scan's own errors.
 */
export interface RepoVersion extends RepoInput {
  version: VersionInfo;
  errors?: ScanError[];
}

/** A repository (or a whole source) the provider would not give: the scan goes on, the report says partial. */
export interface RepoFailure {
  repo: string;
  /** The provider's reason (status and message), never a credential. */
  reason: string;
  failure: true;
}

export interface SourceProgress {
  /** Repositories listed so far (total when known). */
  listed(count: number, total?: number): void;
  /** One repository read (all its versions). */
  read(repo: string): void;
}

export interface RepoSource {
  /** As the user wrote it: `github:acme`, `gitlab:https://gitlab.example.com/group`, `https://…/x.git`, a path. */
  readonly id: string;
  /** Every version needed of every repository; without a window, each repository's head only. */
  versions(window: TimeWindow | undefined, progress?: SourceProgress): AsyncIterable<RepoVersion | RepoFailure>;
}

export function isRepoFailure(item: RepoVersion | RepoFailure): item is RepoFailure {
  return 'failure' in item;
}

/**
 * The reader (RepoInput.reader) of a remote source's RepoVersion: the files a job runs (scripts,
 * Makefiles, Dockerfiles). The core's reader is synchronous and the files are behind the network, so the
 * reader answers what it holds and, for any other path, `{ code: 'not-fetched' }` (unresolved at the line
 * that runs it, never clean) and remembers the path. Between scan rounds the fetch loop (fetch-loop.ts)
 * gives every reader with pending paths to its `prefetcher`, all readers of one prefetcher in one call —
 * so a provider batches them (GitHub: 200 files per GraphQL call across repositories) — and scans again:
 * `make coverage` → `scripts/cover.sh` → `curl … | bash` is one round per level.
 */
export interface PendingReader extends RepoFileReader {
  /** Paths asked for and not read yet. */
  pending(): readonly string[];
  /** Reads the pending paths; shared by the readers of one source (or one client). */
  readonly prefetcher: RepoFilePrefetcher;
}

export interface RepoFilePrefetcher {
  /** Names the provider in messages (`github`, `gitlab:gitlab.example.com`). */
  readonly id: string;
  /**
   * Reads the pending paths of `readers` (each of this prefetcher). Afterwards each of those paths answers
   * its text, `missing`, or the provider's reason — never `not-fetched` again. Throws only on a bug.
   */
  fetchPending(readers: readonly PendingReader[]): Promise<void>;
}

export function isPendingReader(reader: RepoFileReader | undefined): reader is PendingReader {
  const r = reader as Partial<PendingReader> | undefined;
  return typeof r?.pending === 'function' && typeof r.prefetcher?.fetchPending === 'function';
}

/** Writes a fetched component's files into the on-disk component cache (the layout of core/resolve/cache-key.ts). */
export interface ComponentCacheWriter {
  /** `path` relative to the component's root (e.g. `action.yml`, `dist/index.js`, `orb.yml`). */
  write(ref: ComponentRef, path: string, text: string): void;
}

/**
 * What a fetch gave. `files`: the cache keys written (core/resolve/cache-key.ts, e.g.
 * `github/actions/checkout@v4/action.yml`, `circleci/orbs/codecov/codecov@3.2.4.yml`), in the order
 * written — keys, not paths inside the component, because one fetch may write a component under several
 * refs (an orb's `@volatile` and the version it stood for) — without bookkeeping files such as GitHub's
 * `.resolved-commit`. `note`: what the responder must know about what was read, e.g. that a branch was
 * read as it is today rather than as it was in the incident window (the scan reports it).
 */
export type FetchOutcome = { ok: true; files: string[]; note?: string } | { ok: false; reason: string };

/** Fetches remote components (actions, reusable workflows, orbs, includes, libraries) on demand. */
export interface ComponentFetcher {
  readonly id: string;
  canFetch(ref: ComponentRef): boolean;
  fetch(ref: ComponentRef, into: ComponentCacheWriter): Promise<FetchOutcome>;
}
