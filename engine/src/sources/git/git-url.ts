/**
 * git URLs as source specs: `https://…/x.git`, `http://…/x.git`, `ssh://…`, `git://…`, `file:///…`,
 * `user@host:path.git` (scp-like), or any of them after `git+` (`git+https://host/repo` for a URL that
 * does not end in `.git`). Pure.
 */
import { repoIdFromRemote } from '../local-dir';

export interface GitSpec {
  /** The URL handed to git (`git+` removed). */
  url: string;
  /** The repository id findings carry: `owner/repo` (`group/sub/project`); for `file://`, the last two path segments. */
  repo: string;
}

const SCHEMES = /^(https?|ssh|git|file):\/\//i;
const SCP = /^[\w.-]+@[\w.-]+:(?!\/\/)[^\s]+$/;

/** A git URL, or undefined when `spec` is not one (a `github:` spec, a local path). */
export function parseGitSpec(spec: string): GitSpec | undefined {
  const explicit = spec.startsWith('git+');
  const url = explicit ? spec.slice(4) : spec;
  const scheme = SCHEMES.exec(url)?.[1]?.toLowerCase();
  const scp = scheme === undefined && SCP.test(url);
  if (scheme === undefined && !scp) return undefined;
  // A web URL is a git repository only when it says so (`.git`) or the user did (`git+`).
  if ((scheme === 'https' || scheme === 'http') && !explicit && !/\.git\/?$/.test(url)) return undefined;
  // A one-segment path (`https://git.example.com/x.git`) has no owner: its name is the id.
  const repo = scheme === 'file' ? fileRepoId(url) : (repoIdFromRemote(url) ?? (scp ? undefined : fileRepoId(url)));
  if (repo === undefined) return undefined;
  return { url, repo };
}

function fileRepoId(url: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(new URL(url).pathname);
  } catch {
    return undefined;
  }
  const segs = path
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .split('/')
    .filter((s) => s !== '' && s !== '.' && s !== '..');
  if (segs.length === 0) return undefined;
  return segs.slice(-2).join('/');
}

/** `https://user:secret@host/x.git` → `https://***@host/x.git`: what may appear in a message. */
export function redactUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
}
