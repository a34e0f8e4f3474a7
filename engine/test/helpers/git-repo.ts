/**
 * Real git repositories for tests, built commit by commit with dated commits (GIT_AUTHOR_DATE and
 * GIT_COMMITTER_DATE), so that a source's window logic runs against git itself.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface TestCommit {
  /** ISO-8601 UTC, e.g. `2025-03-14T16:37:00Z`. */
  at: string;
  message?: string;
  /** Files written (path → text) or removed (path → null). */
  files: Record<string, string | null>;
}

export interface TestRepo {
  dir: string;
  /** `file://` URL of the repository. */
  url: string;
  /** Commit ids, in the order given. */
  commits: string[];
  /** Adds a commit; returns its id. */
  commit(c: TestCommit): string;
}

function run(dir: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync('git', args, {
    cwd: dir,
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
    .toString('utf8')
    .trim();
}

/** A repository at `dir` (created), default branch `main`, with `commits` made in order. */
export function makeGitRepo(dir: string, commits: readonly TestCommit[] = []): TestRepo {
  mkdirSync(dir, { recursive: true });
  run(dir, ['init', '--quiet', '--initial-branch=main']);
  const repo: TestRepo = {
    dir,
    url: `file://${dir}`,
    commits: [],
    commit(c: TestCommit): string {
      for (const [path, text] of Object.entries(c.files)) {
        const full = join(dir, path);
        if (text === null) rmSync(full, { force: true });
        else {
          mkdirSync(dirname(full), { recursive: true });
          writeFileSync(full, text);
        }
      }
      run(dir, ['add', '--all']);
      run(dir, ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '--quiet', '--allow-empty', '-m', c.message ?? `change at ${c.at}`], {
        GIT_AUTHOR_DATE: c.at,
        GIT_COMMITTER_DATE: c.at,
      });
      const id = run(dir, ['rev-parse', 'HEAD']);
      repo.commits.push(id);
      return id;
    },
  };
  for (const c of commits) repo.commit(c);
  return repo;
}
