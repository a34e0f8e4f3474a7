/**
 * `gitlab:GROUP` and `gitlab:https://host[/prefix]/group/sub` → the instance's base URL and the group's
 * full path. Pure. A bare group uses `GITLAB_URL` (default https://gitlab.com). A URL is split at the
 * instance: when `GITLAB_URL` is a prefix of it (`GITLAB_URL=https://host/gitlab` for an instance under
 * a relative URL root), the rest is the group; otherwise the origin is the instance.
 */
export const DEFAULT_GITLAB_URL = 'https://gitlab.com';

export type GitLabSpec = { ok: true; baseUrl: string; group: string } | { ok: false; message: string };

function cleanGroup(path: string): string | undefined {
  const segs = path.split('/').filter((s) => s !== '');
  if (segs.length === 0 || segs.some((s) => s === '.' || s === '..' || s === '-')) return undefined;
  return segs.join('/');
}

function httpUrl(text: string): URL | undefined {
  try {
    const u = new URL(text);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u : undefined;
  } catch {
    return undefined;
  }
}

export function parseGitLabSpec(spec: string, env: Readonly<Record<string, string | undefined>>): GitLabSpec {
  if (!spec.startsWith('gitlab:')) return { ok: false, message: `${spec} is not a gitlab: source` };
  const rest = spec.slice('gitlab:'.length).trim();
  const configured = env.GITLAB_URL?.trim() || undefined;
  const configuredUrl = configured === undefined ? undefined : httpUrl(configured);
  if (configured !== undefined && configuredUrl === undefined) return { ok: false, message: 'GITLAB_URL is not an http(s) URL' };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rest)) {
    const url = httpUrl(rest);
    if (url === undefined || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
      return { ok: false, message: `gitlab:${url === undefined ? 'URL' : url.origin + url.pathname} must be an http(s) URL of a group, without credentials or query` };
    }
    let base = url.origin;
    let path = url.pathname;
    if (configuredUrl !== undefined) {
      const prefix = configuredUrl.href.replace(/\/+$/, '');
      const full = url.href.replace(/\/+$/, '');
      if (full.startsWith(`${prefix}/`)) {
        base = prefix;
        path = full.slice(prefix.length);
      }
    }
    const group = cleanGroup(decodeURIComponent(path));
    if (group === undefined) return { ok: false, message: `gitlab:${rest} names no group (expected gitlab:https://host/group)` };
    return { ok: true, baseUrl: base, group };
  }
  const group = cleanGroup(rest);
  if (group === undefined) return { ok: false, message: `gitlab:${rest} is not a group path (expected gitlab:GROUP or gitlab:GROUP/SUBGROUP)` };
  return { ok: true, baseUrl: (configuredUrl?.href ?? DEFAULT_GITLAB_URL).replace(/\/+$/, ''), group };
}
