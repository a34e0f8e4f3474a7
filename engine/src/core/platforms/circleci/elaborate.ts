/**
 * Expands CircleCI jobs and steps into the model: parameters substituted, local (and inline-orb)
 * commands and executors inlined, registry-orb commands/executors kept as component uses, workspace /
 * cache / artifact flows, credential names and deploy signals collected. Shared by `parse` (the config)
 * and `expand` (an orb's own source).
 */
import type { ArtifactFlow, ComponentUse, OrbRef, Position, Runner, ScanError, SecretRef, SequencedStep, Step } from '../../model';
import { asString, asStringList, isRecord, type Plain, type YamlPath } from '../../yaml';
import { type Defs, posIn } from './definitions';
import { bindParameters, type ParamScope, stringify, substitute } from './params';
import type { LoadedOrb } from './orb-source';
import { parseImageRef } from './refs';
import { credentialNames, isDeployCommand, isDeployName } from './signals';

/** Limits that keep expansion bounded whatever the input. */
const MAX_INLINE_DEPTH = 32;
/** Deepest nesting of step lists (`when` in `when`, lists in lists, inlined commands) in one job. */
const MAX_NESTING = 64;
const MAX_STEPS = 100_000;

export interface Walker {
  repo: string;
  errors: ScanError[];
  /** Where step objects that travel as parameter values (a `steps` argument) were written, by identity. */
  origin: WeakMap<object, Locate>;
  /** Steps still allowed in this expansion (shared by everything one parse or expand produces). */
  budget: { steps: number; exhausted: boolean };
  /**
   * Reads registry orbs when a source is at hand: what an orb's job or command writes, reads and
   * deploys belongs to the job that runs it (its steps, components and credentials come by expansion).
   */
  orbs?: (ref: OrbRef) => LoadedOrb;
}

/** Positions below a place in a file: `locate([])` is the place itself, `locate(['steps', 0])` a child. */
export type Locate = (sub: YamlPath) => Position;

/** Positions below `path` in `defs`. */
export function locateIn(defs: Defs, path: YamlPath): Locate {
  return (sub) => posIn(defs, [...path, ...sub]);
}

export function newWalker(repo: string, errors: ScanError[] = []): Walker {
  return { repo, errors, origin: new WeakMap(), budget: { steps: MAX_STEPS, exhausted: false } };
}

/** What a list of steps (or a whole job) amounts to. */
export interface Body {
  steps: Step[];
  /**
   * Every step run, in order (`Job.sequence`): `steps`, and the own steps of the registry orbs' commands and
   * jobs, whose effects are merged here while their steps reach the job through the orb's expansion.
   * Flows carry the `at` of the step that writes or reads them.
   */
  sequence: SequencedStep[];
  /** Components used by the job itself: images, orb executors. */
  uses: ComponentUse[];
  produces: ArtifactFlow[];
  consumes: ArtifactFlow[];
  secrets: SecretRef[];
  deploys: boolean;
}

export function emptyBody(): Body {
  return { steps: [], sequence: [], uses: [], produces: [], consumes: [], secrets: [], deploys: false };
}

/** Adds a step the body runs; returns its place in the run (`at`). */
function addStep(body: Body, step: Step): number {
  const at = body.sequence.length;
  body.steps.push(step);
  body.sequence.push({ step, at });
  return at;
}

/** `flow` placed `offset` steps later. */
function shifted(flow: ArtifactFlow, offset: number): ArtifactFlow {
  return flow.at === undefined || offset === 0 ? flow : { ...flow, at: flow.at + offset };
}

/** Appends `from`'s run (its sequence and flows) to `into`'s, after what `into` runs so far. */
function appendRun(into: Pick<Body, 'sequence' | 'produces' | 'consumes'>, from: Pick<Body, 'sequence' | 'produces' | 'consumes'>): void {
  const offset = into.sequence.length;
  // Loops, not push(...list): a list can hold tens of thousands of steps.
  for (const s of from.sequence) into.sequence.push(offset === 0 ? s : { step: s.step, at: s.at + offset });
  for (const f of from.produces) into.produces.push(shifted(f, offset));
  for (const f of from.consumes) into.consumes.push(shifted(f, offset));
}

/** Bodies run one after the other (a job's pre-steps, its steps, its post-steps): one run. */
export function runInOrder(bodies: readonly Body[]): Pick<Body, 'sequence' | 'produces' | 'consumes'> {
  const out: Pick<Body, 'sequence' | 'produces' | 'consumes'> = { sequence: [], produces: [], consumes: [] };
  for (const b of bodies) appendRun(out, b);
  return out;
}

/** Where a body's run stands: to mark what is added after it. */
export interface RunMark {
  sequence: number;
  produces: number;
  consumes: number;
}

export function runMark(body: Body): RunMark {
  return { sequence: body.sequence.length, produces: body.produces.length, consumes: body.consumes.length };
}

/**
 * What was added to the body since `mark` runs in an order that is not known (steps handed to an orb's
 * command or job as a parameter run somewhere among its own steps): it all takes place `at`, so that a
 * write among them counts whichever of them is compromised.
 */
export function unordered(body: Body, mark: RunMark, at: number): void {
  for (let i = mark.sequence; i < body.sequence.length; i++) {
    const s = body.sequence[i];
    if (s) body.sequence[i] = { step: s.step, at };
  }
  for (let i = mark.produces; i < body.produces.length; i++) {
    const f = body.produces[i];
    if (f) body.produces[i] = { ...f, at };
  }
  for (let i = mark.consumes; i < body.consumes.length; i++) {
    const f = body.consumes[i];
    if (f) body.consumes[i] = { ...f, at };
  }
}

function addError(w: Walker, pos: Position, code: string, message: string): void {
  w.errors.push({ repo: w.repo, file: pos.file, line: pos.line, code, message });
}

export function addSecret(body: Body, secret: SecretRef): void {
  if (!body.secrets.some((s) => s.kind === secret.kind && s.name === secret.name)) body.secrets.push(secret);
}

/** Records where the items of array-valued arguments were written, so that inlined steps keep their lines. */
export function markArrays(args: unknown, w: Walker, locate: Locate): void {
  if (!isRecord(args)) return;
  for (const [name, value] of Object.entries(args)) {
    if (!Array.isArray(value)) continue;
    value.forEach((item, j) => {
      if (item !== null && typeof item === 'object' && !w.origin.has(item)) w.origin.set(item, (sub) => locate([name, j, ...sub]));
    });
  }
}

/** Secrets named by `env_var_name` parameters (the parameter's value is a variable name). */
export function envVarSecrets(scope: ParamScope, body: Body, pos: Position): void {
  for (const [name, type] of Object.entries(scope.types)) {
    if (type !== 'env_var_name') continue;
    const value = asString(scope.params[name]);
    if (value !== undefined && /^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) addSecret(body, { name: value, kind: 'variable', pos });
  }
}

/** `alias/element` split at its first slash; undefined for a name without one. */
function splitOrbName(name: string): { alias: string; element: string } | undefined {
  const slash = name.indexOf('/');
  if (slash <= 0 || slash === name.length - 1) return undefined;
  return { alias: name.slice(0, slash), element: name.slice(slash + 1) };
}

export function orbElement(orb: OrbRef, elementKind: 'job' | 'command' | 'executor', element: string, raw: string): ComponentUse['ref'] {
  return { kind: 'orb-element', orb, elementKind, element, raw };
}

/** Scalar arguments as strings (the use's `inputs`); list and map arguments are not inputs. */
export function scalarInputs(args: Plain): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(args)) {
    if (Array.isArray(v) || isRecord(v)) continue;
    out[k] = stringify(v);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function firstLine(text: string): string {
  const line = (text.trim().split('\n')[0] ?? '').trim();
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}

interface StepCtx {
  defs: Defs;
  scope: ParamScope;
  w: Walker;
  body: Body;
  /** Commands being inlined (cycle guard). */
  stack: string[];
  /** Step lists being walked (nesting guard). */
  nesting?: number;
}

/**
 * Walks a steps list written where `locate` says (items that travelled as a parameter value carry their
 * own place in `origin`). `fallback` positions items with no other position.
 */
export function walkSteps(raw: unknown, locate: Locate | undefined, fallback: Position, ctx: StepCtx): void {
  let list = raw;
  if (typeof list === 'string') list = substitute(list, ctx.scope, ctx.w.origin);
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) {
    addError(ctx.w, fallback, 'invalid-steps', 'steps must be a list');
    return;
  }
  const nesting = (ctx.nesting ?? 0) + 1;
  if (nesting > MAX_NESTING) {
    addError(ctx.w, fallback, 'steps-too-deep', `steps nested deeper than ${MAX_NESTING} levels`);
    return;
  }
  const inner: StepCtx = { ...ctx, nesting };
  list.forEach((item: unknown, i) => {
    const known = item !== null && typeof item === 'object' ? ctx.w.origin.get(item) : undefined;
    const here: Locate | undefined = known ?? (locate ? (sub) => locate([i, ...sub]) : undefined);
    const pos = here ? here([]) : fallback;
    if (Array.isArray(item)) {
      walkSteps(item, here, pos, inner);
      return;
    }
    walkStep(item, here, pos, inner);
  });
}

function walkStep(rawItem: unknown, locate: Locate | undefined, pos: Position, ctx: StepCtx): void {
  const { w, body } = ctx;
  if (w.budget.steps <= 0) {
    if (!w.budget.exhausted) addError(w, pos, 'too-many-steps', `expansion stopped: more than ${MAX_STEPS} steps`);
    w.budget.exhausted = true;
    return;
  }
  w.budget.steps--;

  // Remember where list arguments were written before substitution copies them.
  if (isRecord(rawItem)) {
    const [key] = Object.keys(rawItem);
    if (key !== undefined) {
      markArrays(rawItem[key], w, locate ? (sub) => locate([key, ...sub]) : () => pos);
    }
  }
  const item = substitute(rawItem, ctx.scope, w.origin);
  let name: string;
  let args: unknown;
  if (typeof item === 'string') {
    name = item;
    args = undefined;
  } else if (isRecord(item)) {
    const keys = Object.keys(item);
    if (keys.length === 0) {
      addError(w, pos, 'invalid-step', 'empty step');
      return;
    }
    name = keys[0] ?? '';
    args = item[name];
    if (keys.length > 1 && (args === null || args === undefined)) {
      // `- cmd:` with its arguments written one level too far left: CircleCI reads them as the arguments.
      const rest: Plain = {};
      for (const k of keys.slice(1)) rest[k] = item[k];
      args = rest;
    }
  } else {
    addError(w, pos, 'invalid-step', 'a step must be a name or a map');
    return;
  }
  const argMap: Plain = isRecord(args) ? args : {};
  const below = (...sub: YamlPath): Locate | undefined => (locate ? (more) => locate([name, ...sub, ...more]) : undefined);

  const local = ctx.defs.commands[name];
  if (isRecord(local)) {
    inlineCommand(ctx.defs, name, local, argMap, pos, ctx);
    return;
  }
  switch (name) {
    case 'run':
    case 'deploy': {
      const command = typeof args === 'string' ? args : asString(argMap.command);
      if (command === undefined) {
        addError(w, pos, 'invalid-step', `${name} step has no command`);
        return;
      }
      const title = asString(argMap.name) ?? `run: ${firstLine(command)}`;
      addStep(body, { name: title, pos, run: command });
      for (const secret of credentialNames(command)) addSecret(body, { name: secret, kind: 'variable', pos });
      if (name === 'deploy' || isDeployCommand(command) || (asString(argMap.name) !== undefined && isDeployName(title))) body.deploys = true;
      return;
    }
    case 'checkout':
    case 'setup_remote_docker':
    case 'store_test_results':
      addStep(body, { name, pos });
      return;
    case 'add_ssh_keys':
      addStep(body, { name, pos });
      addSecret(body, { name: 'additional SSH keys', kind: 'secret', pos });
      return;
    case 'persist_to_workspace': {
      const root = asString(argMap.root) ?? '.';
      const paths = asStringList(argMap.paths);
      const at = addStep(body, { name, pos });
      body.produces.push({ via: 'workspace', name: paths.length > 0 ? `${root}: ${paths.join(', ')}` : root, pos, at });
      return;
    }
    case 'attach_workspace': {
      const at = addStep(body, { name, pos });
      body.consumes.push({ via: 'workspace', name: asString(argMap.at) ?? '.', pos, at });
      return;
    }
    case 'save_cache': {
      const at = addStep(body, { name, pos });
      body.produces.push({ via: 'cache', name: asString(argMap.key) ?? '', pos, at });
      return;
    }
    case 'restore_cache': {
      const keys = [...asStringList(argMap.key), ...asStringList(argMap.keys)];
      const at = addStep(body, { name, pos });
      body.consumes.push({ via: 'cache', name: keys.join(', '), pos, at });
      return;
    }
    case 'store_artifacts': {
      const at = addStep(body, { name, pos });
      body.produces.push({ via: 'artifact', name: asString(argMap.destination) ?? asString(argMap.path) ?? '', pos, at });
      return;
    }
    case 'when':
    case 'unless': {
      // Conditions are decided when the config is compiled, from parameter values. A condition that is
      // still open here (it names run-time values) keeps its steps: what a job may run is what it can be
      // exposed to.
      const value = condition(argMap.condition);
      if (value === (name === 'unless')) return;
      walkSteps(argMap.steps, below('steps'), pos, ctx);
      return;
    }
    case 'steps':
      walkSteps(args, below(), pos, ctx);
      return;
    default:
      callCommand(name, args, argMap, pos, ctx);
  }
}

/**
 * A `when`/`unless` condition after parameter substitution: true, false, or undefined when it still
 * depends on values only known at run time (`<< pipeline.git.branch >>`) or is not understood.
 */
export function condition(value: unknown, depth = 0): boolean | undefined {
  if (depth > 32) return undefined;
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (value === true || typeof value === 'number') return true;
  if (typeof value === 'string') return value.includes('<<') ? undefined : true;
  if (Array.isArray(value)) return undefined;
  if (!isRecord(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const op = keys[0];
  const arg = value[op ?? ''];
  const list = Array.isArray(arg) ? arg : [];
  switch (op) {
    case 'not': {
      const inner = condition(arg, depth + 1);
      return inner === undefined ? undefined : !inner;
    }
    case 'and': {
      const parts = list.map((v) => condition(v, depth + 1));
      if (parts.includes(false)) return false;
      return parts.every((p) => p === true) ? true : undefined;
    }
    case 'or': {
      const parts = list.map((v) => condition(v, depth + 1));
      if (parts.includes(true)) return true;
      return parts.every((p) => p === false) ? false : undefined;
    }
    case 'equal': {
      if (list.length < 2 || list.some((v) => typeof v === 'object' || (typeof v === 'string' && v.includes('<<')))) return undefined;
      return list.every((v) => stringify(v) === stringify(list[0]));
    }
    default:
      return undefined;
  }
}

function callCommand(name: string, args: unknown, argMap: Plain, pos: Position, ctx: StepCtx): void {
  const { w, body, defs } = ctx;
  const split = splitOrbName(name);
  if (!split) {
    addError(w, pos, 'unknown-command', `step "${name}" is neither a built-in step nor a command declared in commands:`);
    addStep(body, { name, pos });
    return;
  }
  const binding = defs.orbs.get(split.alias);
  if (!binding) {
    addError(w, pos, 'unknown-orb', `step "${name}" uses orb "${split.alias}", which is not declared in orbs:`);
    addStep(body, { name, pos });
    return;
  }
  if (binding.kind === 'inline') {
    const cmd = binding.defs.commands[split.element];
    if (!isRecord(cmd)) {
      addError(w, pos, 'unknown-command', `inline orb "${split.alias}" has no command "${split.element}"`);
      addStep(body, { name, pos });
      return;
    }
    inlineCommand(binding.defs, split.element, cmd, argMap, pos, ctx);
    return;
  }
  const use: ComponentUse = { ref: orbElement(binding.ref, 'command', split.element, name), pos };
  const inputs = typeof args === 'string' ? undefined : scalarInputs(argMap);
  if (inputs) use.inputs = inputs;
  const at = addStep(body, { name, pos, uses: use });
  const mark = runMark(body);
  if (isDeployName(split.element)) body.deploys = true;
  // Steps handed to the orb command are this file's own code and run in this job.
  let handed = false;
  for (const value of Object.values(argMap)) {
    if (!Array.isArray(value)) continue;
    handed = true;
    walkSteps(value, undefined, pos, ctx);
  }
  const loaded = w.orbs?.(binding.ref);
  const def = loaded?.ok ? loaded.defs.commands[split.element] : undefined;
  if (loaded?.ok && isRecord(def)) {
    const inner = emptyBody();
    inlineCommand(loaded.defs, split.element, def, withoutLists(argMap), pos, { ...ctx, w: quiet(w), body: inner });
    mergeEffects(body, inner);
  }
  // Where among the command's own steps the handed steps run is not known.
  if (handed) unordered(body, mark, at);
}

/** A walker that shares the budget but keeps its errors to itself (an orb's errors belong to its expansion). */
function quiet(w: Walker): Walker {
  return { ...w, errors: [] };
}

function withoutLists(args: Plain): Plain {
  const out: Plain = {};
  for (const [k, v] of Object.entries(args)) if (!Array.isArray(v)) out[k] = v;
  return out;
}

/**
 * Adds what an orb element writes, reads and deploys to `into`, with its own steps to the run order
 * (`sequence`, after what `into` runs so far). Not to `steps`, nor its components or credential names:
 * those reach the job through the element's expansion.
 */
export function mergeEffects(into: Body, from: Body): void {
  appendRun(into, from);
  if (from.deploys) into.deploys = true;
}

/** What a registry orb's job does to the job entry that runs it, when the orb's source is at hand. */
export function orbJobEffects(orb: OrbRef, element: string, args: Plain, w: Walker, matrix?: Record<string, string>): JobBody | undefined {
  const loaded = w.orbs?.(orb);
  const def = loaded?.ok ? loaded.defs.jobs[element] : undefined;
  if (!loaded?.ok || !isRecord(def)) return undefined;
  return elaborateJob(def, loaded.defs, ['jobs', element], withoutLists(args), quiet(w), matrix).body;
}

function inlineCommand(defs: Defs, name: string, def: Plain, args: Plain, pos: Position, ctx: StepCtx): void {
  const key = `${defs.file}#${defs.base.join('/')}#${name}`;
  if (ctx.stack.includes(key)) {
    addError(ctx.w, pos, 'command-cycle', `command "${name}" calls itself`);
    return;
  }
  if (ctx.stack.length >= MAX_INLINE_DEPTH) {
    addError(ctx.w, pos, 'command-too-deep', `commands nested deeper than ${MAX_INLINE_DEPTH} levels`);
    return;
  }
  const scope = bindScope(def.parameters, args, defs.pipeline);
  envVarSecrets(scope, ctx.body, pos);
  walkSteps(def.steps, locateIn(defs, ['commands', name, 'steps']), posIn(defs, ['commands', name]), { ...ctx, defs, scope, stack: [...ctx.stack, key] });
}

/** A definition's parameter scope: declared defaults (pipeline parameters expanded in them) under the given arguments. */
export function bindScope(declared: unknown, args: Plain, pipeline: Record<string, unknown>, matrix?: Record<string, string>): ParamScope {
  const outer: ParamScope = { params: {}, types: {}, pipeline };
  const bound = bindParameters(declared, {});
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(bound.params)) params[k] = substitute(v, outer);
  const withArgs = bindParameters(declared, args);
  for (const k of Object.keys(args)) if (Object.prototype.hasOwnProperty.call(withArgs.params, k)) params[k] = withArgs.params[k];
  const scope: ParamScope = { params, types: bound.types, pipeline };
  if (matrix) scope.matrix = matrix;
  return scope;
}

// ───────────────────────────── jobs ─────────────────────────────

export interface JobBody extends Body {
  runner: Runner;
}

function addImages(docker: unknown, defs: Defs, path: YamlPath, body: JobBody, labels: string[]): void {
  if (!Array.isArray(docker)) return;
  docker.forEach((entry: unknown, i) => {
    const text = isRecord(entry) ? asString(entry.image) : asString(entry);
    const ref = text === undefined ? undefined : parseImageRef(text);
    if (!ref) return;
    const pos = posIn(defs, [...path, i]);
    body.uses.push({ ref, pos });
    if (i === 0) labels.push(`docker: ${ref.raw}`);
    // Registry credentials of the image (`auth:`, `aws_auth:`) are read from variables.
    if (isRecord(entry)) {
      for (const key of ['auth', 'aws_auth']) {
        const auth = entry[key];
        if (!isRecord(auth)) continue;
        for (const v of Object.values(auth)) {
          const text = asString(v);
          if (text !== undefined) for (const name of credentialNames(text)) addSecret(body, { name, kind: 'variable', pos });
        }
      }
    }
  });
}

/** The execution environment keys (`docker`, `machine`, `macos`, `resource_class`) of a job or executor. */
function addEnvironment(def: Plain, defs: Defs, path: YamlPath, body: JobBody, labels: string[]): string | undefined {
  addImages(def.docker, defs, [...path, 'docker'], body, labels);
  const machine = def.machine;
  if (machine === true || isRecord(machine)) {
    const image = isRecord(machine) ? asString(machine.image) : undefined;
    labels.push(image === undefined ? 'machine' : `machine: ${image}`);
  }
  if (isRecord(def.macos)) labels.push(`macos: ${asString(def.macos.xcode) ?? ''}`.trim());
  return asString(def.resource_class);
}

/**
 * A job definition expanded with the arguments given at its workflow entry. `path` is the job's path in
 * `defs` (`['jobs', key]`).
 */
export function elaborateJob(
  def: Plain,
  defs: Defs,
  path: YamlPath,
  args: Plain,
  w: Walker,
  matrix?: Record<string, string>,
): { body: JobBody; scope: ParamScope } {
  const body: JobBody = { ...emptyBody(), runner: { selfHosted: false, labels: [] } };
  const scope = bindScope(def.parameters, args, defs.pipeline, matrix);
  const jobPos = posIn(defs, path);
  envVarSecrets(scope, body, jobPos);
  const labels: string[] = [];

  let resourceClass: string | undefined;
  const executor = substitute(def.executor, scope);
  if (executor !== undefined && executor !== null) {
    const execName = isRecord(executor) ? asString(executor.name) : asString(executor);
    const execArgs: Plain = {};
    if (isRecord(executor)) for (const [k, v] of Object.entries(executor)) if (k !== 'name') execArgs[k] = v;
    const execPos = posIn(defs, [...path, 'executor']);
    if (execName === undefined) {
      addError(w, execPos, 'invalid-executor', 'executor must be a name or a map with a name');
    } else {
      resourceClass = useExecutor(execName, execArgs, defs, execPos, body, labels, w);
    }
  }
  const env = substitute({ docker: def.docker, machine: def.machine, macos: def.macos, resource_class: def.resource_class }, scope);
  if (isRecord(env)) resourceClass = addEnvironment(env, defs, path, body, labels) ?? resourceClass;
  if (resourceClass !== undefined) labels.push(resourceClass);
  body.runner = { selfHosted: resourceClass !== undefined && resourceClass.includes('/'), labels };

  walkSteps(def.steps, locateIn(defs, [...path, 'steps']), jobPos, { defs, scope, w, body, stack: [] });
  return { body, scope };
}

/** Applies an executor by name: local or inline-orb executors are read; registry-orb executors are uses. */
function useExecutor(name: string, args: Plain, defs: Defs, pos: Position, body: JobBody, labels: string[], w: Walker): string | undefined {
  const local = defs.executors[name];
  if (isRecord(local)) return readExecutor(local, defs, ['executors', name], args, body, labels);
  const split = splitOrbName(name);
  const binding = split ? defs.orbs.get(split.alias) : undefined;
  if (!split || !binding) {
    addError(w, pos, 'unknown-executor', `executor "${name}" is not declared in executors: nor provided by a declared orb`);
    return undefined;
  }
  if (binding.kind === 'inline') {
    const exec = binding.defs.executors[split.element];
    if (!isRecord(exec)) {
      addError(w, pos, 'unknown-executor', `inline orb "${split.alias}" has no executor "${split.element}"`);
      return undefined;
    }
    return readExecutor(exec, binding.defs, ['executors', split.element], args, body, labels);
  }
  const use: ComponentUse = { ref: orbElement(binding.ref, 'executor', split.element, name), pos };
  const inputs = scalarInputs(args);
  if (inputs) use.inputs = inputs;
  body.uses.push(use);
  labels.push(`executor: ${name}`);
  return undefined;
}

export function readExecutor(def: Plain, defs: Defs, path: YamlPath, args: Plain, body: JobBody, labels: string[]): string | undefined {
  const scope = bindScope(def.parameters, args, defs.pipeline);
  const env = substitute({ docker: def.docker, machine: def.machine, macos: def.macos, resource_class: def.resource_class }, scope);
  return isRecord(env) ? addEnvironment(env, defs, path, body, labels) : undefined;
}

