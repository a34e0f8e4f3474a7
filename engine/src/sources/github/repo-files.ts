/**
 * The RepoFileReader of a GitHub repository at one commit: the other files its jobs run (scripts,
 * Makefiles, Dockerfiles). The core's reader is synchronous and the files live behind the network, so
 * the reader answers from what was fetched and, for anything else, says "not read" (code `not-fetched`,
 * which the core reports as unresolved at the line that runs it — never clean) and remembers the path.
 * `prefetchRepoFiles(readers)` then fetches every remembered path of many readers in batched GraphQL
 * calls (one alias per file, `object(expression: "<commit>:<path>")`); a scan that runs again after it
 * reads them. The reader is a PendingReader (source.ts): the engine's fetch loop calls its `prefetcher`
 * (`githubFilePrefetcher`, one per client) with every pending reader between scan rounds.
 */
import { z } from 'zod';
import type { PendingReader, RepoFilePrefetcher } from '../source';
import { GitHubApiError, type GitHubClient } from './client';
import { gqlString, normalisePath } from './pipeline-files';

type Answer = { text: string } | { missing: true } | { code: string; message: string };

const BlobSchema = z.object({
  __typename: z.string(),
  byteSize: z.number().optional(),
  isBinary: z.boolean().nullable().optional(),
  isTruncated: z.boolean().optional(),
  text: z.string().nullable().optional(),
});

export class GitHubRepoFileReader implements PendingReader {
  private readonly known = new Map<string, Answer>();
  private readonly misses = new Set<string>();

  constructor(
    readonly owner: string,
    readonly name: string,
    readonly commit: string,
    readonly prefetcher: RepoFilePrefetcher,
    private readonly maxFileBytes = 5 * 1024 * 1024,
  ) {}

  read(path: string): Answer {
    const clean = normalisePath(path);
    if (clean === undefined) return { code: 'outside-repo', message: `${path} points outside the repository; not read` };
    const answer = this.known.get(clean);
    if (answer) return answer;
    this.misses.add(clean);
    return { code: 'not-fetched', message: `${clean} was not fetched from GitHub (${this.owner}/${this.name}@${this.commit.slice(0, 12)}); not read` };
  }

  /** Paths asked for and not fetched yet. */
  pending(): string[] {
    return [...this.misses];
  }

  /** Records what GitHub answered for `path` (used by prefetchRepoFiles and for files already read). */
  settle(path: string, answer: Answer): void {
    this.known.set(path, answer);
    this.misses.delete(path);
  }

  answerFor(blob: unknown): Answer {
    if (blob === null || blob === undefined) return { missing: true };
    const b = BlobSchema.safeParse(blob);
    if (!b.success) return { code: 'bad-answer', message: 'GitHub answered this file in an unexpected shape; not read' };
    if (b.data.__typename !== 'Blob') return { missing: true };
    if (b.data.isBinary === true) return { code: 'binary', message: 'GitHub says this file is binary; not read' };
    if (b.data.isTruncated === true) return { code: 'too-large', message: `GitHub returned this file truncated (${b.data.byteSize ?? '?'} bytes); not read` };
    if ((b.data.byteSize ?? 0) > this.maxFileBytes) return { code: 'too-large', message: `file is ${b.data.byteSize} bytes; files over ${this.maxFileBytes} bytes are not read` };
    if (b.data.text === null || b.data.text === undefined) return { code: 'not-utf8', message: 'GitHub gave no text for this file (not UTF-8?); not read' };
    return { text: b.data.text };
  }
}

/**
 * Fetches the pending paths of `readers`, `perQuery` files per GraphQL call. A call GitHub refuses
 * settles its paths with the reason (code `provider-error`). Returns how many paths were settled.
 */
export async function prefetchRepoFiles(client: GitHubClient, readers: readonly GitHubRepoFileReader[], perQuery = 200): Promise<number> {
  const work = readers.flatMap((reader) => reader.pending().map((path) => ({ reader, path })));
  for (let i = 0; i < work.length; i += perQuery) {
    const chunk = work.slice(i, i + perQuery);
    const fields = chunk.map(
      ({ reader, path }, j) =>
        `f${j}: repository(owner: ${gqlString(reader.owner)}, name: ${gqlString(reader.name)}) { object(expression: ${gqlString(`${reader.commit}:${path}`)}) { __typename ... on Blob { byteSize isBinary isTruncated text } } }`,
    );
    const query = `query RepoFiles {\n${fields.join('\n')}\nrateLimit { cost remaining resetAt }\n}`;
    try {
      const { data } = await client.graphql(query, {}, z.record(z.string(), z.unknown()));
      chunk.forEach(({ reader, path }, j) => {
        const repo = z.object({ object: z.unknown() }).nullable().safeParse(data[`f${j}`]);
        if (!repo.success || repo.data === null) reader.settle(path, { code: 'provider-error', message: `GitHub did not give ${reader.owner}/${reader.name}; ${path} not read` });
        else reader.settle(path, reader.answerFor(repo.data.object));
      });
    } catch (err) {
      const reason = err instanceof GitHubApiError ? err.message : `GitHub call failed: ${(err as Error).message}`;
      for (const { reader, path } of chunk) reader.settle(path, { code: 'provider-error', message: `${reason}; ${path} not read` });
    }
  }
  return work.length;
}

/** The prefetcher of the GitHub readers of one client: their pending paths in batched GraphQL calls. */
export function githubFilePrefetcher(client: GitHubClient, perQuery = 200): RepoFilePrefetcher {
  return {
    id: 'github',
    async fetchPending(readers) {
      await prefetchRepoFiles(
        client,
        readers.flatMap((r) => (r instanceof GitHubRepoFileReader ? [r] : [])),
        perQuery,
      );
    },
  };
}
