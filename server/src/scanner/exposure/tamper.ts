/**
 * Tamper paths: what the job writes that other jobs consume, and what those jobs hold.
 *   workspace (CircleCI)  → jobs that require it (transitively) and attach_workspace
 *   cache                 → any job of the repository restoring a key with the same static prefix (on
 *                           GitHub, a job that only runs for pull requests reaches only pull-request runs:
 *                           caches are scoped by ref; on GitLab, one that only runs in merge request
 *                           pipelines does not reach protected-ref caches)
 *   artifact              → same-pipeline jobs downloading it by name (GitHub) / naming the producer
 *                           through dependencies, needs or earlier stages (GitLab: the artifact is named
 *                           after the producing job)
 *   push                  → jobs of the repository that run on pushes / tags and hold secrets or deploy
 *                           (the job pushes, or its token can push: write-all / contents: write)
 * and onward: a consumer that writes something in turn passes the content on (a job restoring a poisoned
 * cache and persisting a workspace that deploy attaches), so consumers are followed transitively.
 */
import type { Job, Pipeline, ResolvedJob, TamperHop, TamperPath, Trigger } from '../model';
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

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** An artifact download reads an upload: same name, a glob pattern that matches, or no name (all artifacts). */
export function artifactNamesMeet(produced: string | undefined, consumed: string | undefined): boolean {
  if (produced === undefined || consumed === undefined) return true;
  if (/\$\{\{|\$/.test(produced) || /\$\{\{|\$/.test(consumed)) return staticPrefix(produced).startsWith(staticPrefix(consumed)) || staticPrefix(consumed).startsWith(staticPrefix(produced));
  if (produced === consumed) return true;
  return /[*?]/.test(consumed) && globToRegExp(consumed).test(produced);
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

const PR_KINDS: ReadonlySet<Trigger['kind']> = new Set<Trigger['kind']>(['pull_request', 'pull_request_fork']);
const MR_KINDS: ReadonlySet<Trigger['kind']> = new Set<Trigger['kind']>(['merge_request']);

function triggersOf(job: Job, pipeline: Pipeline | undefined): readonly Trigger[] {
  return job.triggers.length > 0 ? job.triggers : (pipeline?.triggers ?? []);
}

/** Every trigger of the job is one of `kinds` (and it has some). */
function onlyRunsOn(job: Job, pipeline: Pipeline | undefined, kinds: ReadonlySet<Trigger['kind']>): boolean {
  const triggers = triggersOf(job, pipeline);
  return triggers.length > 0 && triggers.every((t) => kinds.has(t.kind));
}

/** Some trigger of the job is one of `kinds` (unknown triggers: assume it may). */
function runsOn(job: Job, pipeline: Pipeline | undefined, kinds: ReadonlySet<Trigger['kind']>): boolean {
  const triggers = triggersOf(job, pipeline);
  return triggers.length === 0 || triggers.some((t) => kinds.has(t.kind));
}

/** Most consumers named in a reason sentence (privileged ones first; the tamper list has them all). */
const MAX_REASON_CONSUMERS = 8;

/** Longest chain of jobs followed from the affected job to a final consumer (cycles stop earlier). */
export const MAX_TAMPER_HOPS = 8;
/** Most consumers named on one tamper path. */
export const MAX_TAMPER_CONSUMERS = 200;

/** One thing a job writes and the jobs that read it directly (those that hold something first). */
interface DirectPath {
  via: TamperPath['via'];
  name?: string;
  consumers: ResolvedJob[];
  /** Reported even without consumers (an explicit push reaches whatever is built from the repository). */
  keepEmpty: boolean;
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
  /** The jobs of pipeline `p` downloading an artifact that `produced` meets, in order. */
  artifactReaders(p: Pipeline, produced: string | undefined): readonly ResolvedJob[];
  /** Jobs that hold secrets or deploy and run on pushes or tags (what a push reaches). */
  pushReaders(): readonly ResolvedJob[];
}

/**
 * What `job` writes and who reads it directly. Its pipeline (from the index) scopes workspaces and
 * artifacts; without one only caches and pushes, which cross pipelines, are followed.
 */
function directPaths(job: Job, index: GraphIndex): DirectPath[] {
  if (onlyForkTriggers(job)) return [];
  const pipeline = index.pipelineOf(job);
  // GitHub scopes caches by ref: what a pull_request run saves is restored only by runs of that pull
  // request, never by runs on the default branch or tags (where releases run). GitLab keeps separate
  // caches for protected and unprotected refs: a job that only runs in merge request pipelines cannot
  // reach the cache of protected-branch or tag jobs.
  const prScoped =
    (pipeline?.platform === 'github-actions' && onlyRunsOn(job, pipeline, PR_KINDS)) || (pipeline?.platform === 'gitlab-ci' && onlyRunsOn(job, pipeline, MR_KINDS));
  const scopeKinds = pipeline?.platform === 'gitlab-ci' ? MR_KINDS : PR_KINDS;
  const paths = new Map<string, { path: DirectPath; seen: Set<ResolvedJob> }>();
  const add = (via: TamperPath['via'], name: string | undefined, consumers: Iterable<ResolvedJob>, keepEmpty = false): void => {
    const key = `${via}\u0000${name ?? ''}`;
    let entry = paths.get(key);
    if (!entry) {
      entry = { path: { via, ...(name === undefined ? {} : { name }), consumers: [], keepEmpty }, seen: new Set() };
      paths.set(key, entry);
    }
    for (const c of consumers) {
      if (c.job === job || entry.seen.has(c)) continue;
      entry.seen.add(c);
      entry.path.consumers.push(c);
    }
    entry.path.keepEmpty ||= keepEmpty;
  };

  let after: Set<string> | undefined;
  let pushes = false;
  for (const flow of job.produces) {
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
        add('workspace', flow.name, readers);
        break;
      }
      case 'cache': {
        const saved = flow.name === undefined ? undefined : staticPrefix(flow.name);
        const readers: ResolvedJob[] = [];
        for (const reader of index.cacheReaders) {
          if (!readsCache(reader, saved)) continue;
          if (prScoped && !runsOn(reader.resolved.job, index.pipelineOf(reader.resolved.job), scopeKinds)) continue;
          readers.push(reader.resolved);
        }
        add('cache', flow.name, readers);
        break;
      }
      case 'artifact':
        if (!pipeline) break;
        add('artifact', flow.name, index.artifactReaders(pipeline, flow.name));
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
    add('push', pushFlow?.name ?? `GITHUB_TOKEN (${permissionsText(job.permissions)})`, index.pushReaders(), true);
  }
  const out: DirectPath[] = [];
  for (const { path } of paths.values()) {
    if (path.consumers.length === 0 && !path.keepEmpty) continue;
    // A path longer than a report names is cut: consumers that hold something go first (stable) so
    // that they are the ones kept. Shorter paths keep the configuration's order.
    // No path names more than MAX_TAMPER_CONSUMERS, so no more are kept.
    if (path.consumers.length > MAX_TAMPER_CONSUMERS) {
      path.consumers = [...path.consumers.filter((c) => index.holds(c).length > 0), ...path.consumers.filter((c) => index.holds(c).length === 0)].slice(0, MAX_TAMPER_CONSUMERS);
    }
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
  let pushReaders: ResolvedJob[] | undefined;
  const index: GraphIndex = {
    pipelineOf: (j) => pipelineByJob.get(j),
    resolvedOf: (j) => resolvedByJob.get(j),
    holds: holdsOf,
    cacheReaders: jobs.map(cacheReader).filter((r): r is CacheReader => r !== undefined),
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

/**
 * The tamper paths of `job`: for each thing it writes, the jobs that consume it and what they hold —
 * followed transitively: a consumer that in turn writes something (a workspace, an artifact, a cache, a
 * push) passes what it read on, so the consumers of that are named too, with the jobs in between
 * (`deploy (through test: workspace)`). Breadth first, each job named once per path at its shortest
 * route, at most MAX_TAMPER_HOPS jobs deep; cycles end because a job is never visited twice.
 * `jobs` are the resolved jobs of the repository on the same platform (caches and pushes cross
 * pipelines); `pipelines` the pipelines they belong to (for workspaces and artifacts of consumers in
 * other pipelines; without it only `pipeline`'s jobs are placed).
 */
export function tamperPaths(job: Job, pipeline: Pipeline, jobs: readonly ResolvedJob[], pipelines: readonly Pipeline[] = []): TamperPath[] {
  let inPipeline = PIPELINE_JOBS.get(pipeline);
  if (!inPipeline) {
    inPipeline = new Set(pipeline.jobs);
    PIPELINE_JOBS.set(pipeline, inPipeline);
  }
  const graph = flowGraph(jobs, pipelines.includes(pipeline) ? pipelines : [pipeline, ...pipelines]);
  const direct = graph.direct;
  const holdsOf = graph.holds;

  const out: TamperPath[] = [];
  for (const first of direct(job)) {
    const path: TamperPath = first.name === undefined ? { via: first.via, consumers: [] } : { via: first.via, name: first.name, consumers: [] };
    const visited = new Set<Job>([job]);
    interface Hop {
      consumer: ResolvedJob;
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
      frontier.push({ consumer: c, route: [] });
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
        for (const onward of direct(c)) {
          for (const d of onward.consumers) {
            if (queued >= MAX_TAMPER_CONSUMERS) break;
            if (visited.has(d.job)) continue;
            visited.add(d.job);
            queued++;
            next.push({ consumer: d, route: [...hop.route, { job: c, via: onward.via, ...(onward.name === undefined ? {} : { name: onward.name }) }] });
          }
        }
      }
      frontier = next;
    }
    if (path.consumers.length > 0 || first.keepEmpty) out.push(path);
  }
  return out;
}

export const tamperRule: ExposureRule = {
  meta: tamperMeta,
  check({ job, pipeline, jobs, pipelines, platformIncident }) {
    // A platform breach leaks stored secrets; it does not run code in the job, so nothing it writes is tampered with.
    if (platformIncident) return hit(tamperMeta).build();
    const paths = tamperPaths(job, pipeline, jobs, pipelines);
    const h = hit(tamperMeta).tamper(paths);
    if (paths.length === 0) return h.build();
    h.signal('tamper');
    const flowPos = (via: TamperPath['via'], name: string | undefined): string => {
      const f = job.produces.find((p) => p.via === via && p.name === name) ?? job.produces.find((p) => p.via === via);
      return f ? `${f.pos.file}:${f.pos.line}` : `${job.pos.file}:${job.pos.line}`;
    };
    for (const p of paths) {
      const what = p.via === 'push' ? `can push to the repository (${p.name ?? 'git push'})` : `writes ${p.via} \`${p.name ?? '(unnamed)'}\``;
      const privilegedConsumers = p.consumers.filter((c) => c.holds.length > 0);
      if (privilegedConsumers.length > 0) h.signal('tamperToPrivileged');
      // Those that hold something first; long lists are cut here (the tamper list has them all).
      const ordered = [...privilegedConsumers, ...p.consumers.filter((c) => c.holds.length === 0)];
      const shown = ordered.slice(0, MAX_REASON_CONSUMERS).map((c) => (c.holds.length > 0 ? `\`${c.job}\` (holds ${c.holds.join(', ')})` : `\`${c.job}\``));
      const rest = ordered.length - MAX_REASON_CONSUMERS;
      if (rest > 0) shown.push(privilegedConsumers.length > MAX_REASON_CONSUMERS ? `${rest} more` : `${rest} more that hold nothing`);
      const consumers =
        p.consumers.length === 0 ? (p.via === 'push' ? 'whatever is built from the repository later' : 'no job in the config') : shown.join('; ');
      h.reason(`${jobLabel(job)} ${what} (${flowPos(p.via, p.name)}), consumed by ${consumers}.`);
    }
    const vias = [...new Set(paths.map((p) => p.via))];
    h.advice(
      `Defence in depth: do not share ${names(vias)} between this job and jobs that deploy or hold secrets; give those jobs their own cache key prefixes and inputs, or verify what they consume (checksums, attestations).`,
    );
    return h.build();
  },
};
