/**
 * Tamper paths: what the job writes that other jobs consume, and what those jobs hold.
 *   workspace (CircleCI)  → jobs that require it (transitively) and attach_workspace
 *   cache                 → any job of the repository restoring a key with the same static prefix, in the
 *                           scope the job writes into (the platform's `cacheScope`: on GitHub, a job that
 *                           only runs for pull requests reaches only runs of that pull request; on GitLab,
 *                           one that only runs in merge request pipelines does not reach protected-ref
 *                           caches). On GitHub any step can write ANY key of the repository's Actions cache
 *                           (the runtime token is in the runner): every job that restores a cache in scope,
 *                           whatever its key, and whether or not the job saves one
 *   artifact              → same-pipeline jobs downloading it by name (GitHub) / naming the producer
 *                           through dependencies, needs or earlier stages (GitLab: the artifact is named
 *                           after the producing job)
 *   push                  → jobs of the repository that run on pushes / tags and hold secrets or deploy
 *                           (the job pushes, or its token can push: write-all / contents: write)
 * When a write happens matters (the platform's `WriteRule.timing`): where writes are explicit steps
 * (CircleCI save_cache, persist_to_workspace, store_artifacts; GitHub upload-artifact), only those at or
 * after the compromised step carry its changes; what the platform collects at the end of the job, and
 * what any step can write itself, is reached from any step. Each path says why it is reachable (`reach`).
 * And onward: a consumer that writes something in turn passes the content on (a job restoring a poisoned
 * cache and persisting a workspace that deploy attaches), from the step where it reads it, so consumers
 * are followed transitively.
 */
import { globMatcher, isGlob } from '../glob';
import type { ArtifactFlow, CacheScope, ChainLink, FlowRules, Job, Pipeline, Platform, Position, ResolvedJob, SequencedStep, TamperHop, TamperPath, Trigger, WriteRule } from '../model';
import { PLATFORMS } from '../platforms';
import { walkNodes } from '../resolve/resolver';
import { hit, jobLabel, names, type ExposureRule, type RuleMeta } from './rule';
import { holds, onlyForkTriggers, permissionsText, privileged, tokenCanPush } from './holdings';

export const tamperMeta: RuleMeta = {
  id: 'tamper',
  description: 'What the job writes that other jobs consume (workspace, artifacts, caches, pushes), and what those jobs hold',
  severity: 'medium',
  confidence: 'medium',
};

/** The literal start of a cache key, before the first template or variable (`v1-deps-{{ checksum … }}` → `v1-deps-`). */
export function staticPrefix(key: string): string {
  const cut = key.search(/\{\{|\$\{\{|\$|<<|%/);
  return (cut < 0 ? key : key.slice(0, cut)).trim();
}

/** Two literal key prefixes can name the same key: one starts the other (an empty one is unknown: any). */
function prefixesMeet(a: string, b: string): boolean {
  return a === '' || b === '' || a.startsWith(b) || b.startsWith(a);
}

/** A restore key reads a saved key when one's literal prefix starts the other (unknown keys match anything). */
export function cacheKeysMeet(saved: string | undefined, restored: string | undefined): boolean {
  if (saved === undefined || restored === undefined) return true;
  return prefixesMeet(staticPrefix(saved), staticPrefix(restored));
}

/** An artifact download reads an upload: same name, a glob pattern that matches, or no name (all artifacts). */
export function artifactNamesMeet(produced: string | undefined, consumed: string | undefined): boolean {
  if (produced === undefined || consumed === undefined) return true;
  if (/\$\{\{|\$/.test(produced) || /\$\{\{|\$/.test(consumed)) return staticPrefix(produced).startsWith(staticPrefix(consumed)) || staticPrefix(consumed).startsWith(staticPrefix(produced));
  if (produced === consumed) return true;
  return isGlob(consumed) && globMatcher(consumed)(produced);
}

/** For each job id of the pipeline, the jobs that wait for it directly (the reverse of `needs`). */
const WAITERS = new WeakMap<Pipeline, Map<string, Job[]>>();

function waitersOf(pipeline: Pipeline): Map<string, Job[]> {
  let waiters = WAITERS.get(pipeline);
  if (!waiters) {
    waiters = new Map();
    for (const other of pipeline.jobs) {
      for (const n of new Set(other.needs)) {
        const list = waiters.get(n);
        if (list) list.push(other);
        else waiters.set(n, [other]);
      }
    }
    WAITERS.set(pipeline, waiters);
  }
  return waiters;
}

/** Ids of the jobs that (transitively) wait for `job` in its pipeline. Linear in the jobs and needs reached. */
export function downstream(job: Job, pipeline: Pipeline): Set<string> {
  const waiters = waitersOf(pipeline);
  const out = new Set<string>();
  const queue = [job.id];
  for (let i = 0; i < queue.length; i++) {
    for (const other of waiters.get(queue[i] as string) ?? []) {
      if (other.id === job.id || out.has(other.id)) continue;
      out.add(other.id);
      queue.push(other.id);
    }
  }
  return out;
}

/** The consumer's name, with its file when it is in another pipeline (file) than the producer. */
function consumerName(consumer: Job, sameFile: boolean): string {
  return sameFile ? consumer.name : `${consumer.name} (${consumer.pos.file})`;
}

/** A job restoring caches, with the literal prefixes of the keys it restores (undefined: any key). */
interface CacheReader {
  resolved: ResolvedJob;
  prefixes: readonly string[] | undefined;
}

function cacheReader(resolved: ResolvedJob): CacheReader | undefined {
  const prefixes: string[] = [];
  let reads = false;
  for (const c of resolved.job.consumes) {
    if (c.via !== 'cache') continue;
    reads = true;
    if (c.name === undefined) return { resolved, prefixes: undefined };
    for (const k of c.name.split(/,\s*/)) {
      const p = staticPrefix(k);
      if (p === '') return { resolved, prefixes: undefined };
      prefixes.push(p);
    }
  }
  return reads ? { resolved, prefixes } : undefined;
}

/** The reader restores a key that meets the saved key's literal prefix (`cacheKeysMeet`). */
function readsCache(reader: CacheReader, savedPrefix: string | undefined): boolean {
  if (reader.prefixes === undefined || savedPrefix === undefined) return true;
  return reader.prefixes.some((b) => prefixesMeet(savedPrefix, b));
}

function triggersOf(job: Job, pipeline: Pipeline | undefined): readonly Trigger[] {
  return job.triggers.length > 0 ? job.triggers : (pipeline?.triggers ?? []);
}

/** Some trigger of the job is one of `kinds` (unknown triggers: assume it may). */
function runsOn(job: Job, pipeline: Pipeline | undefined, kinds: ReadonlySet<Trigger['kind']>): boolean {
  const triggers = triggersOf(job, pipeline);
  return triggers.length === 0 || triggers.some((t) => kinds.has(t.kind));
}

// ───────────────────────────── what the platform says ─────────────────────────────

/** The platform's flow rules; undefined for a platform that states none (then everything fails closed). */
function flowRulesOf(platform: Platform | undefined): FlowRules | undefined {
  return platform === undefined ? undefined : PLATFORMS.find((p) => p.id === platform)?.flows;
}

/** How `via` is written on a platform; a platform that does not say: collected at the end (every step counts). */
function writeRuleOf(rules: FlowRules | undefined, via: ArtifactFlow['via']): WriteRule {
  return rules?.writes[via] ?? { timing: 'end-of-job', names: 'declared', why: `when this platform writes ${via === 'push' ? 'a push' : `its ${via}`} is not stated, so every step of the job counts` };
}

function cacheScopeOf(rules: FlowRules | undefined, triggers: readonly Trigger[]): CacheScope {
  return rules?.cacheScope(triggers) ?? { kind: 'repository', why: 'how this platform scopes caches is not stated, so every job of the repository may restore what it writes' };
}

/** Whether a reader runs where the scope's caches are read. */
function inScope(scope: CacheScope): (reader: Job, pipeline: Pipeline | undefined) => boolean {
  if (scope.kind === 'repository') return () => true;
  const kinds: ReadonlySet<Trigger['kind']> = new Set(scope.triggers);
  return (reader, pipeline) => runsOn(reader, pipeline, kinds);
}

// ───────────────────────────── order inside a job ─────────────────────────────

/** The job's run order: `sequence`, or its steps one after the other. */
function sequenceOf(job: Job): readonly SequencedStep[] {
  return job.sequence ?? job.steps.map((step, at) => ({ step, at }));
}

/**
 * Where a job's steps are written, as compromisedAt asks: the first SCAN_LOOKUPS places looked up are read
 * off the steps (a finding asks for a few: its chain's links), the rest from a table of every place, built
 * once (a job with thousands of uses of the component asks for thousands: each lookup must stay O(1)).
 */
interface JobPlaces {
  steps: readonly SequencedStep[];
  scans: number;
  table?: Map<string, number>;
}

const SCAN_LOOKUPS = 8;

const PLACES = new WeakMap<Job, JobPlaces>();

function placesOf(job: Job): JobPlaces {
  let places = PLACES.get(job);
  if (!places) {
    places = { steps: sequenceOf(job), scans: 0 };
    PLACES.set(job, places);
  }
  return places;
}

/** The earliest `at` the job runs a step written at `file:line` (see placeAt); undefined: none. */
function lookUpPlace(places: JobPlaces, file: string, line: number): number | undefined {
  if (places.table === undefined && places.scans < SCAN_LOOKUPS) {
    places.scans++;
    return placeAt(places.steps, file, line);
  }
  places.table ??= placeTable(places.steps);
  return places.table.get(placeKey(file, line));
}

function placeKey(file: string, line: number): string {
  return `${file}\u0000${line}`;
}

/** placeAt for every place (`file\u0000line`) at once; a run text inlined many times is walked once. */
function placeTable(steps: readonly SequencedStep[]): Map<string, number> {
  const places = new Map<string, number>();
  const put = (file: string, line: number, at: number): void => {
    const key = placeKey(file, line);
    const known = places.get(key);
    if (known === undefined || at < known) places.set(key, at);
  };
  const spans = new Map<string, number>();
  for (const { step, at } of steps) {
    put(step.pos.file, step.pos.line, at);
    if (step.uses) put(step.uses.pos.file, step.uses.pos.line, at);
    if (step.run === undefined) continue;
    const start = step.runPos ?? step.pos;
    const span = `${start.file}\u0000${start.line}\u0000${step.run.length}`;
    const seen = spans.get(span);
    if (seen !== undefined && seen <= at) continue;
    spans.set(span, at);
    const lines = step.run.split('\n').length;
    for (let i = 0; i < lines; i++) put(start.file, start.line + i, at);
  }
  return places;
}

/**
 * The earliest `at` the job runs a step written at `file:line`: the step itself, its component's `uses`,
 * or a line of its shell text (a fetched script is placed at its line in it); undefined: none.
 */
function placeAt(steps: readonly SequencedStep[], file: string, line: number): number | undefined {
  let best: number | undefined;
  for (const { step, at } of steps) {
    if (best !== undefined && at >= best) continue;
    if (
      (step.pos.line === line && step.pos.file === file) ||
      (step.uses && step.uses.pos.line === line && step.uses.pos.file === file) ||
      (step.run !== undefined && runHasLine(step.runPos ?? step.pos, step.run, file, line))
    ) {
      best = at;
    }
  }
  return best;
}

/** Whether `file:line` is one of the lines of shell text `run` written from `start`. */
function runHasLine(start: Position, run: string, file: string, line: number): boolean {
  if (start.file !== file || line < start.line) return false;
  let k = -1;
  for (let n = line - start.line; n > 0; n--) {
    k = run.indexOf('\n', k + 1);
    if (k < 0) return false;
  }
  return true;
}

/** Where the compromised code starts running in the job: its place in the run and where that step is written. */
export interface Compromise {
  at: number;
  pos: Position;
}

/** Per job, the compromise found for a component (`kind\u0000ref`). */
const COMPROMISES = new WeakMap<ResolvedJob, Map<string, Compromise | undefined>>();

/**
 * The earliest step of the job that runs the compromised component: the chain's links, and those of every
 * other use of the same component in the job (it may run twice), placed among the job's steps; the
 * outermost place found wins. Undefined when none is a step of the job (the component comes with the job
 * itself — an orb job, an image, a reusable workflow — or its place is not known): then every write counts.
 */
export function compromisedAt(resolved: ResolvedJob, chain: readonly ChainLink[]): Compromise | undefined {
  const last = chain[chain.length - 1];
  if (!last) return undefined;
  const places = placesOf(resolved.job);
  if (places.steps.length === 0) return undefined;
  const links: Array<{ file?: string; line?: number }> = [...chain];
  const key = `${last.kind}\u0000${last.ref}`;
  let known = COMPROMISES.get(resolved);
  if (known?.has(key) === true) return earliest(places, links, known.get(key));
  // Other uses of the same component in the job's tree, with the uses they come through.
  let found: Compromise | undefined;
  for (const { node, path } of walkNodes(resolved.components)) {
    if (node.use.ref.kind !== last.kind || node.use.ref.raw !== last.ref) continue;
    found = earliest(
      places,
      path.map((n) => ({ file: n.use.pos.file, line: n.use.pos.line })),
      found,
    );
  }
  if (!known) {
    known = new Map();
    COMPROMISES.set(resolved, known);
  }
  known.set(key, found);
  return earliest(places, links, found);
}

function earliest(places: JobPlaces, links: ReadonlyArray<{ file?: string; line?: number }>, best: Compromise | undefined): Compromise | undefined {
  let out = best;
  for (const l of links) {
    if (l.file === undefined || l.line === undefined) continue;
    const at = lookUpPlace(places, l.file, l.line);
    if (at !== undefined && (out === undefined || at < out.at)) out = { at, pos: { file: l.file, line: l.line } };
  }
  return out;
}

/** Where a consumer takes in what reached it by `via`: the earliest step that reads it (undefined: not known). */
function readAt(job: Job, via: ArtifactFlow['via']): number | undefined {
  let at: number | undefined;
  for (const c of job.consumes) {
    if (c.via !== via) continue;
    if (c.at === undefined) return undefined;
    if (at === undefined || c.at < at) at = c.at;
  }
  return at;
}

// ───────────────────────────── the graph ─────────────────────────────

/** Most consumers named in a reason sentence (privileged ones first; the tamper list has them all). */
const MAX_REASON_CONSUMERS = 8;

/** Longest chain of jobs followed from the affected job to a final consumer (cycles stop earlier). */
export const MAX_TAMPER_HOPS = 8;
/** Most consumers named on one tamper path. */
export const MAX_TAMPER_CONSUMERS = 200;

/** The name a path into a store any step can write is reported under. */
export const ANY_KEY = 'any key';

/** One thing a job writes and the jobs that read it directly (those that hold something first). */
interface DirectPath {
  via: TamperPath['via'];
  name?: string;
  /** May hold the job itself when shared between jobs (a store any step writes): skip it. */
  consumers: readonly ResolvedJob[];
  /** Reported even without consumers (an explicit push reaches whatever is built from the repository). */
  keepEmpty: boolean;
  rule: WriteRule;
  /** The writes behind it, in the job's order. */
  writes: ArtifactFlow[];
  /**
   * Written by explicit steps, the last of which runs at `last`: reached from a step at or before it.
   * Undefined: written at the end of the job or at any time (or a write the platform did not place).
   */
  last?: number;
  /** For caches: the scope the job writes into. */
  scope?: CacheScope;
}

/** The path carries changes made from a step at `from` on (undefined: from the start of the job). */
function reachable(path: DirectPath, from: number | undefined): boolean {
  return from === undefined || path.last === undefined || path.last >= from;
}

/** A path has a consumer other than the job itself. */
function hasOtherConsumer(path: DirectPath, job: Job): boolean {
  return path.consumers.some((c) => c.job !== job);
}

/**
 * A pipeline's artifact downloads by name: a download of a literal name is looked up, the rest (no
 * name, a glob, an expression) are checked one by one. A GitLab job downloads the artifacts of every
 * job of earlier stages, so a pipeline can hold as many downloads as the square of its jobs.
 */
interface ArtifactIndex {
  readers(produced: string | undefined): ResolvedJob[];
}

const LITERAL_NAME = /^[^*?$]*$/;

function artifactIndex(inPipeline: readonly ResolvedJob[]): ArtifactIndex {
  const byName = new Map<string, number[]>();
  const loose: Array<{ at: number; names: Array<string | undefined> }> = [];
  inPipeline.forEach((r, at) => {
    const names: Array<string | undefined> = [];
    for (const c of r.job.consumes) {
      if (c.via !== 'artifact') continue;
      if (c.name !== undefined && LITERAL_NAME.test(c.name)) {
        const list = byName.get(c.name);
        if (list === undefined) byName.set(c.name, [at]);
        else if (list[list.length - 1] !== at) list.push(at);
      } else {
        names.push(c.name);
      }
    }
    if (names.length > 0) loose.push({ at, names });
  });
  const everyReader = [...new Set([...[...byName.values()].flat(), ...loose.map((l) => l.at)])].sort((a, b) => a - b);
  return {
    readers(produced) {
      let found: number[];
      if (produced === undefined || !LITERAL_NAME.test(produced)) {
        // An unnamed upload or one named by an expression: compare with every download.
        found = everyReader.filter((at) => (inPipeline[at] as ResolvedJob).job.consumes.some((c) => c.via === 'artifact' && artifactNamesMeet(produced, c.name)));
      } else {
        const hits = new Set(byName.get(produced) ?? []);
        for (const l of loose) if (l.names.some((n) => artifactNamesMeet(produced, n))) hits.add(l.at);
        found = [...hits].sort((a, b) => a - b);
      }
      return found.map((at) => inPipeline[at] as ResolvedJob);
    },
  };
}

/** What the graph knows about every job, computed once per set of jobs. */
interface GraphIndex {
  pipelineOf(j: Job): Pipeline | undefined;
  resolvedOf(j: Job): ResolvedJob | undefined;
  holds(r: ResolvedJob): readonly string[];
  /** Jobs reading some cache, in order. */
  cacheReaders: readonly CacheReader[];
  /**
   * Every job restoring a cache in `scope`, whatever its key, in order — those that hold something first
   * when there are more than a path names — shared by every job writing into that scope.
   */
  scopeReaders(scope: CacheScope): readonly ResolvedJob[];
  /** The jobs of pipeline `p` downloading an artifact that `produced` meets, in order. */
  artifactReaders(p: Pipeline, produced: string | undefined): readonly ResolvedJob[];
  /** Jobs that hold secrets or deploy and run on pushes or tags (what a push reaches). */
  pushReaders(): readonly ResolvedJob[];
}

/** Consumers that hold something first, cut to the most a path names (stable). */
function holdersFirst(list: readonly ResolvedJob[], index: GraphIndex, room: number): ResolvedJob[] {
  return [...list.filter((c) => index.holds(c).length > 0), ...list.filter((c) => index.holds(c).length === 0)].slice(0, room);
}

/**
 * What `job` writes and who reads it directly, whatever step is compromised (tamperPaths keeps those the
 * compromised step reaches). Its pipeline (from the index) scopes workspaces and artifacts; without one
 * only caches and pushes, which cross pipelines, are followed.
 */
function directPaths(job: Job, index: GraphIndex): DirectPath[] {
  if (onlyForkTriggers(job)) return [];
  const pipeline = index.pipelineOf(job);
  const rules = flowRulesOf(pipeline?.platform);
  const scope = cacheScopeOf(rules, triggersOf(job, pipeline));
  const readsInScope = inScope(scope);
  const paths = new Map<string, { path: DirectPath; list: ResolvedJob[]; seen: Set<ResolvedJob> }>();
  const add = (flow: ArtifactFlow | undefined, via: TamperPath['via'], name: string | undefined, consumers: Iterable<ResolvedJob>, keepEmpty = false): void => {
    const key = `${via}\u0000${name ?? ''}`;
    const rule = writeRuleOf(rules, via);
    let entry = paths.get(key);
    if (!entry) {
      const list: ResolvedJob[] = [];
      entry = { path: { via, ...(name === undefined ? {} : { name }), consumers: list, keepEmpty, rule, writes: [], ...(via === 'cache' ? { scope } : {}) }, list, seen: new Set() };
      paths.set(key, entry);
      // Placed only when every write behind the path is an explicit step that the platform placed.
      if (rule.timing === 'explicit-step' && flow?.at !== undefined) entry.path.last = flow.at;
    } else if (entry.path.last !== undefined) {
      entry.path.last = flow?.at === undefined ? undefined : Math.max(entry.path.last, flow.at);
    }
    if (flow) entry.path.writes.push(flow);
    for (const c of consumers) {
      if (c.job === job || entry.seen.has(c)) continue;
      entry.seen.add(c);
      entry.list.push(c);
    }
    entry.path.keepEmpty ||= keepEmpty;
  };

  let after: Set<string> | undefined;
  let pushes = false;
  for (const flow of job.produces) {
    // A store any step can write is one path, below, whatever the job declares.
    if (writeRuleOf(rules, flow.via).names === 'any' && flow.via === 'cache') continue;
    switch (flow.via) {
      case 'workspace': {
        if (!pipeline) break;
        after ??= downstream(job, pipeline);
        const readers: ResolvedJob[] = [];
        for (const j of pipeline.jobs) {
          if (!after.has(j.id) || !j.consumes.some((c) => c.via === 'workspace')) continue;
          const r = index.resolvedOf(j);
          if (r) readers.push(r);
        }
        add(flow, 'workspace', flow.name, readers);
        break;
      }
      case 'cache': {
        const saved = flow.name === undefined ? undefined : staticPrefix(flow.name);
        const readers: ResolvedJob[] = [];
        for (const reader of index.cacheReaders) {
          if (!readsCache(reader, saved)) continue;
          if (!readsInScope(reader.resolved.job, index.pipelineOf(reader.resolved.job))) continue;
          readers.push(reader.resolved);
        }
        add(flow, 'cache', flow.name, readers);
        break;
      }
      case 'artifact':
        if (!pipeline) break;
        add(flow, 'artifact', flow.name, index.artifactReaders(pipeline, flow.name));
        break;
      case 'push':
        pushes = true;
        break;
      case 'release':
        break;
    }
  }
  if (pushes || tokenCanPush(job.permissions)) {
    const pushFlow = job.produces.find((f) => f.via === 'push');
    add(pushFlow, 'push', pushFlow?.name ?? `GITHUB_TOKEN (${permissionsText(job.permissions)})`, index.pushReaders(), true);
  }
  const out: DirectPath[] = [];
  const anyCache = writeRuleOf(rules, 'cache');
  if (anyCache.names === 'any') {
    // Any step can write any key of the store: every job restoring a cache in scope reads what it writes.
    const path: DirectPath = { via: 'cache', name: ANY_KEY, consumers: index.scopeReaders(scope), keepEmpty: false, rule: anyCache, writes: job.produces.filter((f) => f.via === 'cache'), scope };
    if (hasOtherConsumer(path, job)) out.push(path);
  }
  for (const { path } of paths.values()) {
    if (path.consumers.length === 0 && !path.keepEmpty) continue;
    // A path longer than a report names is cut: consumers that hold something go first (stable) so
    // that they are the ones kept. Shorter paths keep the configuration's order.
    // No path names more than MAX_TAMPER_CONSUMERS, so no more are kept.
    if (path.consumers.length > MAX_TAMPER_CONSUMERS) path.consumers = holdersFirst(path.consumers, index, MAX_TAMPER_CONSUMERS);
    out.push(path);
  }
  return out;
}

/** Who reads what each job writes, and what each job holds: computed once per set of jobs, on demand. */
interface FlowGraph {
  direct(job: Job): DirectPath[];
  holds(resolved: ResolvedJob): string[];
}

/**
 * Flow graphs by the identity of the jobs list and pipelines they were built from (a scan passes the
 * same lists for every job and indicator of a repository's platform), so that following consumers for
 * every affected job does not recompute every job's direct consumers each time. Weak: dropped with the scan.
 */
const GRAPHS = new WeakMap<readonly ResolvedJob[], { pipelines: readonly Pipeline[]; graph: FlowGraph }>();

function flowGraph(jobs: readonly ResolvedJob[], pipelines: readonly Pipeline[]): FlowGraph {
  const known = GRAPHS.get(jobs);
  if (known && known.pipelines.length === pipelines.length && known.pipelines.every((p, i) => p === pipelines[i])) return known.graph;
  const pipelineByJob = new Map<Job, Pipeline>();
  for (const p of [...pipelines].reverse()) for (const j of p.jobs) pipelineByJob.set(j, p);
  const resolvedByJob = new Map<Job, ResolvedJob>();
  for (const r of jobs) if (!resolvedByJob.has(r.job)) resolvedByJob.set(r.job, r);
  const held = new Map<Job, string[]>();
  const holdsOf = (r: ResolvedJob): string[] => {
    let found = held.get(r.job);
    if (!found) {
      found = holds(r.job, r);
      held.set(r.job, found);
    }
    return found;
  };
  const artifactIndexes = new Map<Pipeline, ArtifactIndex>();
  const byScope = new Map<string, ResolvedJob[]>();
  let pushReaders: ResolvedJob[] | undefined;
  const index: GraphIndex = {
    pipelineOf: (j) => pipelineByJob.get(j),
    resolvedOf: (j) => resolvedByJob.get(j),
    holds: holdsOf,
    cacheReaders: jobs.map(cacheReader).filter((r): r is CacheReader => r !== undefined),
    scopeReaders(scope) {
      const key = scope.kind === 'repository' ? 'repository' : `refs\u0000${[...scope.triggers].sort().join('\u0000')}`;
      let found = byScope.get(key);
      if (!found) {
        const readsInScope = inScope(scope);
        const all = index.cacheReaders.filter((r) => readsInScope(r.resolved.job, pipelineByJob.get(r.resolved.job))).map((r) => r.resolved);
        // One more than a path names: the job writing may be among them and is skipped.
        found = all.length > MAX_TAMPER_CONSUMERS + 1 ? holdersFirst(all, index, MAX_TAMPER_CONSUMERS + 1) : all;
        byScope.set(key, found);
      }
      return found;
    },
    artifactReaders(p, produced) {
      let found = artifactIndexes.get(p);
      if (!found) {
        const inPipeline = new Set(p.jobs);
        found = artifactIndex(jobs.filter((r) => inPipeline.has(r.job)));
        artifactIndexes.set(p, found);
      }
      return found.readers(produced);
    },
    pushReaders() {
      pushReaders ??= jobs.filter((r) => privileged(r.job, r) && r.job.triggers.some((t) => t.kind === 'push' || t.kind === 'tag'));
      return pushReaders;
    },
  };
  const directs = new Map<Job, DirectPath[]>();
  const graph: FlowGraph = {
    direct(j) {
      let found = directs.get(j);
      if (!found) {
        found = directPaths(j, index);
        directs.set(j, found);
      }
      return found;
    },
    holds: (r) => [...holdsOf(r)],
  };
  GRAPHS.set(jobs, { pipelines, graph });
  return graph;
}

/** Each pipeline's jobs as a set, made once. */
const PIPELINE_JOBS = new WeakMap<Pipeline, Set<Job>>();

function where(p: Position): string {
  return `${p.file}:${p.line}`;
}

/** Why the compromised code can change what the path carries, and who reads it: one clause per fact. */
function reachText(path: DirectPath, from: Compromise | undefined): string {
  const parts = [path.rule.why];
  if (path.rule.timing === 'explicit-step') {
    const placed = path.writes.filter((w) => w.at !== undefined);
    const latest = placed.reduce<ArtifactFlow | undefined>((a, b) => (a === undefined || (b.at ?? 0) > (a.at ?? 0) ? b : a), undefined);
    if (from === undefined || path.last === undefined || latest === undefined) {
      parts.push('the compromised code was not placed among the steps that write it (it comes with the job itself, or a write was not placed), so every write counts');
    } else if ((latest.at ?? 0) > from.at) {
      parts.push(`the write at ${where(latest.pos)} runs after the compromised step (${where(from.pos)})`);
    } else {
      parts.push(`the write at ${where(latest.pos)} runs with the compromised step (${where(from.pos)}), in an order that is not known`);
    }
  }
  if (path.scope) parts.push(path.scope.why);
  return parts.join('; ');
}

/** What the compromised step cannot reach: writes that all run before it, and who would have read them. */
export interface OutOfReach {
  via: TamperPath['via'];
  name?: string;
  /** The last of those writes. */
  write: Position;
  /** The direct readers. */
  readers: string[];
  why: string;
}

export interface TamperAnalysis {
  paths: TamperPath[];
  outOfReach: OutOfReach[];
}

/**
 * The tamper paths of `job`: for each thing it writes, the jobs that consume it and what they hold —
 * followed transitively: a consumer that in turn writes something (a workspace, an artifact, a cache, a
 * push) passes what it read on, so the consumers of that are named too, with the jobs in between
 * (`deploy (through test: workspace)`). Breadth first, each job named once per path at its shortest
 * route, at most MAX_TAMPER_HOPS jobs deep; cycles end because a job is never visited twice.
 * `jobs` are the resolved jobs of the repository on the same platform (caches and pushes cross
 * pipelines); `pipelines` the pipelines they belong to (for workspaces and artifacts of consumers in
 * other pipelines; without it only `pipeline`'s jobs are placed). `from`: where the compromised code
 * starts (compromisedAt); writes of explicit steps before it are out of reach (undefined: every write
 * counts). A consumer passes on what it writes from the step where it reads what reached it.
 */
export function tamperAnalysis(job: Job, pipeline: Pipeline, jobs: readonly ResolvedJob[], pipelines: readonly Pipeline[] = [], from?: Compromise): TamperAnalysis {
  let inPipeline = PIPELINE_JOBS.get(pipeline);
  if (!inPipeline) {
    inPipeline = new Set(pipeline.jobs);
    PIPELINE_JOBS.set(pipeline, inPipeline);
  }
  const graph = flowGraph(jobs, pipelines.includes(pipeline) ? pipelines : [pipeline, ...pipelines]);
  const direct = graph.direct;
  const holdsOf = graph.holds;

  const out: TamperPath[] = [];
  const outOfReach: OutOfReach[] = [];
  for (const first of direct(job)) {
    if (!reachable(first, from?.at)) {
      const last = first.writes.reduce<ArtifactFlow | undefined>((a, b) => (a === undefined || (b.at ?? 0) > (a.at ?? 0) ? b : a), undefined);
      outOfReach.push({
        via: first.via,
        ...(first.name === undefined ? {} : { name: first.name }),
        write: last?.pos ?? job.pos,
        readers: first.consumers.filter((c) => c.job !== job).map((c) => consumerName(c.job, inPipeline.has(c.job))),
        why: first.rule.why,
      });
      continue;
    }
    const path: TamperPath = first.name === undefined ? { via: first.via, consumers: [] } : { via: first.via, name: first.name, consumers: [] };
    const visited = new Set<Job>([job]);
    interface Hop {
      consumer: ResolvedJob;
      /** How what the path carries reached it. */
      via: TamperPath['via'];
      /** The jobs in between, each with how it passed the content on. */
      route: Array<{ job: Job; via: TamperPath['via']; name?: string }>;
    }
    let frontier: Hop[] = [];
    // Each queued hop becomes a named consumer, so queueing stops at the most a path names: the walk
    // stays bounded however many jobs read what this one writes.
    let queued = 0;
    for (const c of first.consumers) {
      if (queued >= MAX_TAMPER_CONSUMERS) break;
      if (visited.has(c.job)) continue;
      visited.add(c.job);
      frontier.push({ consumer: c, via: first.via, route: [] });
      queued++;
    }
    for (let depth = 1; frontier.length > 0 && path.consumers.length < MAX_TAMPER_CONSUMERS; depth++) {
      const next: Hop[] = [];
      for (const hop of frontier) {
        if (path.consumers.length >= MAX_TAMPER_CONSUMERS) break;
        const c = hop.consumer.job;
        const name = consumerName(c, inPipeline.has(c));
        const steps = hop.route.map((r) => `${consumerName(r.job, inPipeline.has(r.job))}: ${r.via}`);
        const through = (steps.length > 4 ? [...steps.slice(0, 2), `… ${steps.length - 3} more`, ...steps.slice(-1)] : steps).join(', ');
        const holdsThere = holdsOf(hop.consumer);
        if (through === '') {
          path.consumers.push({ job: name, holds: holdsThere });
        } else {
          const hops = hop.route.map((r): TamperHop => ({ job: consumerName(r.job, inPipeline.has(r.job)), via: r.via, ...(r.name === undefined ? {} : { name: r.name }) }));
          path.consumers.push({ job: `${name} (through ${through})`, holds: holdsThere, through: hops });
        }
        if (depth >= MAX_TAMPER_HOPS) continue;
        // What it writes from the step where it reads the tampered content on.
        const readFrom = readAt(c, hop.via);
        for (const onward of direct(c)) {
          if (!reachable(onward, readFrom)) continue;
          for (const d of onward.consumers) {
            if (queued >= MAX_TAMPER_CONSUMERS) break;
            if (visited.has(d.job)) continue;
            visited.add(d.job);
            queued++;
            next.push({ consumer: d, via: onward.via, route: [...hop.route, { job: c, via: onward.via, ...(onward.name === undefined ? {} : { name: onward.name }) }] });
          }
        }
      }
      frontier = next;
    }
    if (path.consumers.length > 0 || first.keepEmpty) {
      path.reach = reachText(first, from);
      out.push(path);
    }
  }
  return { paths: out, outOfReach };
}

/** The tamper paths of `job` (see tamperAnalysis). */
export function tamperPaths(job: Job, pipeline: Pipeline, jobs: readonly ResolvedJob[], pipelines: readonly Pipeline[] = [], from?: Compromise): TamperPath[] {
  return tamperAnalysis(job, pipeline, jobs, pipelines, from).paths;
}

export const tamperRule: ExposureRule = {
  meta: tamperMeta,
  check({ resolved, job, pipeline, jobs, pipelines, match, platformIncident }) {
    // A platform breach leaks stored secrets; it does not run code in the job, so nothing it writes is tampered with.
    if (platformIncident) return hit(tamperMeta).build();
    const from = compromisedAt(resolved, match.chain);
    const { paths, outOfReach } = tamperAnalysis(job, pipeline, jobs, pipelines, from);
    const h = hit(tamperMeta).tamper(paths);
    // Writes the compromised step comes too late for: said, so that a reader sees why they are not paths.
    for (const o of outOfReach) {
      const readers = o.readers.length > 0 ? `what ${names(o.readers, MAX_REASON_CONSUMERS)} read from it` : 'it';
      h.reason(
        `Out of reach: ${jobLabel(job)} writes ${o.via} \`${o.name ?? '(unnamed)'}\` at ${where(o.write)}, before the compromised step (${from ? where(from.pos) : 'not placed'}); ${o.why}, so the compromised code cannot change ${readers}.`,
      );
    }
    if (paths.length === 0) return h.build();
    h.signal('tamper');
    const flowPos = (via: TamperPath['via'], name: string | undefined): string => {
      if (name === ANY_KEY && from) return where(from.pos);
      const f = job.produces.find((p) => p.via === via && p.name === name) ?? job.produces.find((p) => p.via === via);
      return f ? where(f.pos) : where(job.pos);
    };
    for (const p of paths) {
      const what =
        p.via === 'push'
          ? `can push to the repository (${p.name ?? 'git push'})`
          : p.name === ANY_KEY
            ? `can write ${p.via === 'cache' ? "any key of the repository's cache" : `any ${p.via}`}`
            : `writes ${p.via} \`${p.name ?? '(unnamed)'}\``;
      const privilegedConsumers = p.consumers.filter((c) => c.holds.length > 0);
      if (privilegedConsumers.length > 0) h.signal('tamperToPrivileged');
      // Those that hold something first; long lists are cut here (the tamper list has them all).
      const ordered = [...privilegedConsumers, ...p.consumers.filter((c) => c.holds.length === 0)];
      const shown = ordered.slice(0, MAX_REASON_CONSUMERS).map((c) => (c.holds.length > 0 ? `\`${c.job}\` (holds ${c.holds.join(', ')})` : `\`${c.job}\``));
      const rest = ordered.length - MAX_REASON_CONSUMERS;
      if (rest > 0) shown.push(privilegedConsumers.length > MAX_REASON_CONSUMERS ? `${rest} more` : `${rest} more that hold nothing`);
      const consumers =
        p.consumers.length === 0 ? (p.via === 'push' ? 'whatever is built from the repository later' : 'no job in the config') : shown.join('; ');
      h.reason(`${jobLabel(job)} ${what} (${flowPos(p.via, p.name)}), consumed by ${consumers}. Reachable because ${p.reach ?? 'every write counts'}.`);
    }
    const vias = [...new Set(paths.map((p) => p.via))];
    h.advice(
      `Defence in depth: do not share ${names(vias)} between this job and jobs that deploy or hold secrets; give those jobs their own cache key prefixes and inputs, or verify what they consume (checksums, attestations).`,
    );
    if (paths.some((p) => p.name === ANY_KEY && p.via === 'cache')) {
      h.advice(
        "Any step of a job that runs on the default branch can write every key of the repository's Actions cache: do not restore caches in jobs that release, deploy or hold secrets (key prefixes do not protect them), and pin the third-party code such jobs run to reviewed commits.",
      );
    }
    return h.build();
  },
};
