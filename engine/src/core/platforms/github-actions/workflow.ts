/**
 * One GitHub Actions workflow file → one Pipeline: triggers, and per job its runner, token
 * permissions, OIDC, environment, secrets (by name), components (`uses:`, container and service
 * images, reusable workflows), steps, artifact/cache flows and whether it deploys. Never throws:
 * problems become located ScanErrors. Expressions are left as written.
 */
import type {
  ArtifactFlow,
  ComponentUse,
  Job,
  Permissions,
  Pipeline,
  Position,
  Runner,
  ScanError,
  SecretRef,
  SourceFile,
  Step,
  Trigger,
} from '../../model';
import { isCredentialName } from '../../credential-names';
import { asString, asStringList, isRecord, loadYaml, type Plain, type YamlFile, type YamlPath } from '../../yaml';
import { secretsInText, substituteInputs } from './expressions';
import { DEPLOY_NAME, stepFlows, type StepFacts } from './flows';
import { parseImage, parseUses } from './parse';

export interface WorkflowOptions {
  /**
   * Values for `${{ inputs.x }}` when the workflow is read as a reusable workflow called with `with:`
   * (the workflow's own `on.workflow_call.inputs.<x>.default` fill the rest).
   */
  callInputs?: Record<string, string>;
}

export interface WorkflowResult {
  /** Undefined when the file is not a usable workflow (the errors say why). */
  pipeline?: Pipeline;
  /** Errors of a file that gave no pipeline (a pipeline carries its own in `pipeline.errors`). */
  errors: ScanError[];
}

/** Runner images GitHub hosts; any other label names a self-hosted (or custom larger) runner. */
const HOSTED_LABEL = /^(?:ubuntu|windows|macos)-[\w.-]+$/i;

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** `with:` values as strings (numbers and booleans as written, structures as JSON). */
export function stringInputs(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(v)) return out;
  for (const [k, val] of Object.entries(v)) {
    const s = asString(val);
    if (s !== undefined) out[k] = s;
    else if (val === null || val === undefined) out[k] = '';
    else out[k] = JSON.stringify(val);
  }
  return out;
}

function trigger(kind: Trigger['kind'], detail?: string): Trigger {
  return detail === undefined || detail === '' ? { kind } : { kind, detail };
}

function filterDetail(cfg: unknown, keys: string[]): string | undefined {
  if (!isRecord(cfg)) return undefined;
  const parts: string[] = [];
  for (const k of keys) {
    const list = asStringList(cfg[k]);
    if (list.length > 0) parts.push(`${k}: ${list.join(', ')}`);
  }
  return parts.length > 0 ? parts.join('; ') : undefined;
}

const FORK_NOTE = 'fork pull requests run without secrets and with a read-only GITHUB_TOKEN';
const TARGET_NOTE = "runs in the base repository's context with its secrets and a write token, also for fork pull requests";

function eventTriggers(event: string, cfg: unknown): Trigger[] {
  switch (event) {
    case 'push': {
      const out: Trigger[] = [];
      const hasTags = isRecord(cfg) && (cfg.tags !== undefined || cfg['tags-ignore'] !== undefined);
      const hasBranches = isRecord(cfg) && (cfg.branches !== undefined || cfg['branches-ignore'] !== undefined);
      if (!hasTags || hasBranches) out.push(trigger('push', filterDetail(cfg, ['branches', 'branches-ignore', 'paths'])));
      if (hasTags) out.push(trigger('tag', filterDetail(cfg, ['tags', 'tags-ignore'])));
      return out;
    }
    case 'pull_request': {
      const filters = filterDetail(cfg, ['branches', 'types']);
      return [trigger('pull_request', filters ? `${FORK_NOTE} (${filters})` : FORK_NOTE)];
    }
    case 'pull_request_target': {
      const filters = filterDetail(cfg, ['branches', 'types']);
      return [trigger('pull_request_target', filters ? `${TARGET_NOTE} (${filters})` : TARGET_NOTE)];
    }
    case 'workflow_run': {
      const upstream = isRecord(cfg) ? asStringList(cfg.workflows) : [];
      const types = isRecord(cfg) ? asStringList(cfg.types) : [];
      const detail = upstream.length > 0 ? `after ${upstream.join(', ')}${types.length > 0 ? ` (${types.join(', ')})` : ''}` : undefined;
      return [trigger('workflow_run', detail)];
    }
    case 'schedule': {
      const crons = Array.isArray(cfg) ? cfg.map((c) => (isRecord(c) ? asString(c.cron) : undefined)).filter((c): c is string => c !== undefined) : [];
      return crons.length > 0 ? crons.map((c) => trigger('schedule', c)) : [trigger('schedule')];
    }
    case 'workflow_dispatch':
    case 'workflow_call':
      return [trigger(event)];
    case 'repository_dispatch':
      return [trigger('api', filterDetail(cfg, ['types']) ?? 'repository_dispatch')];
    default:
      return [trigger('other', event)];
  }
}

/** Triggers of `on:` written as a string, a list or a map. */
export function triggersOf(on: unknown): Trigger[] {
  if (typeof on === 'string') return eventTriggers(on, undefined);
  if (Array.isArray(on)) return on.flatMap((e) => (typeof e === 'string' ? eventTriggers(e, undefined) : []));
  if (isRecord(on)) return Object.entries(on).flatMap(([e, cfg]) => eventTriggers(e, cfg));
  return [];
}

/** `runs-on` as a string, a list of labels, or `{group, labels}`. */
export function runnerOf(v: unknown): Runner {
  let labels: string[];
  if (isRecord(v)) {
    const group = asString(v.group);
    labels = [...(group !== undefined ? [`group:${group}`] : []), ...asStringList(v.labels)];
  } else {
    labels = asStringList(v);
  }
  const selfHosted =
    labels.some((l) => l.trim().toLowerCase() === 'self-hosted') || labels.some((l) => !l.includes('${{') && !HOSTED_LABEL.test(l.trim()));
  return { selfHosted, labels };
}

type Level = 'read' | 'write' | 'none';
function isLevel(v: unknown): v is Level {
  return v === 'read' || v === 'write' || v === 'none';
}

/** `permissions:` → Permissions, or undefined when absent. Bad values are reported through `problem`. */
export function permissionsOf(v: unknown, problem: (message: string, path: YamlPath) => void): Permissions | undefined {
  if (v === undefined || v === null) return undefined;
  if (v === 'read-all') return { kind: 'read-all' };
  if (v === 'write-all') return { kind: 'write-all' };
  if (isRecord(v)) {
    const scopes: Record<string, Level> = {};
    for (const [scope, level] of Object.entries(v)) {
      if (isLevel(level)) scopes[scope] = level;
      else problem(`permission "${scope}" must be read, write or none`, [scope]);
    }
    return { kind: 'scopes', scopes };
  }
  problem('permissions must be read-all, write-all or a map of scopes', []);
  return undefined;
}

export function grantsOidc(p: Permissions): boolean {
  return p.kind === 'write-all' || (p.kind === 'scopes' && p.scopes['id-token'] === 'write');
}

/**
 * Visits every string in a value with its path (keys and indexes); `isCondition` for `if:` values.
 * `path` is one array, extended and cut back as the walk goes: a visitor reads it during its call and
 * keeps a copy if it needs one. Guards against cyclic values (recursive aliases).
 */
function eachString(value: unknown, path: Array<string | number>, visit: (s: string, path: YamlPath, isCondition: boolean) => void, seen = new Set<unknown>()): void {
  if (typeof value === 'string') {
    visit(value, path, path[path.length - 1] === 'if');
    return;
  }
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      eachString(value[i], path, visit, seen);
      path.pop();
    }
  } else {
    const record = value as Record<string, unknown>;
    for (const k of Object.keys(record)) {
      path.push(k);
      eachString(record[k], path, visit, seen);
      path.pop();
    }
  }
  seen.delete(value);
}

/** Secret reads of a value (all its strings), with positions; deduplicated by kind and name. */
export function secretsIn(value: unknown, base: YamlPath, file: string, lineOf: (p: YamlPath) => number): SecretRef[] {
  const out: SecretRef[] = [];
  eachString(value, [...base], (s, path, isCondition) => {
    // Every read names `secrets` or `github` (secretsInExpression); nothing else has to be looked at.
    if (!s.includes('secrets') && !s.includes('github')) return;
    for (const hit of secretsInText(s, isCondition)) {
      const pos: Position = { file, line: lineOf(path) };
      if (hit.kind === 'secret') out.push({ name: hit.name, kind: 'secret', pos });
      else if (hit.kind === 'all-secrets') out.push({ name: 'toJSON(secrets)', kind: 'all-secrets', pos });
      else out.push({ name: 'GITHUB_TOKEN', kind: 'ci-token', pos });
    }
  });
  return out;
}

/**
 * Credentials written into the file itself: an `env:` entry with a credential-looking name and a
 * literal value (`NPM_TOKEN: npm_abc…`), not an expression. The job can read it like any secret; the
 * name is reported, never the value.
 */
export function literalCredentials(env: unknown, base: YamlPath, file: string, lineOf: (p: YamlPath) => number): SecretRef[] {
  if (!isRecord(env)) return [];
  const out: SecretRef[] = [];
  for (const [name, value] of Object.entries(env)) {
    const text = asString(value);
    if (text === undefined || text.trim() === '' || text.includes('${{') || !isCredentialName(name)) continue;
    out.push({ name: `${name} (literal value in the file)`, kind: 'variable', pos: { file, line: lineOf([...base, name]) } });
  }
  return out;
}

export function dedupeSecrets(refs: SecretRef[]): SecretRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const key = `${r.kind}\u0000${r.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The first line of a script that is neither blank nor a comment (for a synthesised step name). */
function firstLine(s: string): string {
  let firstText: string | undefined;
  for (let start = 0; start <= s.length; ) {
    let end = s.indexOf('\n', start);
    if (end < 0) end = s.length;
    const l = s.slice(start, end).trim();
    if (l !== '') {
      if (!l.startsWith('#')) return l;
      firstText ??= l;
    }
    start = end + 1;
  }
  return firstText ?? '';
}

/** `key:` anywhere on a line, and what follows it (one expression per key, made once). */
const KEY_PATTERNS = new Map<string, RegExp>();

function keyPattern(key: string): RegExp {
  let re = KEY_PATTERNS.get(key);
  if (re === undefined) {
    const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    re = new RegExp(`(?:^|[\\s{,-])${escaped}\\s*:(.*)$`);
    if (KEY_PATTERNS.size < 64) KEY_PATTERNS.set(key, re);
  }
  return re;
}

/**
 * The line where the scalar written at `key:` on `keyLine` starts: the key line for `run: make`, the
 * first non-blank line after it for block scalars (`run: |`) and values on their own lines.
 */
export function valueLine(lines: readonly string[], keyLine: number, key: string): number {
  const text = lines[keyLine - 1];
  if (text === undefined) return keyLine;
  const m = keyPattern(key).exec(text);
  if (!m) return keyLine;
  const rest = (m[1] ?? '').trim();
  if (rest !== '' && !rest.startsWith('#') && !/^[|>][-+0-9]*\s*(?:#.*)?$/.test(rest)) return keyLine;
  let line = keyLine + 1;
  while (line < lines.length && (lines[line - 1] ?? '').trim() === '') line++;
  return Math.min(line, Math.max(lines.length, keyLine));
}

interface Ctx {
  repo: string;
  file: string;
  lines: string[];
  y: YamlFile;
  errors: ScanError[];
  inputs?: Record<string, string>;
}

function problem(ctx: Ctx, code: string, message: string, path: YamlPath): void {
  ctx.errors.push({ repo: ctx.repo, file: ctx.file, line: ctx.y.lineOf(path), code, message });
}

function sub(ctx: Ctx, s: string): string {
  return ctx.inputs ? substituteInputs(s, ctx.inputs) : s;
}

function subInputs(ctx: Ctx, inputs: Record<string, string>): Record<string, string> {
  if (!ctx.inputs) return inputs;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(inputs)) out[k] = sub(ctx, v);
  return out;
}

function componentUse(ctx: Ctx, raw: unknown, path: YamlPath, withValue: unknown): ComponentUse | undefined {
  const text = asString(raw);
  const ref = text === undefined ? undefined : parseUses(text);
  if (!ref) {
    problem(ctx, 'gha-bad-uses', `uses: ${JSON.stringify(text ?? raw ?? null).slice(0, 120)} is not an action, reusable workflow or docker:// image reference`, path);
    return undefined;
  }
  const use: ComponentUse = { ref, pos: { file: ctx.file, line: ctx.y.lineOf(path) } };
  const inputs = subInputs(ctx, stringInputs(withValue));
  if (Object.keys(inputs).length > 0) use.inputs = inputs;
  const label = shaPinLabel(ctx.lines[use.pos.line - 1]);
  if (label !== undefined) use.label = label;
  return use;
}

const SHA_PIN_LABEL = /@[0-9a-f]{40}["']?\s+#\s*(?:tag[=:]\s*|version[=:]\s*|pin\s+@)?(v?\d+(?:\.\d+){0,2})(?![\w.-])/i;

/** `v4.2.1` from `uses: owner/repo@<40 hex> # v4.2.1` (also `# tag=v4.2.1`); undefined without such a comment. */
export function shaPinLabel(line: string | undefined): string | undefined {
  return line === undefined ? undefined : SHA_PIN_LABEL.exec(line)?.[1];
}

function imageUse(ctx: Ctx, v: unknown, path: YamlPath): ComponentUse | undefined {
  const text = isRecord(v) ? asString(v.image) : asString(v);
  const at = isRecord(v) ? [...path, 'image'] : path;
  if (text === undefined || text.includes('${{')) return undefined;
  const ref = parseImage(text);
  if (!ref) {
    problem(ctx, 'gha-bad-image', `image ${JSON.stringify(text).slice(0, 120)} is not a container image reference`, at);
    return undefined;
  }
  return { ref, pos: { file: ctx.file, line: ctx.y.lineOf(at) } };
}

/** `defaults.run.working-directory` of the step's job (`path` is `['jobs', id, 'steps', i]`), else of the workflow. */
function defaultWorkdir(ctx: Ctx, path: YamlPath): string | undefined {
  const of = (node: unknown): string | undefined => (isRecord(node) && isRecord(node.defaults) && isRecord(node.defaults.run) ? asString(node.defaults.run['working-directory']) : undefined);
  const doc = ctx.y.value;
  const job = isRecord(doc) && isRecord(doc.jobs) && typeof path[1] === 'string' ? doc.jobs[path[1]] : undefined;
  return of(job) ?? of(doc);
}

function parseStep(ctx: Ctx, raw: unknown, path: YamlPath, index: number): { step: Step; produces: ArtifactFlow[]; consumes: ArtifactFlow[]; deploys: boolean } | undefined {
  if (!isRecord(raw)) {
    problem(ctx, 'gha-bad-step', `step ${index + 1} is not a mapping`, path);
    return undefined;
  }
  const pos: Position = { file: ctx.file, line: ctx.y.lineOf(path) };
  const uses = raw.uses === undefined ? undefined : componentUse(ctx, raw.uses, [...path, 'uses'], raw.with);
  const runText = asString(raw.run);
  const run = runText === undefined ? undefined : sub(ctx, runText);
  const given = asString(raw.name);
  const name = given ?? (raw.uses !== undefined ? `uses: ${asString(raw.uses) ?? '?'}` : run !== undefined ? `run: ${firstLine(run)}` : `step ${index + 1}`);
  const step: Step = { name, pos };
  if (uses) step.uses = uses;
  if (run !== undefined) {
    step.run = run;
    step.runPos = { file: ctx.file, line: valueLine(ctx.lines, ctx.y.lineOf([...path, 'run']), 'run') };
    const workdir = asString(raw['working-directory']) ?? defaultWorkdir(ctx, path);
    if (workdir !== undefined) step.workdir = workdir;
  }
  // (Built field by field: the conditional spreads cost more than the rest of the step.)
  const facts: StepFacts = { inputs: uses?.inputs ?? {}, pos };
  if (uses) facts.ref = uses.ref;
  if (run !== undefined) facts.run = run;
  if (given !== undefined) facts.name = given;
  const flows = stepFlows(facts);
  return { step, produces: flows.produces, consumes: flows.consumes, deploys: flows.deploys };
}

function parseJob(ctx: Ctx, id: string, raw: Plain, wf: { name: string; triggers: Trigger[]; permissions?: Permissions; envSecrets: SecretRef[] }): Job {
  const base: YamlPath = ['jobs', id];
  const at = (...p: YamlPath): YamlPath => [...base, ...p];
  const pos: Position = { file: ctx.file, line: ctx.y.lineOf(base) };

  const jobPermissions = permissionsOf(raw.permissions, (m, p) => problem(ctx, 'gha-bad-permissions', m, at('permissions', ...p)));
  const permissions: Permissions = jobPermissions ?? wf.permissions ?? { kind: 'default' };
  const oidc = grantsOidc(permissions);
  const env = raw.environment;
  const environment = isRecord(env) ? asString(env.name) : asString(env);

  const uses: ComponentUse[] = [];
  const addUse = (u: ComponentUse | undefined): void => {
    if (u) uses.push(u);
  };
  if (raw.uses !== undefined) addUse(componentUse(ctx, raw.uses, at('uses'), raw.with));
  if (raw.container !== undefined) addUse(imageUse(ctx, raw.container, at('container')));
  if (isRecord(raw.services)) {
    for (const [svc, def] of Object.entries(raw.services)) addUse(imageUse(ctx, def, at('services', svc)));
  }

  const steps: Step[] = [];
  const produces: ArtifactFlow[] = [];
  const consumes: ArtifactFlow[] = [];
  let deploys = environment !== undefined || DEPLOY_NAME.test(id) || (typeof raw.name === 'string' && DEPLOY_NAME.test(raw.name));
  if (raw.steps !== undefined && !Array.isArray(raw.steps)) problem(ctx, 'gha-bad-steps', `steps of job ${id} must be a list`, at('steps'));
  if (Array.isArray(raw.steps)) {
    raw.steps.forEach((s, i) => {
      const parsed = parseStep(ctx, s, at('steps', i), i);
      if (!parsed) return;
      // Where the step is in the run (`Job.sequence` is `steps`): an artifact holds what its upload step found.
      const place = steps.length;
      steps.push(parsed.step);
      produces.push(...parsed.produces.map((f) => ({ ...f, at: place })));
      consumes.push(...parsed.consumes.map((f) => ({ ...f, at: place })));
      deploys ||= parsed.deploys;
    });
  }

  const secrets: SecretRef[] = [];
  if (raw.secrets === 'inherit') secrets.push({ name: 'inherit', kind: 'inherit', pos: { file: ctx.file, line: ctx.y.lineOf(at('secrets')) } });
  secrets.push(...wf.envSecrets, ...secretsIn(raw, base, ctx.file, (p) => ctx.y.lineOf(p)));
  const lineOf = (p: YamlPath): number => ctx.y.lineOf(p);
  secrets.push(...literalCredentials(raw.env, at('env'), ctx.file, lineOf));
  if (Array.isArray(raw.steps)) raw.steps.forEach((s, i) => secrets.push(...literalCredentials(isRecord(s) ? s.env : undefined, at('steps', i, 'env'), ctx.file, lineOf)));
  if (environment !== undefined) secrets.push({ name: environment, kind: 'environment', pos: { file: ctx.file, line: ctx.y.lineOf(at('environment')) } });
  if (oidc) {
    const line = jobPermissions ? ctx.y.lineOf(at('permissions')) : ctx.y.lineOf(['permissions']);
    secrets.push({ name: 'id-token', kind: 'id-token', pos: { file: ctx.file, line } });
  }
  // The job token is always there; its power is `permissions`. Keep the first place it is named, if any.
  secrets.push({ name: 'GITHUB_TOKEN', kind: 'ci-token' });

  const job: Job = {
    id,
    name: asString(raw.name) ?? id,
    pos,
    workflow: wf.name,
    triggers: wf.triggers,
    needs: asStringList(raw.needs),
    runner: raw['runs-on'] === undefined ? { selfHosted: false, labels: [] } : runnerOf(raw['runs-on']),
    steps,
    uses,
    secrets: dedupeSecrets(secrets),
    contexts: [],
    permissions,
    oidc,
    produces,
    consumes,
    deploys,
  };
  if (environment !== undefined) job.environment = environment;
  return job;
}

/** Defaults of `on.workflow_call.inputs`, overridden by the caller's values. */
function callInputs(doc: Plain, given: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const on = doc.on;
  const call = isRecord(on) ? on.workflow_call : undefined;
  const inputs = isRecord(call) ? call.inputs : undefined;
  if (isRecord(inputs)) {
    for (const [k, def] of Object.entries(inputs)) {
      const d = isRecord(def) ? asString(def.default) : undefined;
      if (d !== undefined) out[k] = d;
    }
  }
  return { ...out, ...given };
}

/** Parses one workflow file. Never throws. */
export function parseWorkflow(repo: string, source: SourceFile, options: WorkflowOptions = {}): WorkflowResult {
  const file = source.path;
  const y = loadYaml(repo, source);
  if (y.value === undefined || y.value === null) {
    return { errors: y.errors.length > 0 ? y.errors : [{ repo, file, line: 1, code: 'gha-empty', message: 'the workflow file is empty' }] };
  }
  const ctx: Ctx = { repo, file, lines: source.text.split('\n'), y, errors: [...y.errors] };
  const doc = y.value;
  if (!isRecord(doc)) {
    problem(ctx, 'gha-not-a-mapping', 'a workflow must be a mapping with `on` and `jobs`', []);
    return { errors: ctx.errors };
  }
  if (!isRecord(doc.jobs)) {
    problem(ctx, 'gha-no-jobs', doc.jobs === undefined ? 'the workflow has no `jobs`' : '`jobs` must be a mapping of job ids to jobs', doc.jobs === undefined ? [] : ['jobs']);
    return { errors: ctx.errors };
  }
  if (options.callInputs) ctx.inputs = callInputs(doc, options.callInputs);

  const name = asString(doc.name) ?? baseName(file);
  const triggers = triggersOf(doc.on);
  if (doc.on === undefined) problem(ctx, 'gha-no-triggers', 'the workflow has no `on` (it never runs)', []);
  const permissions = permissionsOf(doc.permissions, (m, p) => problem(ctx, 'gha-bad-permissions', m, ['permissions', ...p]));
  const envSecrets = [...secretsIn(doc.env, ['env'], file, (p) => y.lineOf(p)), ...literalCredentials(doc.env, ['env'], file, (p) => y.lineOf(p))];

  const jobs: Job[] = [];
  for (const [id, raw] of Object.entries(doc.jobs)) {
    if (!isRecord(raw)) {
      problem(ctx, 'gha-bad-job', `job ${id} is not a mapping`, ['jobs', id]);
      continue;
    }
    jobs.push(parseJob(ctx, id, raw, { name, triggers, ...(permissions ? { permissions } : {}), envSecrets }));
  }
  return {
    pipeline: { platform: 'github-actions', repo, file, name, triggers, jobs, uses: [], errors: ctx.errors },
    errors: [],
  };
}
