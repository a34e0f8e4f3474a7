/**
 * Pure parsers for the references a GitHub Actions file makes to other people's code: the value of a
 * `uses:` (step or job) and a container image name. Both return a ComponentRef tagged by `kind`, or
 * undefined when the text is not a reference GitHub would accept (expressions, garbage).
 */
import type { ComponentRef } from '../../model';

export type GhaComponentRef = Extract<
  ComponentRef,
  { kind: 'gha-action' | 'gha-local-action' | 'gha-reusable-workflow' | 'gha-local-workflow' | 'image' }
>;
export type ImageRef = Extract<ComponentRef, { kind: 'image' }>;

/** Owner and repository names as GitHub allows them (letters, digits, `-`, `_`, `.`). */
const NAME = '[A-Za-z0-9_.-]+';
const REMOTE = new RegExp(`^(${NAME})/(${NAME})((?:/[^@\\s]*)?)(?:@([^@\\s]+))?$`);
const WORKFLOW_PATH = /^\.github\/workflows\/[^/]+\.ya?ml$/;
/** A full-length commit SHA (the only immutable ref for actions). */
export const SHA_RE = /^[0-9a-f]{40}$/i;

function hasExpression(s: string): boolean {
  return s.includes('${{');
}

/** Normalises a local path: drops `./`, duplicate and trailing slashes. `./` alone is the repository root (''). */
function localPath(raw: string): string {
  return raw
    .replace(/^\.\//, '')
    .split('/')
    .filter((seg) => seg !== '' && seg !== '.')
    .join('/');
}

/**
 * The sub-path of a remote reference as GitHub resolves it: empty and `.` segments dropped, `..`
 * resolved (`actions/checkout////@v4` is `actions/checkout`, `actions/cache/save/../save@v4` is
 * `actions/cache/save` — obfuscations that must not hide a component). null when `..` leaves the repository.
 */
function subPath(sub: string): string | null {
  const out: string[] = [];
  for (const seg of sub.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return null;
      out.pop();
    } else {
      out.push(seg);
    }
  }
  return out.join('/');
}

/**
 * A container image reference: `name[:tag][@digest]`, with an optional registry host (which may carry a
 * port: `localhost:5000/img:1`). `raw` is kept as given (including a `docker://` prefix).
 */
export function parseImage(raw: string, text: string = raw): ImageRef | undefined {
  const s = text.trim();
  if (s === '' || hasExpression(s) || /\s/.test(s)) return undefined;
  let rest = s;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) return undefined;
  }
  if (!/^[a-z0-9]([a-z0-9._:/-]*[a-z0-9])?$/i.test(rest) || rest.includes('//')) return undefined;
  const ref: ImageRef = { kind: 'image', name: rest, raw };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/**
 * The value of a `uses:`:
 * - `owner/repo@ref`, `owner/repo/path@ref` → gha-action (`ref` undefined when unpinned);
 * - `owner/repo/.github/workflows/x.yml@ref` → gha-reusable-workflow;
 * - `./path` or `$/path` → gha-local-action; `./.github/workflows/x.yml` or `$/.github/workflows/x.yml` → gha-local-workflow;
 * - `docker://image[:tag|@digest]` → image.
 * Expressions (GitHub does not evaluate them in `uses:`), empty refs and anything else → undefined.
 */
export function parseUses(input: string): GhaComponentRef | undefined {
  const raw = input.trim();
  if (raw === '' || hasExpression(raw)) return undefined;

  if (raw.startsWith('docker://')) return parseImage(raw, raw.slice('docker://'.length));

  // `./path` (the workspace) and `$/path` (the workflow's own repository at the running commit, GitHub's
  // self-repository syntax of July 2026) both name an action or workflow of the repository itself.
  if (raw.startsWith('./') || raw.startsWith('$/')) {
    if (/[@\s]/.test(raw)) return undefined;
    const path = localPath(raw.startsWith('$/') ? raw.slice(2) : raw);
    if (path.split('/').includes('..')) return undefined;
    if (WORKFLOW_PATH.test(path)) return { kind: 'gha-local-workflow', path, raw };
    return { kind: 'gha-local-action', path, raw };
  }

  const m = REMOTE.exec(raw);
  if (!m) return undefined;
  const [, owner = '', repo = '', sub = '', ref] = m;
  if (owner === '.' || owner === '..' || repo === '.' || repo === '..') return undefined;
  const normalised = subPath(sub);
  if (normalised === null) return undefined;
  const path = normalised === '' ? undefined : normalised;
  if (path !== undefined && WORKFLOW_PATH.test(path)) {
    const wf: GhaComponentRef = { kind: 'gha-reusable-workflow', owner, repo, path, raw };
    if (ref !== undefined) wf.ref = ref;
    return wf;
  }
  const action: GhaComponentRef = { kind: 'gha-action', owner, repo, raw };
  if (path !== undefined) action.path = path;
  if (ref !== undefined) action.ref = ref;
  return action;
}

/** `owner/repo` of a remote action or reusable workflow (lower-cased), for matching well-known actions. */
export function actionId(ref: ComponentRef): string | undefined {
  if (ref.kind !== 'gha-action') return undefined;
  const base = `${ref.owner}/${ref.repo}`.toLowerCase();
  return ref.path === undefined ? base : `${base}/${ref.path.toLowerCase()}`;
}
