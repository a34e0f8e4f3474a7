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
import { asString, asStringList, isRecord, loadYaml, type Plain, type YamlFile, type YamlPath, type YamlPlace } from '../../yaml';
import { secretsInText, substituteInputs, type SecretHit } from './expressions';
import { DEPLOY_NAME, stepFlows, type StepFacts } from './flows';
import { parseImage, parseUses, type GhaComponentRef } from './parse';

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
  for (const k of Object.keys(v)) {
    const val = v[k];
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
      // (Loops, not map().filter(): see asStringList.)
      const crons: Trigger[] = [];
      if (Array.isArray(cfg)) {
        for (const c of cfg) {
          const cron = isRecord(c) ? asString(c.cron) : undefined;
          if (cron !== undefined) crons.push(trigger('schedule', cron));
        }
      }
      return crons.length > 0 ? crons : [trigger('schedule')];
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
  const out: Trigger[] = [];
  if (Array.isArray(on)) {
    for (const e of on) if (typeof e === 'string') out.push(...eventTriggers(e, undefined));
  } else if (isRecord(on)) {
    for (const e of Object.keys(on)) out.push(...eventTriggers(e, on[e]));
  }
  return out;
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

/** Where a secret read was found: `path` is the walk's own array, valid during the call only. */
type SecretSink = (hit: SecretHit, path: YamlPath) => void;

/**
 * Reports the secret reads of every string in a value, with its path (keys and indexes); an `if:`
 * value is a condition, an expression as a whole. `path` is one array, extended and cut back as the walk
 * goes; `ancestors` guards against cyclic values (recursive aliases). This walk visits every value of
 * a workflow: strings are looked at in their container's loop (no call, no path) until one may read a secret.
 */
function walkSecrets(value: unknown, path: Array<string | number>, sink: SecretSink, ancestors: unknown[]): void {
  if (typeof value === 'string') {
    const isCondition = path[path.length - 1] === 'if';
    if (mayReadSecrets(value, isCondition)) for (const hit of secretsInText(value, isCondition)) sink(hit, path);
    return;
  }
  if (value === null || typeof value !== 'object' || ancestors.includes(value)) return;
  ancestors.push(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v === 'string' ? mayReadSecrets(v, false) : v !== null && typeof v === 'object') {
        path.push(i);
        walkSecrets(v, path, sink, ancestors);
        path.pop();
      }
    }
  } else {
    const record = value as Record<string, unknown>;
    for (const k of Object.keys(record)) {
      const v = record[k];
      if (typeof v === 'string' ? mayReadSecrets(v, k === 'if') : v !== null && typeof v === 'object') {
        path.push(k);
        walkSecrets(v, path, sink, ancestors);
        path.pop();
      }
    }
  }
  ancestors.pop();
}

/**
 * Whether a string may read a secret: outside a condition only `${{ … }}` is an expression, and every
 * read names `secrets` or `github` (secretsInExpression). Most strings have neither.
 */
function mayReadSecrets(s: string, isCondition: boolean): boolean {
  return (isCondition || s.includes('${{')) && (s.includes('secrets') || s.includes('github'));
}

function secretRef(hit: SecretHit, pos: Position): SecretRef {
  if (hit.kind === 'secret') return { name: hit.name, kind: 'secret', pos };
  if (hit.kind === 'all-secrets') return { name: 'toJSON(secrets)', kind: 'all-secrets', pos };
  return { name: 'GITHUB_TOKEN', kind: 'ci-token', pos };
}

function hitName(hit: SecretHit): string {
  return hit.kind === 'secret' ? hit.name : hit.kind === 'all-secrets' ? 'toJSON(secrets)' : 'GITHUB_TOKEN';
}

/**
 * A path for walkSecrets to extend, starting as `base`. Every walk's path array is made here, at one
 * allocation site, so all have one shape (a `[]` that only gets numbers, or none, has another, and
 * the optimised walk bails out when it first meets it).
 */
function walkPath(base: YamlPath): Array<string | number> {
  const path: Array<string | number> = [];
  for (const k of base) path.push(k);
  return path;
}

/** Secret reads of a value (all its strings), with positions, in the order they are written. */
export function secretsIn(value: unknown, base: YamlPath, file: string, lineOf: (p: YamlPath) => number): SecretRef[] {
  const out: SecretRef[] = [];
  walkSecrets(value, walkPath(base), (hit, path) => out.push(secretRef(hit, { file, line: lineOf(path) })), []);
  return out;
}

/** Secret refs deduplicated by kind and name as they are added (the first kept), as dedupeSecrets does. */
class SecretList {
  readonly refs: SecretRef[] = [];
  private readonly keys = new Set<string>();

  /** Adds the ref that `make` gives unless one of that kind and name is there already. */
  addNew(kind: SecretRef['kind'], name: string, make: () => SecretRef): void {
    const key = `${kind}\u0000${name}`;
    if (this.keys.has(key)) return;
    this.keys.add(key);
    this.refs.push(make());
  }

  add(ref: SecretRef): void {
    this.addNew(ref.kind, ref.name, () => ref);
  }

  addAll(refs: readonly SecretRef[]): void {
    for (const r of refs) this.add(r);
  }
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

/** A file's lines by number (1-based): undefined outside the file. */
interface LineSource {
  line(n: number): string | undefined;
  /** Whether line `n` exists (`n` an integer). */
  has(n: number): boolean;
  count(): number;
}

/**
 * The lines of a file, found as they are asked for: the model needs only the `uses:` and `run:` lines,
 * and splitting every file into an array of lines cost more than finding those. Line `n` is
 * `text.split('\n')[n - 1]`.
 */
class TextLines implements LineSource {
  /** Offsets where the lines found so far start; complete once `scanned`. */
  private readonly starts: number[] = [0];
  private scanned = false;

  constructor(private readonly text: string) {}

  /** Finds line starts until `n` are known or the text ends. */
  private scanTo(n: number): void {
    const { text, starts } = this;
    while (!this.scanned && starts.length < n) {
      const nl = text.indexOf('\n', starts[starts.length - 1]);
      if (nl < 0) this.scanned = true;
      else starts.push(nl + 1);
    }
  }

  line(n: number): string | undefined {
    if (!Number.isInteger(n) || n < 1) return undefined;
    this.scanTo(n + 1);
    const { starts } = this;
    if (n > starts.length) return undefined;
    const start = starts[n - 1] ?? 0;
    const next = starts[n];
    return this.text.slice(start, next === undefined ? this.text.length : next - 1);
  }

  has(n: number): boolean {
    this.scanTo(n);
    return n >= 1 && n <= this.starts.length;
  }

  count(): number {
    this.scanTo(Infinity);
    return this.starts.length;
  }
}

function arrayLines(lines: readonly string[]): LineSource {
  return { line: (n) => lines[n - 1], has: (n) => n >= 1 && n <= lines.length, count: () => lines.length };
}

/**
 * The line where the scalar written at `key:` on `keyLine` starts: the key line for `run: make`, the
 * first non-blank line after it for block scalars (`run: |`) and values on their own lines.
 */
export function valueLine(lines: readonly string[], keyLine: number, key: string): number {
  return valueLineIn(arrayLines(lines), keyLine, key);
}

function valueLineIn(lines: LineSource, keyLine: number, key: string): number {
  const text = lines.line(keyLine);
  if (text === undefined) return keyLine;
  const m = keyPattern(key).exec(text);
  if (!m) return keyLine;
  const rest = (m[1] ?? '').trim();
  if (rest !== '' && !rest.startsWith('#') && !/^[|>][-+0-9]*\s*(?:#.*)?$/.test(rest)) return keyLine;
  // The first non-blank line after the key, not past the last line. (`line < count` is asked as "is
  // there a line after `line`": counting every line of the file is needed only at its end.)
  let line = keyLine + 1;
  while (lines.has(line + 1) && (lines.line(line) ?? '').trim() === '') line++;
  if (lines.has(line + 1)) return line;
  return Math.min(line, Math.max(lines.count(), keyLine));
}

interface Ctx {
  repo: string;
  file: string;
  lines: LineSource;
  y: YamlFile;
  errors: ScanError[];
  inputs?: Record<string, string>;
}

/** An error at `path` (below `from`, a place of ctx.y, when given). */
function problem(ctx: Ctx, code: string, message: string, path: YamlPath, from?: YamlPlace): void {
  ctx.errors.push({ repo: ctx.repo, file: ctx.file, line: ctx.y.lineOf(path, from), code, message });
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

/** parseUses' answers by text: the same few values (`actions/checkout@v4`, …) come back step after step. */
const USES_REFS = new Map<string, GhaComponentRef | undefined>();

/** parseUses(text), remembered; each caller gets its own copy (a ref is flat: a shallow copy is whole). */
function usesRef(text: string): GhaComponentRef | undefined {
  let ref = USES_REFS.get(text);
  if (ref === undefined && !USES_REFS.has(text)) {
    ref = parseUses(text);
    if (USES_REFS.size >= 4096) USES_REFS.clear();
    USES_REFS.set(text, ref);
  }
  return ref === undefined ? undefined : { ...ref };
}

/** The component `uses:` names (at `path` below `from`, a job's or step's place). */
function componentUse(ctx: Ctx, raw: unknown, path: YamlPath, from: YamlPlace, withValue: unknown): ComponentUse | undefined {
  const text = asString(raw);
  const ref = text === undefined ? undefined : usesRef(text);
  if (!ref) {
    problem(ctx, 'gha-bad-uses', `uses: ${JSON.stringify(text ?? raw ?? null).slice(0, 120)} is not an action, reusable workflow or docker:// image reference`, path, from);
    return undefined;
  }
  const use: ComponentUse = { ref, pos: { file: ctx.file, line: ctx.y.lineOf(path, from) } };
  if (withValue !== undefined) {
    const inputs = subInputs(ctx, stringInputs(withValue));
    if (Object.keys(inputs).length > 0) use.inputs = inputs;
  }
  const label = shaPinLabel(ctx.lines.line(use.pos.line));
  if (label !== undefined) use.label = label;
  return use;
}

const SHA_PIN_LABEL = /@[0-9a-f]{40}["']?\s+#\s*(?:tag[=:]\s*|version[=:]\s*|pin\s+@)?(v?\d+(?:\.\d+){0,2})(?![\w.-])/i;

/** `v4.2.1` from `uses: owner/repo@<40 hex> # v4.2.1` (also `# tag=v4.2.1`); undefined without such a comment. */
export function shaPinLabel(line: string | undefined): string | undefined {
  // The comment's `#` comes after `@`, 40 hex digits and a space: no `#` from offset 42 on, no label.
  if (line === undefined || line.indexOf('#', 42) < 0) return undefined;
  return SHA_PIN_LABEL.exec(line)?.[1];
}

/** A container or service image (at `path` below the job's place `from`). */
function imageUse(ctx: Ctx, v: unknown, path: YamlPath, from: YamlPlace): ComponentUse | undefined {
  const text = isRecord(v) ? asString(v.image) : asString(v);
  const at = isRecord(v) ? [...path, 'image'] : path;
  if (text === undefined || text.includes('${{')) return undefined;
  const ref = parseImage(text);
  if (!ref) {
    problem(ctx, 'gha-bad-image', `image ${JSON.stringify(text).slice(0, 120)} is not a container image reference`, at, from);
    return undefined;
  }
  return { ref, pos: { file: ctx.file, line: ctx.y.lineOf(at, from) } };
}

/** `defaults.run.working-directory` of a job or workflow. */
function defaultsWorkdir(node: unknown): string | undefined {
  return isRecord(node) && isRecord(node.defaults) && isRecord(node.defaults.run) ? asString(node.defaults.run['working-directory']) : undefined;
}

/** What a job is built from, filled in step by step. */
interface JobParts {
  steps: Step[];
  produces: ArtifactFlow[];
  consumes: ArtifactFlow[];
  deploys: boolean;
  /** The working directory of steps that name none: the job's default, else the workflow's (read once, when first needed). */
  workdir: () => string | undefined;
}

/** Parses step `index` of the job at place `job` (its lines are looked up from there) into `parts`. */
function parseStep(ctx: Ctx, raw: unknown, job: YamlPlace, index: number, parts: JobParts): void {
  if (!isRecord(raw)) {
    problem(ctx, 'gha-bad-step', `step ${index + 1} is not a mapping`, ['steps', index], job);
    return;
  }
  const at = ctx.y.placeOf(['steps', index], job);
  const pos: Position = { file: ctx.file, line: at.line };
  const uses = raw.uses === undefined ? undefined : componentUse(ctx, raw.uses, ['uses'], at, raw.with);
  const runText = asString(raw.run);
  const run = runText === undefined ? undefined : sub(ctx, runText);
  const given = asString(raw.name);
  const name = given ?? (raw.uses !== undefined ? `uses: ${asString(raw.uses) ?? '?'}` : run !== undefined ? `run: ${firstLine(run)}` : `step ${index + 1}`);
  const step: Step = { name, pos };
  if (uses) step.uses = uses;
  if (run !== undefined) {
    step.run = run;
    step.runPos = { file: ctx.file, line: valueLineIn(ctx.lines, ctx.y.lineOf(['run'], at), 'run') };
    const workdir = asString(raw['working-directory']) ?? parts.workdir();
    if (workdir !== undefined) step.workdir = workdir;
  }
  // (Built field by field: the conditional spreads cost more than the rest of the step.)
  const facts: StepFacts = { inputs: uses?.inputs ?? {}, pos };
  if (uses) facts.ref = uses.ref;
  if (run !== undefined) facts.run = run;
  if (given !== undefined) facts.name = given;
  const flows = stepFlows(facts);
  // Where the step is in the run (`Job.sequence` is `steps`): an artifact holds what its upload step found.
  // (The flows are this step's own new objects: `at` is set on them rather than on copies.)
  const place = parts.steps.length;
  parts.steps.push(step);
  for (const f of flows.produces) {
    f.at = place;
    parts.produces.push(f);
  }
  for (const f of flows.consumes) {
    f.at = place;
    parts.consumes.push(f);
  }
  if (flows.deploys) parts.deploys = true;
}

/** What every job of a workflow shares (read-only for the jobs). */
interface WorkflowParts {
  name: string;
  triggers: Trigger[];
  permissions?: Permissions;
  envSecrets: SecretRef[];
}

function parseJob(ctx: Ctx, id: string, raw: Plain, wf: WorkflowParts): Job {
  // Every line of the job is looked up from its place, not from the root.
  const at = ctx.y.placeOf(['jobs', id]);
  const pos: Position = { file: ctx.file, line: at.line };

  const jobPermissions = permissionsOf(raw.permissions, (m, p) => problem(ctx, 'gha-bad-permissions', m, ['permissions', ...p], at));
  const permissions: Permissions = jobPermissions ?? wf.permissions ?? { kind: 'default' };
  const oidc = grantsOidc(permissions);
  const env = raw.environment;
  const environment = isRecord(env) ? asString(env.name) : asString(env);

  const uses: ComponentUse[] = [];
  const addUse = (u: ComponentUse | undefined): void => {
    if (u) uses.push(u);
  };
  if (raw.uses !== undefined) addUse(componentUse(ctx, raw.uses, ['uses'], at, raw.with));
  if (raw.container !== undefined) addUse(imageUse(ctx, raw.container, ['container'], at));
  if (isRecord(raw.services)) {
    for (const [svc, def] of Object.entries(raw.services)) addUse(imageUse(ctx, def, ['services', svc], at));
  }

  let workdir: { value: string | undefined } | undefined;
  const parts: JobParts = {
    steps: [],
    produces: [],
    consumes: [],
    deploys: environment !== undefined || DEPLOY_NAME.test(id) || (typeof raw.name === 'string' && DEPLOY_NAME.test(raw.name)),
    workdir: () => (workdir ??= { value: defaultsWorkdir(raw) ?? defaultsWorkdir(ctx.y.value) }).value,
  };
  if (raw.steps !== undefined && !Array.isArray(raw.steps)) problem(ctx, 'gha-bad-steps', `steps of job ${id} must be a list`, ['steps'], at);
  if (Array.isArray(raw.steps)) {
    for (let i = 0; i < raw.steps.length; i++) parseStep(ctx, raw.steps[i], at, i, parts);
  }

  // Deduplicated by kind and name as they come (the first place a secret is named is kept), so a
  // repeated read needs no position.
  const secrets = new SecretList();
  if (raw.secrets === 'inherit') secrets.add({ name: 'inherit', kind: 'inherit', pos: { file: ctx.file, line: ctx.y.lineOf(['secrets'], at) } });
  secrets.addAll(wf.envSecrets);
  // Paths below the job, looked up from its place.
  const lineOf = (p: YamlPath): number => ctx.y.lineOf(p, at);
  walkSecrets(raw, walkPath([]), (hit, path) => secrets.addNew(hit.kind, hitName(hit), () => secretRef(hit, { file: ctx.file, line: lineOf(path) })), []);
  if (raw.env !== undefined) secrets.addAll(literalCredentials(raw.env, ['env'], ctx.file, lineOf));
  if (Array.isArray(raw.steps)) {
    for (let i = 0; i < raw.steps.length; i++) {
      const s: unknown = raw.steps[i];
      if (isRecord(s) && s.env !== undefined) secrets.addAll(literalCredentials(s.env, ['steps', i, 'env'], ctx.file, lineOf));
    }
  }
  if (environment !== undefined) secrets.add({ name: environment, kind: 'environment', pos: { file: ctx.file, line: lineOf(['environment']) } });
  if (oidc) {
    const line = jobPermissions ? lineOf(['permissions']) : ctx.y.lineOf(['permissions']);
    secrets.add({ name: 'id-token', kind: 'id-token', pos: { file: ctx.file, line } });
  }
  // The job token is always there; its power is `permissions`. Keep the first place it is named, if any.
  secrets.add({ name: 'GITHUB_TOKEN', kind: 'ci-token' });

  const job: Job = {
    id,
    name: asString(raw.name) ?? id,
    pos,
    workflow: wf.name,
    triggers: wf.triggers,
    needs: asStringList(raw.needs),
    runner: raw['runs-on'] === undefined ? { selfHosted: false, labels: [] } : runnerOf(raw['runs-on']),
    steps: parts.steps,
    uses,
    secrets: secrets.refs,
    contexts: [],
    permissions,
    oidc,
    produces: parts.produces,
    consumes: parts.consumes,
    deploys: parts.deploys,
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
  // The reader's lines when it split the text anyway; else found as they are asked for.
  const ctx: Ctx = { repo, file, lines: y.lines ? arrayLines(y.lines) : new TextLines(source.text), y, errors: [...y.errors] };
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

  const wf: WorkflowParts = permissions ? { name, triggers, permissions, envSecrets } : { name, triggers, envSecrets };
  const jobs: Job[] = [];
  for (const [id, raw] of Object.entries(doc.jobs)) {
    if (!isRecord(raw)) {
      problem(ctx, 'gha-bad-job', `job ${id} is not a mapping`, ['jobs', id]);
      continue;
    }
    jobs.push(parseJob(ctx, id, raw, wf));
  }
  return {
    pipeline: { platform: 'github-actions', repo, file, name, triggers, jobs, uses: [], errors: ctx.errors },
    errors: [],
  };
}
