/**
 * `.gitlab-ci.yml` (with its includes) → one Pipeline: includes merged, then `!reference`, `extends`,
 * `default:` and variables expanded, then every visible job read into the model with its stage order,
 * needs, artifact and cache flows, runner tags, secrets by name, triggers and deploys. Pure; never throws.
 */
import type { ArtifactFlow, ComponentSource, ComponentUse, Job, Pipeline, RepoInput, ScanError, SourceFile, Trigger } from '../../model';
import { MAX_JOBS_PER_REPO, tooManyJobsMessage } from '../../limits';
import { asString, asStringList, isRecord } from '../../yaml';
import { readIncludeEntries } from './include';
import { deploysOf, includeUsesOf, isJobKey, JOB_INPUT, jobContent, type JobContent, variablePositions } from './job';
import { type Entry, loadPipeline, type Origin } from './load';
import { Templating } from './templates';
import { dedupe, jobTriggers, triggersOfRules } from './triggers';
import { readVariables } from './variables';

export const DEFAULT_STAGES = ['build', 'test', 'deploy'] as const;

/** Stage order: `.pre` first, the declared (or default) stages, `.post` last. */
export function stageOrder(entries: ReadonlyMap<string, Entry>): string[] {
  const declared = entries.get('stages')?.value ?? entries.get('types')?.value;
  const list = Array.isArray(declared) ? declared.map(asString).filter((s): s is string => s !== undefined) : [...DEFAULT_STAGES];
  return ['.pre', ...list.filter((s) => s !== '.pre' && s !== '.post'), '.post'];
}

interface Need {
  job: string;
  artifacts: boolean;
  optional: boolean;
}

function explicitNeeds(value: unknown): Need[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: Need[] = [];
  for (const item of value) {
    const name = asString(item);
    if (name !== undefined) {
      out.push({ job: name, artifacts: true, optional: false });
    } else if (isRecord(item) && item.pipeline === undefined && item.project === undefined) {
      const job = asString(item.job);
      if (job !== undefined) out.push({ job, artifacts: item.artifacts !== false, optional: item.optional === true });
    }
  }
  return out;
}

/**
 * The job's uses of the main file's resolved includes: tagged with the names the job draws from each
 * (includeUsesOf), or with none (it draws nothing from that include, which still shapes its configuration).
 */
function includeUses(direct: readonly ComponentUse[], drawn: readonly ComponentUse[]): ComponentUse[] {
  const place = (u: ComponentUse): string => `${u.ref.raw}\u0000${u.pos.file}\u0000${u.pos.line}\u0000${u.ref.kind === 'gitlab-include' ? u.ref.file : ''}`;
  const byPlace = new Map(drawn.map((u) => [place(u), u]));
  return direct.map((u) => byPlace.get(place(u)) ?? { ...u, inputs: { ...u.inputs, [JOB_INPUT]: '' } });
}

/** The templates job `id` extends, at any depth (bounded by the entries: each is visited once). */
export function extendedTemplates(id: string, entries: ReadonlyMap<string, Entry>): Set<string> {
  const out = new Set<string>();
  const todo = [id];
  for (let name = todo.pop(); name !== undefined; name = todo.pop()) {
    const value = entries.get(name)?.value;
    for (const base of isRecord(value) ? asStringList(value.extends) : []) {
      if (out.has(base) || base === id) continue;
      out.add(base);
      todo.push(base);
    }
  }
  return out;
}

/**
 * Marks the includes a job takes through its `extends:` (an include that defines a template the job
 * extends, as its `JOB_INPUT` names say) with the position of that `extends:` line, when the job is
 * written in the same file as the `include:` entry: that line is where the job takes the included code.
 */
function markExtends(uses: readonly ComponentUse[], bases: ReadonlySet<string>, extendsAt: Origin | undefined): ComponentUse[] {
  if (!extendsAt || bases.size === 0) return [...uses];
  return uses.map((u) => {
    if (u.ref.kind !== 'gitlab-include' || u.pos.file !== extendsAt.file) return u;
    const owners = (u.inputs?.[JOB_INPUT] ?? '').split('\n');
    return owners.some((o) => bases.has(o)) ? { ...u, usedAt: position(extendsAt) } : u;
  });
}

function position(o: Origin): { file: string; line: number } {
  return { file: o.file, line: o.line };
}

/**
 * Parses one GitLab pipeline file of `repo`. No pipeline when the file itself is not readable YAML
 * (its errors are returned); otherwise the pipeline carries its own errors.
 */
export function parseGitlabPipeline(repo: RepoInput, main: SourceFile, source: ComponentSource): { pipeline?: Pipeline; errors: ScanError[] } {
  const loaded = loadPipeline(repo, main, source);
  if (!loaded.mainParsed) return { errors: loaded.errors };
  const errors: ScanError[] = [...loaded.errors];
  const { entries } = loaded;
  const templating = new Templating(entries);

  const workflowEntry = entries.get('workflow');
  const workflow = workflowEntry ? templating.dereference(workflowEntry.value, workflowEntry.origin, []) : undefined;
  const workflowName = (isRecord(workflow) ? asString(workflow.name) : undefined) ?? 'pipeline';
  const workflowTriggers = isRecord(workflow) ? triggersOfRules(workflow.rules) : undefined;

  const variablesEntry = entries.get('variables');
  const globals = variablesEntry ? readVariables(templating.dereference(variablesEntry.value, variablesEntry.origin, [])) : new Map<string, string>();
  const globalPositions = variablePositions(variablesEntry);
  const stages = stageOrder(entries);
  const unresolvedUses = new Set(loaded.unresolved.map((u) => u.use));
  // Includes written in the main file. Each shapes every job's configuration (an included file can
  // add `default:` keys, hooks or keys of any job), so every job uses each of them; nested includes
  // are reached through them.
  const direct = loaded.uses.filter((u) => u.pos.file === main.path);
  const unresolved = direct.filter((u) => unresolvedUses.has(u));
  const resolvedDirect = direct.filter((u) => !unresolvedUses.has(u));

  interface Draft {
    job: Job;
    content: JobContent;
    stageIndex: number;
    needs?: Need[];
    needsPos?: { file: string; line: number };
    dependencies?: string[];
    depsPos?: { file: string; line: number };
  }
  const drafts: Draft[] = [];
  // Jobs past the limit are left out here: stage order makes every job wait for all jobs of earlier
  // stages, which grows with the square of the count.
  const jobKeys = [...entries].filter(([id, entry]) => isJobKey(id, entry.value));
  const leftOut = jobKeys[MAX_JOBS_PER_REPO];
  if (leftOut) {
    const at = position(leftOut[1].origin);
    errors.push({ repo: repo.repo, file: at.file, line: at.line, code: 'too-many-jobs', message: tooManyJobsMessage(main.path, jobKeys.length - MAX_JOBS_PER_REPO, leftOut[0]) });
  }
  for (const [id, entry] of jobKeys.slice(0, MAX_JOBS_PER_REPO)) {
    const base = templating.definition(id);
    if (!base) continue;
    const def = templating.withDefaults(base);
    const content = jobContent(id, def, entry.origin, { globals, globalPositions });
    const stageIndex = stages.indexOf(content.stage);
    if (stageIndex < 0) {
      const at = def.keys.get('stage')?.[0] ?? entry.origin;
      errors.push({ repo: repo.repo, file: at.file, line: at.line, code: 'gitlab-unknown-stage', message: `job ${id} uses stage ${content.stage}, which is not in stages:` });
    }
    const extendsAt = entry.keys.get('extends');
    const bases = extendsAt ? extendedTemplates(id, entries) : new Set<string>();
    for (const step of content.steps) if (step.from) step.from = markExtends(step.from, bases, extendsAt);
    const uses: ComponentUse[] = [...markExtends(includeUses(resolvedDirect, includeUsesOf(def, entry.origin)), bases, extendsAt), ...content.images, ...unresolved];
    if (content.trigger !== undefined && content.triggerPos) {
      const childInclude = isRecord(content.trigger) ? content.trigger.include : undefined;
      const { entries: child } = readIncludeEntries(childInclude, content.variables);
      for (const c of child) uses.push(c.inputs ? { ref: c.ref, pos: content.triggerPos, inputs: c.inputs } : { ref: c.ref, pos: content.triggerPos });
    }
    const job: Job = {
      id,
      name: id,
      pos: position(entry.origin),
      workflow: workflowName,
      triggers: jobTriggers(def.value, workflowTriggers),
      needs: [],
      // Tags route a job to the runners registered with them: runners somebody set up and operates
      // (self-hosted), except GitLab.com's own hosted runner tags (`saas-…`).
      runner: { selfHosted: content.tags.some((t) => !/^saas-/.test(t)), labels: content.tags },
      steps: content.steps,
      uses,
      secrets: content.secrets,
      contexts: [],
      permissions: { kind: 'not-applicable' },
      oidc: content.oidc,
      produces: content.produces,
      consumes: [...content.cacheReads],
      deploys: false,
    };
    if (content.environment !== undefined) job.environment = content.environment;
    job.deploys = deploysOf(id, content);
    // An unknown stage (GitLab rejects the pipeline) is placed just before `.post`.
    const draft: Draft = { job, content, stageIndex: stageIndex < 0 ? stages.length - 1.5 : stageIndex };
    const needs = explicitNeeds(def.value.needs);
    if (needs) {
      draft.needs = needs;
      draft.needsPos = position(def.keys.get('needs')?.[0] ?? entry.origin);
    }
    if (Array.isArray(def.value.dependencies)) {
      draft.dependencies = def.value.dependencies.map(asString).filter((s): s is string => s !== undefined);
      draft.depsPos = position(def.keys.get('dependencies')?.[0] ?? entry.origin);
    }
    drafts.push(draft);
  }

  const byId = new Map(drafts.map((d) => [d.job.id, d]));
  const producesArtifacts = (id: string): boolean => byId.get(id)?.job.produces.some((p) => p.via === 'artifact') ?? false;
  for (const d of drafts) {
    const earlier = drafts.filter((o) => o.stageIndex < d.stageIndex).map((o) => o.job.id);
    d.job.needs = d.needs ? d.needs.map((n) => n.job).filter((n) => n !== d.job.id) : earlier;
    if (d.needs) {
      for (const n of d.needs) {
        if (!byId.has(n.job) && !n.optional) {
          const at = d.needsPos ?? d.job.pos;
          errors.push({ repo: repo.repo, file: at.file, line: at.line, code: 'gitlab-unknown-need', message: `job ${d.job.id} needs ${n.job}, which is not defined` });
        }
      }
    }
    let artifactSources: string[];
    if (d.dependencies) artifactSources = d.dependencies;
    else if (d.needs) artifactSources = d.needs.filter((n) => n.artifacts).map((n) => n.job);
    else artifactSources = earlier;
    const at = (d.dependencies ? d.depsPos : d.needs ? d.needsPos : undefined) ?? d.job.pos;
    const consumed: ArtifactFlow[] = artifactSources.filter(producesArtifacts).map((name) => ({ via: 'artifact', name, pos: at }));
    d.job.consumes = [...consumed, ...d.job.consumes];
  }

  for (const p of templating.problems) errors.push({ repo: repo.repo, file: p.origin.file, line: p.origin.line, code: p.code, message: p.message });

  const jobs = drafts.map((d) => d.job);
  const triggers: Trigger[] = workflowTriggers ?? (jobs.length > 0 ? dedupe(jobs.flatMap((j) => j.triggers)) : [{ kind: 'push' }]);
  const pipeline: Pipeline = { platform: 'gitlab-ci', repo: repo.repo, file: main.path, name: workflowName, triggers, jobs, uses: loaded.uses, errors };
  return { pipeline, errors: [] };
}
