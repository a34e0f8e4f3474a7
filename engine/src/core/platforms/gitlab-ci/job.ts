/**
 * What one templated GitLab job runs and reads: steps (one per script section), images, secrets by
 * name, runner tags, artifact and cache flows. Shared by `parse` and `expand` so both say the same. Pure.
 */
import type { ArtifactFlow, ComponentUse, Position, SecretRef, Step } from '../../model';
import { asString, asStringList, isRecord } from '../../yaml';
import { imageText, parseImage } from './image';
import type { Origin } from './load';
import type { ResolvedDefinition } from './templates';
import { expandVariables, isCredentialName, JOB_TOKEN_VARIABLES, readVariables, referencedVariables, type VariableMap } from './variables';

/** Top-level keys that are keywords, not jobs (`pages` is a real job). */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([
  'stages',
  'variables',
  'default',
  'include',
  'workflow',
  'image',
  'services',
  'cache',
  'before_script',
  'after_script',
  'types',
  'spec',
]);

/**
 * The input key under which an include use names the job(s) or template(s) of that file the job came
 * from (several separated by newlines); `expand` then says what those contribute, not the whole file.
 */
export const JOB_INPUT = '__job';

/**
 * Project, group and instance CI/CD variables set in GitLab's settings reach every job (protected ones
 * only on protected branches and tags) but are not in the file — as CircleCI's project environment.
 */
export const SETTINGS_VARIABLES: SecretRef = { name: 'project and group CI/CD variables', kind: 'project-env' };

/** Script sections, in the order the runner runs them. */
export const SECTIONS = ['pre_get_sources_script', 'before_script', 'script', 'after_script'] as const;

const MAX_SCRIPT_NESTING = 10;

/** Is the top-level key `key` with `value` a job GitLab would run (hidden `.x` templates are not)? */
export function isJobKey(key: string, value: unknown): boolean {
  if (key.startsWith('.') || RESERVED_KEYS.has(key) || !isRecord(value)) return false;
  return 'script' in value || 'trigger' in value || 'extends' in value || 'run' in value;
}

/** A template-like key (hidden or not) that holds a job definition: what `expand` reports. */
export function isDefinitionKey(key: string, value: unknown): boolean {
  if (RESERVED_KEYS.has(key) || !isRecord(value)) return false;
  return 'script' in value || 'before_script' in value || 'after_script' in value || 'trigger' in value || 'extends' in value || 'image' in value;
}

/** Script lines, flattening nested arrays (GitLab allows up to 10 levels). */
export function scriptLines(value: unknown, depth = 0): string[] {
  if (Array.isArray(value)) {
    if (depth >= MAX_SCRIPT_NESTING) return [];
    return value.flatMap((v) => scriptLines(v, depth + 1));
  }
  const s = asString(value);
  return s === undefined ? [] : [s];
}

/** A list item that is only a shell comment (`- '# curl … | bash'`) runs nothing. */
function runs(line: string): boolean {
  return !/^\s*#/.test(line) || line.includes('\n');
}

/**
 * The file line of the first command when line i of the run text is file line first + i: a list of
 * one-line commands written one per line, or one text (a block scalar `|` starts on the next line), as
 * written at `o` (no references, no nesting).
 */
function runLine(raw: unknown, o: Origin): number | undefined {
  if (typeof raw === 'string') return raw.includes('\n') ? o.line + 1 : o.line;
  if (!Array.isArray(raw) || !o.items || o.items.length !== raw.length || raw.length === 0) return undefined;
  const start = o.items[0];
  if (start === undefined) return undefined;
  if (raw.length === 1 && typeof raw[0] === 'string' && raw[0].includes('\n')) return start + 1;
  for (let i = 0; i < raw.length; i++) {
    const item: unknown = raw[i];
    if (typeof item !== 'string' || item.includes('\n') || o.items[i] !== start + i) return undefined;
  }
  return start;
}

export interface JobContext {
  /** Variables defined in the files (top-level, after `inherit:variables`), without the job's own. */
  globals: VariableMap;
  /** Where each top-level variable is written (for the position of a secret reference in its value). */
  globalPositions?: ReadonlyMap<string, Position>;
}

/** Where each top-level variable of `entry` (the merged top-level `variables:` key) is written. */
export function variablePositions(entry: { keys: ReadonlyMap<string, Origin> } | undefined): Map<string, Position> {
  const out = new Map<string, Position>();
  for (const [name, o] of entry?.keys ?? []) out.set(name, position(o));
  return out;
}

/**
 * Credential-like CI/CD settings variables that the variables a job sees refer to, each at the variable
 * whose value refers to it: `CODECOV_TOKEN: $CODECOV_TOKEN` (the file names the settings variable as
 * itself), `UPLOAD_TOKEN: $CODECOV_TOKEN` (one the file does not define). A reference to a variable the
 * file defines is left to that variable's own value; a literal value refers to nothing.
 */
export function settingsCredentials(vars: VariableMap, where: (name: string) => Position): SecretRef[] {
  const out: SecretRef[] = [];
  for (const [name, value] of vars) {
    for (const ref of referencedVariables(value)) {
      if (JOB_TOKEN_VARIABLES.has(ref) || !isCredentialName(ref)) continue;
      if (vars.has(ref) && ref !== name) continue;
      out.push({ name: ref, kind: 'variable', pos: where(name) });
    }
  }
  return out;
}

export interface JobContent {
  stage: string;
  variables: Map<string, string>;
  steps: Step[];
  /** images and services */
  images: ComponentUse[];
  secrets: SecretRef[];
  oidc: boolean;
  tags: string[];
  environment?: string;
  produces: ArtifactFlow[];
  cacheReads: ArtifactFlow[];
  /** `trigger:` child/downstream pipeline includes as written (read by the caller). */
  trigger?: unknown;
  /** the key `trigger` position */
  triggerPos?: Position;
  release: boolean;
  /** The job publishes GitLab Pages (`pages:` keyword in the job). */
  pages: boolean;
}

function first(origins: readonly Origin[] | undefined, fallback: Origin): Origin {
  return origins?.[0] ?? fallback;
}

function position(o: Origin): Position {
  return { file: o.file, line: o.line };
}

/** The include chain a key's text came through, each include tagged with the job of that file. */
export function fromChain(origins: readonly Origin[]): ComponentUse[] {
  const out: ComponentUse[] = [];
  const seen = new Set<string>();
  for (const o of origins) {
    for (const use of o.from) {
      const key = `${use.ref.raw}\u0000${use.pos.file}\u0000${use.pos.line}\u0000${o.owner}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ ...use, inputs: { ...use.inputs, [JOB_INPUT]: o.owner } });
    }
  }
  return out;
}

/**
 * The includes a job came through, outermost of each chain (a job defined in an include, a template it
 * extends, a `default:` or `!reference` from one), each tagged with the names there it came from.
 * These are the job's own uses: a compromised include affects the job even when its text fetches nothing.
 */
export function includeUsesOf(def: ResolvedDefinition, jobOrigin: Origin): ComponentUse[] {
  const byPlace = new Map<string, { use: ComponentUse; owners: Set<string> }>();
  const origins = [jobOrigin, ...[...def.keys.values()].flat()];
  for (const o of origins) {
    const outer = o.from[0];
    if (!outer) continue;
    const key = `${outer.ref.raw}\u0000${outer.pos.file}\u0000${outer.pos.line}\u0000${outer.ref.kind === 'gitlab-include' ? outer.ref.file : ''}`;
    const found = byPlace.get(key);
    if (found) found.owners.add(o.owner);
    else byPlace.set(key, { use: outer, owners: new Set([o.owner]) });
  }
  return [...byPlace.values()].map(({ use, owners }) => ({ ...use, inputs: { ...use.inputs, [JOB_INPUT]: [...owners].join('\n') } }));
}

/** Variables a job sees: the file's globals (unless `inherit:variables` says otherwise) and its own. */
export function jobVariables(value: Record<string, unknown>, globals: VariableMap): Map<string, string> {
  const inherit = isRecord(value.inherit) ? value.inherit.variables : undefined;
  const vars = new Map<string, string>();
  for (const [k, v] of globals) {
    if (inherit === false) break;
    if (Array.isArray(inherit) && !inherit.includes(k)) continue;
    vars.set(k, v);
  }
  for (const [k, v] of readVariables(value.variables)) vars.set(k, v);
  return vars;
}

function cacheEntries(value: unknown): Array<Record<string, unknown>> {
  if (Array.isArray(value)) return value.filter(isRecord);
  return isRecord(value) ? [value] : [];
}

function cacheName(entry: Record<string, unknown>, vars: VariableMap): string {
  const key = entry.key;
  if (isRecord(key)) {
    const files = asStringList(key.files);
    const prefix = asString(key.prefix);
    const base = files.length > 0 ? `files:${files.join(',')}` : 'default';
    return expandVariables(prefix === undefined ? base : `${prefix}-${base}`, vars);
  }
  return expandVariables(asString(key) ?? 'default', vars);
}

/** Reads the content of templated job `id`. */
export function jobContent(id: string, def: ResolvedDefinition, jobOrigin: Origin, ctx: JobContext): JobContent {
  const v = def.value;
  const at = (key: string): Origin => first(def.keys.get(key), jobOrigin);
  const vars = jobVariables(v, ctx.globals);
  const hooks = isRecord(v.hooks) ? v.hooks : {};

  const steps: Step[] = [];
  const secretNames = new Map<string, SecretRef>();
  const addSecret = (s: SecretRef): void => {
    const key = `${s.kind}\u0000${s.name}`;
    if (!secretNames.has(key)) secretNames.set(key, s);
  };
  const scanCredentials = (text: string, where: Position): void => {
    for (const name of referencedVariables(text)) {
      if (JOB_TOKEN_VARIABLES.has(name) || vars.has(name) || !isCredentialName(name)) continue;
      addSecret({ name, kind: 'variable', pos: where });
    }
  };

  for (const section of SECTIONS) {
    const raw = section === 'pre_get_sources_script' ? hooks[section] : v[section];
    if (raw === undefined) continue;
    const origins = section === 'pre_get_sources_script' ? def.keys.get('hooks') : def.keys.get(section);
    const o = first(origins, jobOrigin);
    const all = scriptLines(raw);
    const lines = all.filter(runs);
    const text = lines.join('\n');
    scanCredentials(text, position(o));
    const step: Step = { name: section, pos: position(o), run: expandVariables(text, vars) };
    const firstLine = origins?.length === 1 && lines.length === all.length ? runLine(raw, o) : undefined;
    if (firstLine !== undefined) step.runPos = { file: o.file, line: firstLine };
    const from = fromChain(origins ?? [o]);
    if (from.length > 0) step.from = from;
    steps.push(step);
  }
  const own = def.keys.get('variables') ?? [];
  const variablePos = (name: string): Position => {
    const isOwn = isRecord(v.variables) && Object.hasOwn(v.variables, name);
    for (const o of isOwn ? own : []) {
      const line = o.names?.get(name);
      if (line !== undefined) return { file: o.file, line };
    }
    return (isOwn ? undefined : ctx.globalPositions?.get(name)) ?? position(at('variables'));
  };
  for (const s of settingsCredentials(vars, variablePos)) addSecret(s);

  const images: ComponentUse[] = [];
  const image = imageText(v.image);
  if (image !== undefined) {
    const ref = parseImage(expandVariables(image, vars));
    if (ref) images.push({ ref, pos: position(at('image')) });
  }
  const services = Array.isArray(v.services) ? v.services : [];
  for (const s of services) {
    const text = imageText(s);
    const ref = text === undefined ? undefined : parseImage(expandVariables(text, vars));
    if (ref) images.push({ ref, pos: position(at('services')) });
  }

  let oidc = false;
  if (isRecord(v.id_tokens)) {
    for (const name of Object.keys(v.id_tokens)) {
      oidc = true;
      addSecret({ name, kind: 'id-token', pos: position(at('id_tokens')) });
    }
  }
  if (isRecord(v.secrets)) {
    for (const name of Object.keys(v.secrets)) addSecret({ name, kind: 'secret', pos: position(at('secrets')) });
  }
  addSecret({ name: 'CI_JOB_TOKEN', kind: 'ci-token', pos: position(jobOrigin) });
  addSecret(SETTINGS_VARIABLES);

  const tags = asStringList(v.tags).map((t) => expandVariables(t, vars));
  const envName = isRecord(v.environment) ? asString(v.environment.name) : asString(v.environment);

  const produces: ArtifactFlow[] = [];
  const cacheReads: ArtifactFlow[] = [];
  if (isRecord(v.artifacts) && ('paths' in v.artifacts || 'reports' in v.artifacts || 'untracked' in v.artifacts)) {
    produces.push({ via: 'artifact', name: id, pos: position(at('artifacts')) });
  }
  for (const c of cacheEntries(v.cache)) {
    const name = cacheName(c, vars);
    const policy = asString(c.policy);
    const flow: ArtifactFlow = { via: 'cache', name, pos: position(at('cache')) };
    if (policy !== 'pull') produces.push(flow);
    if (policy !== 'push') cacheReads.push(flow);
  }
  const release = isRecord(v.release);
  if (release && isRecord(v.release)) {
    const tag = asString(v.release.tag_name);
    produces.push(tag === undefined ? { via: 'release', pos: position(at('release')) } : { via: 'release', name: expandVariables(tag, vars), pos: position(at('release')) });
  }

  const content: JobContent = {
    stage: asString(v.stage) ?? 'test',
    variables: vars,
    steps,
    images,
    secrets: [...secretNames.values()],
    oidc,
    tags,
    produces,
    cacheReads,
    release,
    pages: v.pages !== undefined && v.pages !== false && v.pages !== null,
  };
  if (envName !== undefined) content.environment = expandVariables(envName, vars);
  if (v.trigger !== undefined) {
    content.trigger = v.trigger;
    content.triggerPos = position(at('trigger'));
  }
  return content;
}

const DEPLOY_WORDS = /(^|[^a-z])(deploy|release|publish|rollout|promote|production)([^a-z]|$)/i;
const DEPLOY_COMMANDS =
  /\b(kubectl\s+(apply|set|rollout|replace|create|patch)|helm\s+(upgrade|install)|terraform\s+apply|(npm|yarn|pnpm)\s+publish|twine\s+upload|gem\s+push|cargo\s+publish|docker\s+push|mvn\s+\S*\s*deploy|gradlew?\s+\S*publish|goreleaser|release-cli|aws\s+s3\s+(sync|cp)|aws\s+ecs\s+update-service|gcloud\s+\S+\s+deploy|firebase\s+deploy|serverless\s+deploy|sls\s+deploy|dpl\s|git\s+push)\b/;

/** Does the job deploy or publish: environment, deploy/release stage, name or commands, `release:`, `pages`. */
export function deploysOf(id: string, content: JobContent): boolean {
  if (content.environment !== undefined || content.release || content.pages || id === 'pages') return true;
  if (DEPLOY_WORDS.test(content.stage) || DEPLOY_WORDS.test(id)) return true;
  return content.steps.some((s) => s.run !== undefined && DEPLOY_COMMANDS.test(s.run));
}
