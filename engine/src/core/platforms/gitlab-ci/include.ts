/**
 * GitLab `include:` entries → `gitlab-include` ComponentRefs, and reading an include's text (local files
 * from the repository, everything else through the ComponentSource). Pure.
 */
import { globMatcher as matchGlob } from '../../glob';
import type { ComponentRef, ComponentSource, RepoInput } from '../../model';
import { asString, asStringList, isRecord, loadYaml, type YamlPath } from '../../yaml';
import { expandVariables, type VariableMap } from './variables';

export type IncludeRef = Extract<ComponentRef, { kind: 'gitlab-include' }>;

/** One include as written: the ref, where it is written (path inside the including file), its inputs. */
export interface IncludeEntry {
  ref: IncludeRef;
  path: YamlPath;
  inputs?: Record<string, string>;
}

export interface IncludeProblem {
  path: YamlPath;
  code: string;
  message: string;
}

/** `group/project@ref` (or `group/project` when no ref is given): the raw text of a project include. */
function projectRaw(project: string, ref: string | undefined): string {
  return ref === undefined ? project : `${project}@${ref}`;
}

function stripSlash(p: string): string {
  return p.replace(/^\/+/, '');
}

/**
 * `$CI_SERVER_FQDN/group/sub/project/name@version` → project `group/sub/project`, name, version.
 * The first segment is the GitLab host (a variable or a host name).
 */
export function parseComponent(raw: string): IncludeRef | undefined {
  const text = raw.trim();
  const at = text.lastIndexOf('@');
  const path = at >= 0 ? text.slice(0, at) : text;
  const version = at >= 0 ? text.slice(at + 1) : undefined;
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.length < 4) return undefined; // host / group / project / name
  const name = segments[segments.length - 1];
  const project = segments.slice(1, -1).join('/');
  if (name === undefined || project === '') return undefined;
  const ref: IncludeRef = { kind: 'gitlab-include', include: 'component', project, file: name, raw: text };
  if (version) ref.ref = version;
  return ref;
}

/** Where a nested `local:` include points when the including file is itself an include. */
function localIn(parent: IncludeRef | undefined, file: string, raw: string): IncludeRef {
  if (parent && (parent.include === 'project' || parent.include === 'component') && parent.project) {
    // A local include inside a project's file means a file of that same project at the same ref.
    const ref: IncludeRef = { kind: 'gitlab-include', include: 'project', project: parent.project, file: stripSlash(file), raw: projectRaw(parent.project, parent.ref) };
    if (parent.ref !== undefined) ref.ref = parent.ref;
    return ref;
  }
  return { kind: 'gitlab-include', include: 'local', file: stripSlash(file), raw };
}

function stringInputs(value: unknown): Record<string, string> | undefined {
  if (!isRecord(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    const s = asString(v);
    if (s !== undefined) out[k] = s;
    else if (Array.isArray(v)) out[k] = JSON.stringify(v);
  }
  return out;
}

/**
 * Reads an `include:` value (a string, a map, or a list of both). Variables defined in the file
 * (`vars`) are expanded in paths; `parent` is the include the file came from (for nested `local:`).
 */
export function readIncludeEntries(value: unknown, vars: VariableMap, parent?: IncludeRef): { entries: IncludeEntry[]; problems: IncludeProblem[] } {
  const entries: IncludeEntry[] = [];
  const problems: IncludeProblem[] = [];
  if (value === undefined || value === null) return { entries, problems };
  const items = Array.isArray(value) ? value : [value];
  const base: YamlPath = ['include'];
  items.forEach((item, index) => {
    const at: YamlPath = Array.isArray(value) ? [...base, index] : base;
    const text = asString(item);
    if (text !== undefined) {
      const expanded = expandVariables(text, vars);
      if (/^https?:\/\//i.test(expanded)) entries.push({ ref: { kind: 'gitlab-include', include: 'remote', file: expanded, raw: text }, path: at });
      else entries.push({ ref: localIn(parent, expanded, text), path: at });
      return;
    }
    if (!isRecord(item)) {
      problems.push({ path: at, code: 'gitlab-include-invalid', message: 'include entry is neither a string nor a map' });
      return;
    }
    const inputs = stringInputs(item.inputs);
    const push = (ref: IncludeRef): void => {
      entries.push(inputs ? { ref, path: at, inputs } : { ref, path: at });
    };
    const local = asString(item.local);
    const project = asString(item.project);
    const remote = asString(item.remote);
    const template = asString(item.template);
    const component = asString(item.component);
    if (local !== undefined) {
      push(localIn(parent, expandVariables(local, vars), local));
    } else if (project !== undefined) {
      const proj = stripSlash(expandVariables(project, vars));
      const refText = asString(item.ref);
      const gitRef = refText === undefined ? undefined : expandVariables(refText, vars);
      const files = asStringList(item.file);
      if (files.length === 0) problems.push({ path: at, code: 'gitlab-include-invalid', message: `project include ${project} names no file` });
      for (const f of files) {
        const ref: IncludeRef = { kind: 'gitlab-include', include: 'project', project: proj, file: stripSlash(expandVariables(f, vars)), raw: projectRaw(proj, gitRef) };
        if (gitRef !== undefined) ref.ref = gitRef;
        push(ref);
      }
    } else if (remote !== undefined) {
      push({ kind: 'gitlab-include', include: 'remote', file: expandVariables(remote, vars), raw: remote });
    } else if (template !== undefined) {
      push({ kind: 'gitlab-include', include: 'template', file: stripSlash(template), raw: template });
    } else if (component !== undefined) {
      const ref = parseComponent(expandVariables(component, vars));
      if (ref) push({ ...ref, raw: component });
      else problems.push({ path: at, code: 'gitlab-include-invalid', message: `cannot read component ${component}: expected host/group/project/name@version` });
    } else if (Object.keys(item).length > 0) {
      problems.push({ path: at, code: 'gitlab-include-invalid', message: 'include entry has none of local, project, remote, template, component' });
    }
  });
  return { entries, problems };
}

/** A stable identity of an include (for cycle detection). */
export function includeKey(ref: IncludeRef): string {
  return [ref.include, ref.project ?? '', ref.ref ?? '', ref.file].join('\u0000');
}

/** The file name used in positions inside an include: `<raw>//<path>` (the repository path for local). */
export function includePositionFile(ref: IncludeRef): string {
  switch (ref.include) {
    case 'local':
      return ref.file;
    case 'project':
      return `${ref.raw}//${ref.file}`;
    case 'remote':
      return `${ref.raw}//${remotePath(ref.file)}`;
    case 'template':
      return `${ref.raw}//${ref.file}`;
    case 'component':
      return `${ref.raw}//templates/${ref.file}.yml`;
  }
}

function remotePath(url: string): string {
  try {
    return stripSlash(new URL(url).pathname) || 'index.yml';
  } catch {
    return 'index.yml';
  }
}

/** A local-include glob (`ci/*.yml`, `**` for any depth; a leading `/` is the root) as a matcher over repository paths. */
export function globMatcher(pattern: string): (path: string) => boolean {
  return matchGlob(stripSlash(pattern));
}

export type IncludeText = { status: 'found'; text: string; positionFile: string } | { status: 'missing'; reason: string };

/** Reads the text of one include: local files from the repository, the rest through `source`. */
export function readIncludeText(ref: IncludeRef, repo: RepoInput, source: ComponentSource): IncludeText {
  const positionFile = includePositionFile(ref);
  if (ref.include === 'local') {
    const file = repo.files.find((f) => f.path === ref.file);
    return file ? { status: 'found', text: file.text, positionFile } : { status: 'missing', reason: `local include ${ref.file} is not in repository ${repo.repo}` };
  }
  let text: string | undefined;
  switch (ref.include) {
    case 'project':
      text = source.read(ref, ref.file);
      break;
    case 'remote':
      text = source.read(ref, remotePath(ref.file));
      break;
    case 'template':
      text = source.read(ref, ref.file);
      break;
    case 'component': {
      text = source.read(ref, ref.file);
      if (text === undefined) {
        // A component is `templates/<name>.yml` or `templates/<name>/template.yml`.
        const folder = `templates/${ref.file}/template.yml`;
        text = source.read(ref, folder);
        if (text !== undefined) return { status: 'found', text, positionFile: `${ref.raw}//${folder}` };
      }
      break;
    }
  }
  return text === undefined ? { status: 'missing', reason: source.describe(ref) } : { status: 'found', text, positionFile };
}

/**
 * A file with a `spec:` header document (`spec: inputs: …` then `---`): the header lines are blanked
 * (so positions stay right) and `$[[ inputs.x ]]` is replaced by the include's input or the default.
 */
export function applySpecHeader(text: string, given: Record<string, string> | undefined): { text: string } {
  const lines = text.split('\n');
  const firstContent = lines.findIndex((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  if (firstContent < 0 || !/^spec\s*:/.test(lines[firstContent] ?? '')) return { text: interpolateInputs(text, given, {}) };
  const sep = lines.findIndex((l, i) => i > firstContent && /^---\s*$/.test(l));
  if (sep < 0) return { text: interpolateInputs(text, given, {}) };
  const defaults = specDefaults(lines.slice(0, sep).join('\n'));
  const body = lines.map((l, i) => (i <= sep ? '' : l)).join('\n');
  return { text: interpolateInputs(body, given, defaults) };
}

/** `spec: inputs: <name>: default: <value>` of a header, read as YAML (problems there: no defaults). */
function specDefaults(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  const doc = loadYaml('', { path: 'spec', text: header }).value;
  const inputs = isRecord(doc) && isRecord(doc.spec) ? doc.spec.inputs : undefined;
  if (!isRecord(inputs)) return out;
  for (const [name, def] of Object.entries(inputs)) {
    const value = isRecord(def) ? def.default : undefined;
    const text = asString(value) ?? (Array.isArray(value) ? JSON.stringify(value) : undefined);
    if (text !== undefined) out[name] = text;
  }
  return out;
}

function interpolateInputs(text: string, given: Record<string, string> | undefined, defaults: Record<string, string>): string {
  if (!text.includes('$[[')) return text;
  return text.replace(/\$\[\[\s*inputs\.([A-Za-z0-9_-]+)\s*(?:\|[^\]]*)?\]\]/g, (whole, name: string) => given?.[name] ?? defaults[name] ?? whole);
}
