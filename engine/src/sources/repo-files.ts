/**
 * IMPERATIVE SHELL: the RepoFileReader of a local checkout — the repository's own files the core asks
 * for while it follows what a job runs (scripts, Makefiles, Dockerfiles). Bounded like the CI files
 * (local-dir.ts): a path with `..` or an absolute path is refused, a symlink that resolves outside the
 * repository is `outside-repo` (never opened), a file over the size limit is `too-large`, a non-regular
 * file is `not-a-file`, at most `maxFiles` distinct files are read per repository (`too-many-files`
 * after that), and the text must be UTF-8. Reads are synchronous and memoised; nothing is thrown.
 */
import { realpathSync, type Stats, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import type { RepoFileReader } from '../core/model';
import { decodeSource } from '../core/yaml';
import { readBounded } from './bounded-read';

export interface RepoFilesOptions {
  /** Largest file read, in bytes (default 5 MiB, as for CI files). */
  maxFileBytes?: number;
  /** Most files read on demand per repository (default 500). */
  maxFiles?: number;
}

type Answer = ReturnType<RepoFileReader['read']>;

/** A reader of the files under `root` (a checkout). `reads` lists the paths asked for, in order. */
export function repoFileReader(root: string, options: RepoFilesOptions = {}): RepoFileReader & { readonly reads: string[] } {
  const maxBytes = options.maxFileBytes ?? 5 * 1024 * 1024;
  const maxFiles = options.maxFiles ?? 500;
  const top = resolve(root);
  let realRoot: string | undefined;
  try {
    realRoot = realpathSync(top);
  } catch {
    realRoot = undefined;
  }
  const memo = new Map<string, Answer>();
  const reads: string[] = [];
  let opened = 0;

  const inside = (real: string): boolean => realRoot !== undefined && (real === realRoot || real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep));

  const load = (path: string): Answer => {
    if (path === '' || path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.includes('\\') || path.includes('\0') || path.split('/').some((s) => s === '..')) {
      return { code: 'outside-repo', message: `${path} is not a path inside the repository; not read` };
    }
    if (realRoot === undefined) return { code: 'unreadable', message: 'the repository folder cannot be read' };
    let real: string;
    try {
      real = realpathSync(resolve(top, path));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { missing: true };
      return { code: 'unreadable', message: `cannot resolve: ${code ?? 'error'}` };
    }
    if (!inside(real)) return { code: 'outside-repo', message: `${path} is a symlink that points outside the repository; not read` };
    let st: Stats;
    try {
      st = statSync(real);
    } catch {
      return { code: 'unreadable', message: 'cannot stat the file' };
    }
    if (st.isDirectory()) return { missing: true };
    if (!st.isFile()) return { code: 'not-a-file', message: 'not a regular file; not read' };
    if (st.size > maxBytes) return { code: 'too-large', message: `file is ${st.size} bytes; files over ${maxBytes} bytes are not read` };
    if (opened >= maxFiles) return { code: 'too-many-files', message: `more than ${maxFiles} files of this repository were asked for; the rest were not read` };
    opened++;
    let bytes: Uint8Array | undefined;
    try {
      bytes = readBounded(real, maxBytes);
    } catch (err) {
      return { code: 'unreadable', message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}` };
    }
    if (bytes === undefined) return { code: 'too-large', message: `file grew over ${maxBytes} bytes while being read; not read` };
    const decoded = decodeSource(bytes);
    if ('text' in decoded) return { text: decoded.text };
    return decoded.code === 'binary' ? { code: 'binary', message: 'not a text file (it has NUL bytes)' } : { code: decoded.code, message: decoded.message };
  };

  return {
    reads,
    read(path: string): Answer {
      reads.push(path);
      let answer = memo.get(path);
      if (answer === undefined) {
        answer = load(path);
        memo.set(path, answer);
      }
      return answer;
    },
  };
}
