/**
 * `.circleci/config.yml` (version 2.0 and 2.1) → one Pipeline whose jobs are the WORKFLOW JOB ENTRIES:
 * the same job used twice (two `name:`s, two workflows, a matrix) gives several Jobs.
 */
import type { ComponentSource, ComponentUse, Job, Pipeline, Position, ScanError, SecretRef, SourceFile, Trigger } from '../../model';
import { asString, asStringList, isRecord, loadYaml, type Plain, type YamlPath } from '../../yaml';
import { type Defs, posIn, readDefs } from './definitions';
import { elaborateJob, emptyBody, type JobBody, markArrays, mergeEffects, newWalker, orbElement, orbJobEffects, runInOrder, scalarInputs, unordered, walkSteps, type Walker } from './elaborate';
import { type LoadedOrb, loadOrb } from './orb-source';
import { type ParamScope, pipelineDefaults, stringify, substitute, substituteText } from './params';
import { isDeployName } from './signals';

export const PROJECT_ENV: SecretRef = { name: 'project environment variables', kind: 'project-env' };

/** Workflow job entry keys that are not job parameters. */
const ENTRY_KEYS: ReadonlySet<string> = new Set([
  'requires',
  'context',
  'filters',
  'name',
  'type',
  'matrix',
  'pre-steps',
  'post-steps',
  'serial-group',
  'override-with',
]);
const MAX_MATRIX = 256;

interface Entry {
  workflow: string;
  /** The job key (`build`, `codecov/upload`). */
  key: string;
  /** The entry's name (`name:` or the key, matrix-expanded). */
  name: string;
  args: Plain;
  path: YamlPath;
  pos: Position;
  matrix?: Record<string, string>;
  /** Names other entries may require this one by (its name, and its matrix alias). */
  aliases: string[];
  id: string;
}

function error(w: Walker, pos: Position, code: string, message: string): void {
  w.errors.push({ repo: w.repo, file: pos.file, line: pos.line, code, message });
}

/** Parses one CircleCI config, whatever its path (the corpus test feeds fixtures under other names). */
export function parseConfig(repo: string, file: SourceFile, source?: ComponentSource): { pipeline?: Pipeline; errors: ScanError[] } {
  const y = loadYaml(repo, file);
  if (y.value === undefined) return { errors: y.errors };
  const root = y.value;
  if (!isRecord(root)) {
    const message = root === null ? 'the config is empty' : 'the config must be a map (version:, jobs:, workflows:)';
    return { errors: [...y.errors, { repo, file: file.path, line: 1, code: 'not-a-config', message }] };
  }
  const w = newWalker(repo, [...y.errors]);
  if (source) {
    const seen = new Map<string, LoadedOrb>();
    w.orbs = (ref) => {
      const known = seen.get(ref.raw);
      if (known) return known;
      const loaded = loadOrb(repo, ref, source);
      seen.set(ref.raw, loaded);
      return loaded;
    };
  }
  const top = (path: YamlPath): Position => ({ file: file.path, line: y.lineOf(path) });

  const version = asString(root.version);
  if (version === undefined) {
    error(w, top([]), 'missing-version', 'the config has no version: (2, 2.0 or 2.1)');
  } else if (!['2', '2.0', '2.1'].includes(version)) {
    error(w, top(['version']), 'unsupported-version', `config version ${version} is not 2.0 or 2.1`);
  }

  const pipelineParams = pipelineDefaults(root.parameters);
  const defs = readDefs(root, { repo, file: file.path, lineOf: y.lineOf, base: [], pipeline: pipelineParams }, w.errors);
  const uses = orbUses(defs);

  const entries = collectEntries(root, defs, w, top);
  const jobs = entries.list.map((entry) => buildJob(entry, entries, defs, w));

  const triggers: Trigger[] = [];
  for (const job of jobs) {
    for (const t of job.triggers) if (!triggers.some((x) => x.kind === t.kind && x.detail === t.detail)) triggers.push(t);
  }
  const pipeline: Pipeline = { platform: 'circleci', repo, file: file.path, name: file.path, triggers, jobs, uses, errors: w.errors };
  return { pipeline, errors: w.errors };
}

/** Registry orbs imported by the config and by its inline orbs. */
function orbUses(defs: Defs): ComponentUse[] {
  const out: ComponentUse[] = [];
  for (const binding of defs.orbs.values()) {
    if (binding.kind === 'ref') out.push({ ref: binding.ref, pos: binding.pos });
    else out.push(...orbUses(binding.defs));
  }
  return out;
}

interface Entries {
  list: Entry[];
  /** Per workflow: approval name → what it requires. */
  approvals: Map<string, Map<string, string[]>>;
  /** Per workflow: name or alias → entry ids. */
  byName: Map<string, Map<string, string[]>>;
  /** Per workflow: its trigger list when it has `triggers:` (schedules) or is gated by `when:`/`unless:`. */
  schedules: Map<string, Trigger[]>;
}

function collectEntries(root: Plain, defs: Defs, w: Walker, top: (path: YamlPath) => Position): Entries {
  const result: Entries = { list: [], approvals: new Map(), byName: new Map(), schedules: new Map() };
  const scope: ParamScope = { params: {}, types: {}, pipeline: defs.pipeline };
  const raw: Entry[] = [];

  const workflows = root.workflows;
  if (workflows === undefined || workflows === null) {
    // Without workflows, CircleCI runs the job named `build`.
    if (isRecord(defs.jobs.build)) {
      raw.push({ workflow: 'default', key: 'build', name: 'build', args: {}, path: ['jobs', 'build'], pos: top(['jobs', 'build']), aliases: ['build'], id: 'build' });
    } else if (Object.keys(defs.jobs).length > 0) {
      error(w, top(['jobs']), 'no-workflows', 'the config has no workflows: and no job named build, so no job runs');
    }
  } else if (!isRecord(workflows)) {
    error(w, top(['workflows']), 'invalid-workflows', 'workflows: must be a map');
  } else {
    for (const [wfName, wf] of Object.entries(workflows)) {
      if (wfName === 'version') continue;
      const wfPath: YamlPath = ['workflows', wfName];
      if (!isRecord(wf)) {
        error(w, top(wfPath), 'invalid-workflow', `workflow "${wfName}" must be a map`);
        continue;
      }
      const schedules = scheduleTriggers(wf.triggers);
      if (schedules.length > 0) result.schedules.set(wfName, schedules);
      else {
        const gate = gatedTrigger(wf, scope);
        if (gate) result.schedules.set(wfName, [gate]);
      }
      const approvals = new Map<string, string[]>();
      result.approvals.set(wfName, approvals);
      if (!Array.isArray(wf.jobs)) {
        error(w, top([...wfPath, 'jobs']), 'invalid-workflow', `workflow "${wfName}" has no jobs list`);
        continue;
      }
      wf.jobs.forEach((item: unknown, i) => {
        const path: YamlPath = [...wfPath, 'jobs', i];
        const pos = top(path);
        let key: string | undefined;
        let rawArgs: unknown;
        if (isRecord(item)) {
          key = Object.keys(item)[0];
          rawArgs = key === undefined ? undefined : item[key];
        } else {
          key = asString(item);
        }
        if (key === undefined) {
          error(w, pos, 'invalid-workflow-job', 'a workflow job entry must be a job name or a map');
          return;
        }
        const entryKey = key;
        // Keep the lines of steps given here (pre-/post-steps, steps arguments) through substitution.
        markArrays(rawArgs, w, (sub) => top([...path, entryKey, ...sub]));
        const substituted = substitute(rawArgs ?? {}, scope, w.origin);
        const args: Plain = isRecord(substituted) ? substituted : {};
        const name = asString(args.name) ?? key;
        if (asString(args.type) === 'approval') {
          approvals.set(name, requiresOf(args.requires));
          return;
        }
        const matrix = isRecord(args.matrix) ? args.matrix : undefined;
        if (!matrix) {
          raw.push({ workflow: wfName, key, name, args, path, pos, aliases: [name], id: name });
          return;
        }
        const combos = matrixCombos(matrix);
        if (combos.length > MAX_MATRIX) error(w, pos, 'matrix-too-large', `matrix gives ${combos.length} jobs; only the first ${MAX_MATRIX} are read`);
        const alias = asString(matrix.alias) ?? key;
        for (const combo of combos.slice(0, MAX_MATRIX)) {
          const m: ParamScope = { ...scope, matrix: combo };
          const given = asString(args.name);
          const comboName = given !== undefined && given.includes('<<') ? substituteText(given, m) : `${given ?? key}-${Object.values(combo).join('-')}`;
          const comboArgs: Plain = { ...args, ...combo };
          delete comboArgs.matrix;
          for (const [k, v] of Object.entries(comboArgs)) if (typeof v === 'string' && v.includes('<<')) comboArgs[k] = substituteText(v, m);
          raw.push({ workflow: wfName, key, name: comboName, args: comboArgs, path, pos, matrix: combo, aliases: [comboName, alias], id: comboName });
        }
      });
    }
  }

  // Ids: the entry's name; prefixed with the workflow when the name is used in several workflows.
  const workflowsOf = new Map<string, Set<string>>();
  for (const e of raw) workflowsOf.set(e.name, (workflowsOf.get(e.name) ?? new Set()).add(e.workflow));
  const taken = new Set<string>();
  for (const e of raw) {
    let id = (workflowsOf.get(e.name)?.size ?? 0) > 1 ? `${e.workflow}/${e.name}` : e.name;
    if (taken.has(id)) {
      error(w, e.pos, 'duplicate-job-name', `job name "${e.name}" is used twice in workflow "${e.workflow}"`);
      let n = 2;
      while (taken.has(`${id}#${n}`)) n++;
      id = `${id}#${n}`;
    }
    taken.add(id);
    e.id = id;
    const names = result.byName.get(e.workflow) ?? new Map<string, string[]>();
    result.byName.set(e.workflow, names);
    for (const a of e.aliases) names.set(a, [...(names.get(a) ?? []), id]);
    result.list.push(e);
  }
  return result;
}

/** `requires:` as names: a list of names, or (newer syntax) maps from a name to the statuses awaited. */
function requiresOf(value: unknown): string[] {
  if (!Array.isArray(value)) return asStringList(value);
  const out: string[] = [];
  for (const item of value) {
    if (isRecord(item)) out.push(...Object.keys(item));
    else {
      const s = asString(item);
      if (s !== undefined) out.push(s);
    }
  }
  return out;
}

function matrixCombos(matrix: Plain): Record<string, string>[] {
  const params = isRecord(matrix.parameters) ? matrix.parameters : {};
  let combos: Record<string, string>[] = [{}];
  for (const [name, values] of Object.entries(params)) {
    const list = Array.isArray(values) ? values.map(stringify) : [stringify(values)];
    const next: Record<string, string>[] = [];
    for (const c of combos) {
      for (const v of list) {
        next.push({ ...c, [name]: v });
        if (next.length > MAX_MATRIX + 1) break;
      }
    }
    combos = next;
  }
  const excluded = Array.isArray(matrix.exclude) ? matrix.exclude.filter(isRecord) : [];
  return combos.filter((c) => !excluded.some((ex) => Object.entries(ex).every(([k, v]) => c[k] === stringify(v))));
}

function scheduleTriggers(triggers: unknown): Trigger[] {
  if (!Array.isArray(triggers)) return [];
  const out: Trigger[] = [];
  for (const t of triggers) {
    if (isRecord(t) && isRecord(t.schedule)) out.push({ kind: 'schedule', detail: asString(t.schedule.cron) ?? '' });
  }
  return out;
}

/**
 * A workflow whose `when:` is false (or `unless:` true) with the pipeline parameter defaults runs only
 * when a pipeline is triggered (API, scheduled pipeline, UI) with parameters that enable it.
 */
function gatedTrigger(wf: Plain, scope: ParamScope): Trigger | undefined {
  const falsy = (v: unknown): boolean => v === false || v === null || v === 0 || v === '' || v === 'false';
  for (const key of ['when', 'unless'] as const) {
    if (!(key in wf)) continue;
    const value = substitute(wf[key], scope);
    if (isRecord(value) || Array.isArray(value)) continue; // a logic statement: left to run time
    const off = key === 'when' ? falsy(value) : !falsy(value);
    if (off) return { kind: 'api', detail: `${key}: ${stringify(wf[key])}` };
  }
  return undefined;
}

function isMatchAll(pattern: string): boolean {
  return /^\/\.[*+]\/$/.test(pattern.trim());
}

/** Branch pushes unless the branch filter ignores every branch; tags only when `tags.only` is set. */
function entryTriggers(filters: unknown, schedules: Trigger[] | undefined): Trigger[] {
  if (schedules) return schedules;
  const f = isRecord(filters) ? filters : {};
  const branches = isRecord(f.branches) ? f.branches : {};
  const tags = isRecord(f.tags) ? f.tags : {};
  const out: Trigger[] = [];
  const only = asStringList(branches.only);
  const ignore = asStringList(branches.ignore);
  if (!ignore.some(isMatchAll)) {
    const detail = only.length > 0 ? `branches: ${only.join(', ')}` : ignore.length > 0 ? `branches except: ${ignore.join(', ')}` : undefined;
    out.push(detail === undefined ? { kind: 'push' } : { kind: 'push', detail });
  }
  const tagOnly = asStringList(tags.only);
  if (tagOnly.length > 0) out.push({ kind: 'tag', detail: `tags: ${tagOnly.join(', ')}` });
  return out;
}

function resolveNeeds(entry: Entry, entries: Entries, w: Walker): string[] {
  const approvals = entries.approvals.get(entry.workflow) ?? new Map<string, string[]>();
  const names = entries.byName.get(entry.workflow) ?? new Map<string, string[]>();
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const ids = names.get(name);
    if (ids) {
      for (const id of ids) if (!out.includes(id)) out.push(id);
      return;
    }
    const through = approvals.get(name);
    if (through) {
      through.forEach(visit);
      return;
    }
    error(w, entry.pos, 'unknown-requires', `job "${entry.name}" requires "${name}", which is not a job of workflow "${entry.workflow}"`);
  };
  requiresOf(entry.args.requires).forEach(visit);
  return out;
}

function buildJob(entry: Entry, entries: Entries, defs: Defs, w: Walker): Job {
  const secrets: SecretRef[] = [{ ...PROJECT_ENV, pos: entry.pos }];
  const contexts = asStringList(entry.args.context);
  for (const c of contexts) secrets.push({ name: c, kind: 'context', pos: entry.pos });

  const body = jobBody(entry, defs, w);
  const workflowScope: ParamScope = { params: {}, types: {}, pipeline: defs.pipeline };
  const pre = emptyBody();
  walkSteps(entry.args['pre-steps'], undefined, entry.pos, { defs, scope: workflowScope, w, body: pre, stack: [] });
  const post = emptyBody();
  walkSteps(entry.args['post-steps'], undefined, entry.pos, { defs, scope: workflowScope, w, body: post, stack: [] });

  for (const s of [...body.secrets, ...pre.secrets, ...post.secrets]) if (!secrets.some((x) => x.kind === s.kind && x.name === s.name)) secrets.push(s);

  const deploys = body.deploys || pre.deploys || post.deploys || isDeployName(entry.name) || isDeployName(entry.key);
  // Writes are explicit steps: the run order places them against the compromised step (exposure/tamper.ts).
  const run = runInOrder([pre, body, post]);
  return {
    id: entry.id,
    name: entry.name,
    pos: entry.pos,
    workflow: entry.workflow,
    triggers: entryTriggers(entry.args.filters, entries.schedules.get(entry.workflow)),
    needs: resolveNeeds(entry, entries, w),
    runner: body.runner,
    steps: [...pre.steps, ...body.steps, ...post.steps],
    uses: body.uses,
    secrets,
    contexts,
    permissions: { kind: 'not-applicable' },
    oidc: false,
    produces: run.produces,
    consumes: run.consumes,
    deploys,
    sequence: run.sequence,
  };
}

/** The job an entry runs: a local job, an inline-orb job (both expanded) or a registry-orb job (a use). */
function jobBody(entry: Entry, defs: Defs, w: Walker): JobBody {
  const params: Plain = {};
  for (const [k, v] of Object.entries(entry.args)) if (!ENTRY_KEYS.has(k)) params[k] = v;

  const local = defs.jobs[entry.key];
  if (isRecord(local)) return elaborateJob(local, defs, ['jobs', entry.key], params, w, entry.matrix).body;

  const empty: JobBody = { ...emptyBody(), runner: { selfHosted: false, labels: [] } };
  const slash = entry.key.indexOf('/');
  const alias = slash > 0 ? entry.key.slice(0, slash) : undefined;
  const element = entry.key.slice(slash + 1);
  const binding = alias === undefined ? undefined : defs.orbs.get(alias);
  if (!binding) {
    const message =
      alias === undefined
        ? `workflow "${entry.workflow}" runs job "${entry.key}", which is not declared in jobs:`
        : `workflow "${entry.workflow}" runs job "${entry.key}" from orb "${alias}", which is not declared in orbs:`;
    error(w, entry.pos, alias === undefined ? 'unknown-job' : 'unknown-orb', message);
    return empty;
  }
  if (binding.kind === 'inline') {
    const def = binding.defs.jobs[element];
    if (!isRecord(def)) {
      error(w, entry.pos, 'unknown-job', `inline orb "${alias}" has no job "${element}"`);
      return empty;
    }
    return elaborateJob(def, binding.defs, ['jobs', element], params, w, entry.matrix).body;
  }
  const use: ComponentUse = { ref: orbElement(binding.ref, 'job', element, entry.key), pos: entry.pos };
  const inputs = scalarInputs(params);
  if (inputs) use.inputs = inputs;
  empty.uses.push(use);
  empty.runner.labels.push(`orb job: ${entry.key}`);
  if (isDeployName(element)) empty.deploys = true;
  const effects = orbJobEffects(binding.ref, element, params, w, entry.matrix);
  if (effects) {
    mergeEffects(empty, effects);
    empty.runner = { selfHosted: effects.runner.selfHosted, labels: [...empty.runner.labels, ...effects.runner.labels] };
  }
  // Steps handed to the orb job are this file's own code and run in the job, somewhere among its own
  // steps: the whole run is then of unknown order.
  let handed = false;
  for (const [k, v] of Object.entries(params)) {
    if (!Array.isArray(v)) continue;
    handed = true;
    walkSteps(v, undefined, posIn(defs, [...entry.path, entry.key, k]), { defs, scope: { params: {}, types: {}, pipeline: defs.pipeline }, w, body: empty, stack: [] });
  }
  if (handed) unordered(empty, { sequence: 0, produces: 0, consumes: 0 }, 0);
  return empty;
}
