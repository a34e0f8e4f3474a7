/**
 * scan: the whole engine over in-memory repositories — parse every platform's pipelines, resolve each
 * job's components through the ComponentSource, match them against the indicator, assess each match.
 * scanMany does the same for several indicators, parsing and resolving each repository once.
 * Pure (no fs, network, clock): the CLI and the bridge read files and render the result.
 */
import { assessJob } from './exposure/assess';
import { VERDICT_RANK } from './exposure/verdict';
import { matchJob } from './indicators/match';
import type {
  ComponentNode,
  ComponentSource,
  Finding,
  Indicator,
  Job,
  Match,
  ParseOptions,
  Pipeline,
  PlatformModule,
  RepoInput,
  ResolvedJob,
  ScanError,
  ScanResult,
  VersionInfo,
} from './model';
import { MAX_FINDINGS_PER_JOB, MAX_JOBS_PER_REPO, tooManyJobsMessage } from './limits';
import { PLATFORMS } from './platforms';
import { createResolver, type Expander, type ExpansionMemo, type Resolver } from './resolve/resolver';
import { mergeVersions } from './versions';

export interface ScanOptions {
  /** The platform modules to use (default: the registry). */
  platforms?: readonly PlatformModule[];
  /** How components are expanded (default: the platform whose `expands` lists the kind). */
  expander?: Expander;
  /** How a resolved job is matched (default: indicators/match). */
  match?: (resolved: ResolvedJob, pipeline: Pipeline, indicator: Indicator) => Match[];
  /** What the platforms' parsers are told beyond the files (Jenkins' implicitly loaded libraries). */
  parse?: ParseOptions;
}

type Unresolved = ScanResult['unresolved'][number];

/** Keeps the first `room` jobs of the pipeline (at most MAX_JOBS_PER_REPO per repository); an error names where the rest start. */
function capJobs(pipeline: Pipeline, room: number): { pipeline: Pipeline; error?: ScanError } {
  if (pipeline.jobs.length <= room) return { pipeline };
  const first = pipeline.jobs[room];
  const left = pipeline.jobs.length - room;
  return {
    pipeline: { ...pipeline, jobs: pipeline.jobs.slice(0, room) },
    error: {
      repo: pipeline.repo,
      file: first?.pos.file ?? pipeline.file,
      line: first?.pos.line ?? 1,
      code: 'too-many-jobs',
      message: tooManyJobsMessage(pipeline.file, left, first?.id ?? 'here'),
    },
  };
}

function platformExpander(platforms: readonly PlatformModule[]): Expander {
  return (use, ctx) => platforms.find((p) => p.expands.includes(use.ref.kind))?.expand(use, ctx);
}

function errorKey(e: ScanError): string {
  return `${e.repo}\u0000${e.file}\u0000${e.line}\u0000${e.code}\u0000${e.message}\u0000${e.versions?.map((v) => v.commit).join(',') ?? ''}`;
}

/** Findings, unresolved components and errors of a repository version say which version they were met in (versions.ts merges them). */
function inVersion<T extends object>(item: T, repo: RepoInput): T {
  return repo.version === undefined ? item : { ...item, versions: [repo.version] };
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    VERDICT_RANK[a.verdict] - VERDICT_RANK[b.verdict] ||
    Number(b.affected) - Number(a.affected) ||
    a.repo.localeCompare(b.repo) ||
    a.file.localeCompare(b.file) ||
    a.line - b.line ||
    a.job.localeCompare(b.job)
  );
}

/** localeCompare, answering equal strings without it (neighbours in these lists mostly share repo and file). */
function compareText(a: string, b: string): number {
  return a === b ? 0 : a.localeCompare(b);
}

function compareUnresolved(a: Unresolved, b: Unresolved): number {
  return compareText(a.repo, b.repo) || compareText(a.file, b.file) || a.line - b.line || compareText(a.ref, b.ref);
}

/** The unresolved nodes of a tree, depth first (walkNodes' order, without building each node's path). */
function unresolvedOf(nodes: readonly ComponentNode[], out: ComponentNode[]): void {
  for (const node of nodes) {
    if (node.status === 'unresolved') out.push(node);
    unresolvedOf(node.children, out);
  }
}

/** An unresolved node of a tree, met for the first time in the scan. */
interface UnresolvedNode {
  node: ComponentNode;
  /** Its entry in a result, made for the first builder that lists it and handed to the others (they list the same text). */
  unmatched?: Unresolved;
  matched?: Unresolved;
}

/** The unresolved nodes of one tree (a job's, a pipeline's free-standing uses) not met before, and what they are used by. */
interface FoundUnresolved {
  input: RepoInput;
  usedBy: string;
  source: ComponentSource;
  nodes: UnresolvedNode[];
  /** The reason texts made for its nodes, by why each is unresolved (unresolvedEntry). */
  reasons: Map<string, { matched?: string; unmatched?: string }> | undefined;
}

/**
 * The unresolved nodes of a tree, depth first, that `seen` does not hold yet (by repository version, file,
 * line and ref: each is listed once), added to it. Found once per tree for every indicator's builder:
 * each builder is handed every tree, in the same order, so what it would list for the first time is the
 * same for all of them.
 */
function unresolvedNodes(input: RepoInput, nodes: readonly ComponentNode[], usedBy: string, source: ComponentSource, seen: UnresolvedSeen): FoundUnresolved {
  const found: UnresolvedNode[] = [];
  const unresolved: ComponentNode[] = [];
  unresolvedOf(nodes, unresolved);
  if (unresolved.length === 0) return { input, usedBy, source, nodes: found, reasons: undefined };
  const inRepo = seen.of(input);
  for (const node of unresolved) {
    const u = node.use;
    const key = `${u.pos.file}\u0000${u.pos.line}\u0000${u.ref.raw}`;
    if (inRepo.has(key)) continue;
    inRepo.add(key);
    found.push({ node });
  }
  return { input, usedBy, source, nodes: found, reasons: undefined };
}

/**
 * Unresolved uses already listed, by repository version (its name, then its commit) and then by
 * `file\0line\0ref`: the same identity as one key joining all five, without copying the repository's name
 * and commit into a new string to hash for every use.
 */
class UnresolvedSeen {
  private readonly byRepo = new Map<string, Map<string, Set<string>>>();
  /** The uses listed for this repository version. */
  of(input: RepoInput): Set<string> {
    let byCommit = this.byRepo.get(input.repo);
    if (byCommit === undefined) {
      byCommit = new Map();
      this.byRepo.set(input.repo, byCommit);
    }
    const commit = input.version?.commit ?? '';
    let keys = byCommit.get(commit);
    if (keys === undefined) {
      keys = new Set();
      byCommit.set(commit, keys);
    }
    return keys;
  }
}

/** How a result lists an unresolved node: `matched`, the job matched the indicator (else it might hide it). */
function unresolvedEntry(found: FoundUnresolved, node: ComponentNode, matched: boolean): Unresolved {
  const u = node.use;
  const why = node.reason ?? found.source.describe(u.ref);
  // The uses of one tree mostly share why they are unresolved: one reason text for all of them (one string
  // to write out, rather than one per use).
  const reasons = (found.reasons ??= new Map());
  const known = reasons.get(why);
  let reason = matched ? known?.matched : known?.unmatched;
  if (reason === undefined) {
    const hint = matched ? '' : ': what it runs was not read, so it might hide the indicator';
    reason = `${why} (used by ${found.usedBy}${hint})`;
    if (known === undefined) reasons.set(why, matched ? { matched: reason } : { unmatched: reason });
    else if (matched) known.matched = reason;
    else known.unmatched = reason;
  }
  return inVersion({ repo: found.input.repo, file: u.pos.file, line: u.pos.line, ref: u.ref.raw, reason }, found.input);
}

/** mergeVersions in place; a list none of whose items has versions (a scan without history) is left as it is. */
function mergeInPlace<T extends { versions?: VersionInfo[] }>(items: T[]): void {
  if (!items.some((i) => i.versions !== undefined)) return;
  const merged = mergeVersions(items);
  items.length = 0;
  for (const i of merged) items.push(i);
}

/** What one indicator's result collects while the repositories are walked. */
class ResultBuilder {
  readonly findings: Finding[] = [];
  readonly errors: ScanError[] = [];
  readonly unresolved: Unresolved[] = [];
  readonly affectedJobs = new Set<string>();
  private readonly errorKeys = new Set<string>();

  constructor(readonly indicator: Indicator) {}

  addError(e: ScanError): void {
    const k = errorKey(e);
    if (this.errorKeys.has(k)) return;
    this.errorKeys.add(k);
    this.errors.push(e);
  }

  /** Lists the nodes (met for the first time: unresolvedNodes); `matched`, the job matched the indicator. */
  addUnresolved(found: FoundUnresolved, matched: boolean): void {
    for (const n of found.nodes) {
      // Every indicator lists the node with the same text (only `matched` changes it): one object for all
      // of them, which the JSON report also writes once (report/json.ts).
      const entry = matched ? (n.matched ??= unresolvedEntry(found, n.node, true)) : (n.unmatched ??= unresolvedEntry(found, n.node, false));
      this.unresolved.push(entry);
    }
  }

  result(repos: number, files: number, jobs: number): ScanResult {
    // One finding (unresolved use, error) for what several versions of a repository have alike.
    mergeInPlace(this.findings);
    mergeInPlace(this.unresolved);
    mergeInPlace(this.errors);
    this.findings.sort(compareFindings);
    this.unresolved.sort(compareUnresolved);
    return {
      indicator: { id: this.indicator.id, title: this.indicator.title },
      summary: { repos, files, jobs, affected: this.affectedJobs.size, unresolved: this.unresolved.length, errors: this.errors.length },
      findings: this.findings,
      unresolved: this.unresolved,
      errors: this.errors,
    };
  }
}

/**
 * One scanMany: what it was given and what it counts. The work is split in methods (a repository, a
 * platform's pipelines, a job) rather than one function: the engine compiles each once, where one large
 * function was compiled again for every kind of object that reached some part of it.
 */
class ScanRun {
  readonly builders: ResultBuilder[];
  private readonly platforms: readonly PlatformModule[];
  private readonly expander: Expander;
  private readonly match: (resolved: ResolvedJob, pipeline: Pipeline, indicator: Indicator) => Match[];
  private readonly memo: ExpansionMemo = new Map();
  /** Unresolved uses already listed (unresolvedNodes). */
  private readonly unresolvedSeen = new UnresolvedSeen();
  /** The repository being scanned: its errors say which version they were met in. */
  private current: RepoInput | undefined;
  files = 0;
  jobs = 0;
  // Several versions of one repository count once: its repository, its files and jobs by name.
  readonly versioned = { repos: new Set<string>(), files: new Set<string>(), jobs: new Set<string>() };

  constructor(
    indicators: readonly Indicator[],
    private readonly source: ComponentSource,
    private readonly options: ScanOptions,
  ) {
    this.platforms = options.platforms ?? PLATFORMS;
    this.expander = options.expander ?? platformExpander(this.platforms);
    this.match = options.match ?? matchJob;
    this.builders = indicators.map((indicator) => new ResultBuilder(indicator));
  }

  private addError(e: ScanError): void {
    const stamped = this.current === undefined ? e : inVersion(e, this.current);
    for (const b of this.builders) b.addError(stamped);
  }

  scanRepo(repo: RepoInput): void {
    this.current = repo;
    if (repo.version !== undefined) this.versioned.repos.add(repo.repo);
    const resolver = createResolver({ repo, source: this.source }, this.expander, this.memo);
    const matchedFiles = new Set<string>();
    const room = { left: MAX_JOBS_PER_REPO };
    for (const platform of this.platforms) this.scanPlatform(repo, platform, resolver, matchedFiles, room);
    for (const e of resolver.errors) this.addError(e);
    if (repo.version === undefined) this.files += matchedFiles.size;
    else for (const f of matchedFiles) this.versioned.files.add(`${repo.repo}\u0000${f}`);
    this.current = undefined;
  }

  private scanPlatform(repo: RepoInput, platform: PlatformModule, resolver: Resolver, matchedFiles: Set<string>, room: { left: number }): void {
    const own = repo.files.filter((f) => platform.matches(f.path));
    if (own.length === 0) return;
    for (const f of own) matchedFiles.add(f.path);
    let parsed: { pipelines: Pipeline[]; errors: ScanError[] };
    try {
      parsed = this.options.parse === undefined ? platform.parse(repo, this.source) : platform.parse(repo, this.source, this.options.parse);
    } catch (err) {
      // Parsers must not throw; if one does, the repository's other platforms are still scanned.
      this.addError({ repo: repo.repo, file: own[0]?.path ?? '', line: 1, code: 'internal-error', message: `${platform.displayName} parser failed: ${(err as Error).message}` });
      return;
    }
    for (const e of parsed.errors) this.addError(e);
    for (const p of parsed.pipelines) for (const e of p.errors) this.addError(e);
    const pipelines = parsed.pipelines.map((p) => {
      const capped = capJobs(p, room.left);
      if (capped.error) this.addError(capped.error);
      room.left = Math.max(0, room.left - capped.pipeline.jobs.length);
      return capped.pipeline;
    });

    // Resolve every job of the platform first: tamper paths and shared runners cross pipelines.
    // Indexed loops over the arrays made by map(): packed or holey by where map() ran, and for…of over
    // both made the optimised code of this method bail out and be compiled again.
    const resolvedBy: ResolvedJob[][] = [];
    const platformJobs: ResolvedJob[] = [];
    for (let p = 0; p < pipelines.length; p++) {
      const pipeline = pipelines[p] as Pipeline;
      const jobs: ResolvedJob[] = [];
      for (let j = 0; j < pipeline.jobs.length; j++) jobs.push(resolver.resolveJob(pipeline.jobs[j] as Job, pipeline));
      resolvedBy.push(jobs);
      const pipelineNodes = unresolvedNodes(repo, resolver.resolveUses(pipeline.uses), pipeline.file, this.source, this.unresolvedSeen);
      for (const b of this.builders) b.addUnresolved(pipelineNodes, false);
    }
    for (let p = 0; p < resolvedBy.length; p++) {
      const jobs = resolvedBy[p] as ResolvedJob[];
      for (let j = 0; j < jobs.length; j++) platformJobs.push(jobs[j] as ResolvedJob);
    }
    for (let p = 0; p < pipelines.length; p++) {
      const jobs = resolvedBy[p] as ResolvedJob[];
      for (let j = 0; j < jobs.length; j++) this.scanJob(repo, pipelines[p] as Pipeline, jobs[j] as ResolvedJob, platformJobs, pipelines);
    }
  }

  private scanJob(repo: RepoInput, pipeline: Pipeline, resolved: ResolvedJob, platformJobs: readonly ResolvedJob[], platformPipelines: readonly Pipeline[]): void {
    if (repo.version === undefined) this.jobs++;
    else this.versioned.jobs.add(`${repo.repo}\u0000${pipeline.file}\u0000${resolved.job.id}`);
    const jobUnresolved = unresolvedNodes(repo, resolved.components, `job ${resolved.job.name} in ${pipeline.file}`, this.source, this.unresolvedSeen);
    for (const b of this.builders) {
      let matches: Match[];
      try {
        matches = this.match(resolved, pipeline, b.indicator);
      } catch (err) {
        b.addError(inVersion({ repo: repo.repo, file: resolved.job.pos.file, line: resolved.job.pos.line, code: 'internal-error', message: `matching job ${resolved.job.id} failed: ${(err as Error).message}` }, repo));
        matches = [];
      }
      b.addUnresolved(jobUnresolved, matches.length > 0);
      if (matches.length > MAX_FINDINGS_PER_JOB) {
        // Affected uses first, so that what is left out never hides an exposure of the job.
        const ordered = [...matches.filter((m) => m.affected), ...matches.filter((m) => !m.affected)];
        b.addError(
          inVersion(
            {
              repo: repo.repo,
              file: resolved.job.pos.file,
              line: resolved.job.pos.line,
              code: 'too-many-findings',
              message: `job ${resolved.job.id} reaches ${b.indicator.id} through ${matches.length} uses; the first ${MAX_FINDINGS_PER_JOB} are reported`,
            },
            repo,
          ),
        );
        matches = ordered.slice(0, MAX_FINDINGS_PER_JOB);
      }
      for (const m of matches) {
        const finding = inVersion(assessJob(resolved, pipeline, platformJobs, m, platformPipelines), repo);
        b.findings.push(finding);
        if (finding.affected) b.affectedJobs.add(`${repo.repo}\u0000${pipeline.file}\u0000${resolved.job.id}`);
      }
    }
  }
}

/**
 * The engine against several indicators at once: every repository is parsed and its jobs resolved
 * once, then matched and assessed per indicator. One ScanResult per indicator, in their order, each
 * equal to what `scan(repos, indicator, source)` returns.
 */
export function scanMany(repos: readonly RepoInput[], indicators: readonly Indicator[], source: ComponentSource, options: ScanOptions = {}): ScanResult[] {
  const run = new ScanRun(indicators, source, options);
  for (const repo of repos) run.scanRepo(repo);
  const { versioned } = run;
  const repoCount = repos.filter((r) => r.version === undefined).length + versioned.repos.size;
  return run.builders.map((b) => b.result(repoCount, run.files + versioned.files.size, run.jobs + versioned.jobs.size));
}

/** The engine against one indicator (see scanMany). */
export function scan(repos: readonly RepoInput[], indicator: Indicator, source: ComponentSource, options: ScanOptions = {}): ScanResult {
  const [result] = scanMany(repos, [indicator], source, options);
  if (!result) throw new Error('scanMany returned no result for one indicator');
  return result;
}

/**
 * One scanMany's results from scanMany's over consecutive groups of the repositories (sources/parallel-scan.ts):
 * `parts[g][i]` is group g's result for indicator i. Each repository (all its versions) must be in one
 * group only. Lists are joined in the groups' order and sorted as scanMany sorts them (a stable sort:
 * what compares equal keeps the order one scan would give), counts are added: the result is the one a
 * single scanMany over all the repositories returns.
 */
export function mergeScanResults(parts: ReadonlyArray<readonly ScanResult[]>): ScanResult[] {
  const first = parts[0];
  if (!first) return [];
  return first.map((head, i) => {
    const all = parts.map((p) => {
      const r = p[i];
      if (!r || r.indicator.id !== head.indicator.id) throw new Error(`mergeScanResults: group results are not for the same indicators`);
      return r;
    });
    const findings = all.flatMap((r) => r.findings).sort(compareFindings);
    const unresolved = all.flatMap((r) => r.unresolved).sort(compareUnresolved);
    const errors = all.flatMap((r) => r.errors);
    const sum = (k: 'repos' | 'files' | 'jobs' | 'affected'): number => all.reduce((n, r) => n + r.summary[k], 0);
    return {
      indicator: head.indicator,
      summary: { repos: sum('repos'), files: sum('files'), jobs: sum('jobs'), affected: sum('affected'), unresolved: unresolved.length, errors: errors.length },
      findings,
      unresolved,
      errors,
    };
  });
}
