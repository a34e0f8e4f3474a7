/**
 * IMPERATIVE SHELL: the RepoFileReader of a GitLab project at one commit — the files a job runs
 * (scripts, Makefiles, Dockerfiles), which the core asks for synchronously while it resolves.
 *
 * The core's port is synchronous and GitLab is over the network, so the reader works in rounds: a path
 * already read answers at once (the version's pipeline files are known from the start); any other path
 * answers `not-fetched` (an error, so the file is unresolved, never "clean") and is remembered;
 * `fetchPending()` then reads the remembered paths (404 → missing), and the scan's next round gets
 * their text. Bounded like the local reader: at most `maxFiles` files, each at most `maxFileBytes`;
 * `..` and absolute paths are refused without a call. The reader is a PendingReader (source.ts): the
 * engine's fetch loop hands the pending readers of a source to `gitlabFilePrefetcher`, which runs their
 * `fetchPending()` a few projects at a time.
 */
import type { RepoFileReader } from '../../core/model';
import type { PendingReader, RepoFilePrefetcher } from '../source';
import { encodePathParam, type GitLabClient } from './client';
import { fileSchema } from './schemas';
import { fileText } from './version-files';

type Answer = ReturnType<RepoFileReader['read']>;

export interface GitLabRepoFilesOptions {
  maxFileBytes?: number;
  maxFiles?: number;
}

/** A reader that fills itself between scan rounds: see `pending()` and `fetchPending()`. */
export interface RoundReader extends RepoFileReader, PendingReader {
  /** Paths asked for that are not read yet. */
  pending(): string[];
  /** Reads the pending paths; returns how many answers changed (0: nothing more to do). */
  fetchPending(): Promise<number>;
}

/** Reads the pending paths of many GitLab readers, `concurrency` readers at a time (REST: one call per file). */
export function gitlabFilePrefetcher(id: string, concurrency = 4): RepoFilePrefetcher {
  return {
    id,
    async fetchPending(readers) {
      const round = readers.filter((r): r is RoundReader => typeof (r as Partial<RoundReader>).fetchPending === 'function');
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < round.length) await (round[next++] as RoundReader).fetchPending();
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, round.length)) }, worker));
    },
  };
}

/** A project's reader at `sha`; `prefetcher` is the one shared by the readers of its source (default: its own). */
export function gitlabRepoFiles(
  client: GitLabClient,
  projectId: number,
  sha: string,
  known: ReadonlyArray<{ path: string; text: string }>,
  options: GitLabRepoFilesOptions = {},
  prefetcher: RepoFilePrefetcher = gitlabFilePrefetcher('gitlab'),
): RoundReader {
  const maxBytes = options.maxFileBytes ?? 5 * 1024 * 1024;
  const maxFiles = options.maxFiles ?? 500;
  const answers = new Map<string, Answer>(known.map((f) => [f.path, { text: f.text }]));
  const waiting = new Set<string>();
  let fetched = 0;

  const fetchOne = async (path: string): Promise<Answer> => {
    if (fetched >= maxFiles) return { code: 'too-many-files', message: `more than ${maxFiles} files of this repository were asked for; the rest were not read` };
    fetched++;
    const r = await client.get(`/projects/${projectId}/repository/files/${encodePathParam(path)}`, { ref: sha }, fileSchema);
    if (!r.ok) return r.status === 404 ? { missing: true } : { code: 'unreadable', message: `GitLab would not give ${path}: ${r.reason}` };
    if (r.data.size > maxBytes) return { code: 'too-large', message: `file is ${r.data.size} bytes; files over ${maxBytes} bytes are not read` };
    const text = fileText(r.data.content, r.data.encoding);
    return 'text' in text ? text : { code: text.code, message: text.message };
  };

  return {
    read(path: string): Answer {
      if (path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0') || path.split('/').some((s) => s === '..')) {
        return { code: 'outside-repo', message: `${path} is not a path inside the repository; not read` };
      }
      const answer = answers.get(path);
      if (answer) return answer;
      waiting.add(path);
      return { code: 'not-fetched', message: `${path} has not been read from GitLab yet (repository files are read between scan rounds)` };
    },
    prefetcher,
    pending: () => [...waiting],
    async fetchPending(): Promise<number> {
      const paths = [...waiting];
      waiting.clear();
      for (const path of paths) answers.set(path, await fetchOne(path));
      return paths.length;
    },
  };
}
