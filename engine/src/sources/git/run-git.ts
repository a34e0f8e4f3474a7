/**
 * IMPERATIVE SHELL: running the `git` program — never through a shell (arguments are passed as they
 * are), never prompting (no terminal, ssh in batch mode), with a bounded output and a timeout. Failures
 * are returned as data with git's own message (URL credentials removed), never thrown.
 */
import { execFile, execFileSync } from 'node:child_process';
import { redactUrl } from './git-url';

export interface GitOptions {
  /** The repository (`--git-dir`); absent for `git clone`. */
  gitDir?: string;
  /** Largest output kept, in bytes (default 64 MiB); more is a failure with `tooLarge`. */
  maxBytes?: number;
  /** Milliseconds before git is stopped (default 10 minutes). */
  timeoutMs?: number;
}

export type GitResult = { ok: true; stdout: Buffer } | { ok: false; reason: string; tooLarge?: boolean };

/** The environment git runs with: the caller's, with prompts off and a fixed locale for messages. */
function gitEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes',
    LC_ALL: 'C',
  };
}

function argv(args: readonly string[], opts: GitOptions): string[] {
  return opts.gitDir === undefined ? [...args] : ['--git-dir', opts.gitDir, ...args];
}

function failure(err: unknown, stderr: string | Buffer | undefined): { ok: false; reason: string; tooLarge?: boolean } {
  const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string };
  // execFile says ERR_CHILD_PROCESS_STDIO_MAXBUFFER, execFileSync ENOBUFS (and kills git).
  if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER' || e.code === 'ENOBUFS') return { ok: false, reason: 'output too large', tooLarge: true };
  if (e.code === 'ENOENT') return { ok: false, reason: 'git is not installed (no `git` program on PATH)' };
  if (e.killed === true || e.signal === 'SIGTERM') return { ok: false, reason: 'git took too long and was stopped' };
  const text = (Buffer.isBuffer(stderr) ? stderr.toString('utf8') : (stderr ?? '')).trim();
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^warning: filtering not recognized by server/.test(l));
  // git's own diagnosis first (`fatal: … does not appear to be a git repository`), then what follows it.
  const fatal = lines.filter((l) => /^(fatal|error):/.test(l));
  const said = (fatal.length > 0 ? fatal : lines.slice(-2)).join(' ');
  return { ok: false, reason: redactUrl(said.slice(0, 500)) || `git exited with ${String(e.code ?? 'an error')}` };
}

/** Runs git and resolves to its output (or why it failed). */
export function git(args: readonly string[], opts: GitOptions = {}): Promise<GitResult> {
  return new Promise((resolve) => {
    execFile(
      'git',
      argv(args, opts),
      { env: gitEnv(), encoding: 'buffer', maxBuffer: opts.maxBytes ?? 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 600_000, windowsHide: true },
      (err, stdout, stderr) => {
        if (err) resolve(failure(err, stderr));
        else resolve({ ok: true, stdout });
      },
    );
  });
}

/** The same, synchronously (the core's RepoFileReader port is synchronous). */
export function gitSync(args: readonly string[], opts: GitOptions = {}): GitResult {
  try {
    const stdout = execFileSync('git', argv(args, opts), {
      env: gitEnv(),
      maxBuffer: opts.maxBytes ?? 64 * 1024 * 1024,
      timeout: opts.timeoutMs ?? 120_000,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    return { ok: true, stdout };
  } catch (err) {
    return failure(err, (err as { stderr?: Buffer }).stderr);
  }
}
