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
  Match,
  ParseOptions,
  Pipeline,
  PlatformModule,
  RepoInput,
  ResolvedJob,
  ScanError,
  ScanResult,
} from './model';
import { MAX_FINDINGS_PER_JOB, MAX_JOBS_PER_REPO, tooManyJobsMessage } from './limits';
import { PLATFORMS } from './platforms';
import { createResolver, type Expander, type ExpansionMemo } from './resolve/resolver';
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

function compareUnresolved(a: Unresolved, b: Unresolved): number {
  return a.repo.localeCompare(b.repo) || a.file.localeCompare(b.file) || a.line - b.line || a.ref.localeCompare(b.ref);
}

/** Every node of a tree, depth first (walkNodes' order, without building each node's path). */
function eachNode(nodes: readonly ComponentNode[], out: ComponentNode[] = []): ComponentNode[] {
  for (const node of nodes) {
    out.push(node);
    eachNode(node.children, out);
  }
  return out;
}

/** An unresolved node of a tree, with the key that lists it once per repository version. */
interface UnresolvedNode {
  node: ComponentNode;
  key: string;
}

/**
 * The unresolved nodes of a tree, depth first, keyed: found once per tree and handed to every
 * indicator's builder (the same key string each time, so each builder's set hashes it only once).
 */
function unresolvedNodes(input: RepoInput, nodes: readonly ComponentNode[]): UnresolvedNode[] {
  const found: UnresolvedNode[] = [];
  for (const node of eachNode(nodes)) {
    if (node.status !== 'unresolved') continue;
    const u = node.use;
    found.push({ node, key: `${input.repo}\u0000${u.pos.file}\u0000${u.pos.line}\u0000${u.ref.raw}\u0000${input.version?.commit ?? ''}` });
  }
  return found;
}

/** What one indicator's result collects while the repositories are walked. */
class ResultBuilder {
  readonly findings: Finding[] = [];
  readonly errors: ScanError[] = [];
  readonly unresolved: Unresolved[] = [];
  readonly affectedJobs = new Set<string>();
  private readonly errorKeys = new Set<string>();
  private readonly unresolvedKeys = new Set<string>();

  constructor(
    readonly indicator: Indicator,
    private readonly source: ComponentSource,
  ) {}

  addError(e: ScanError): void {
    const k = errorKey(e);
    if (this.errorKeys.has(k)) return;
    this.errorKeys.add(k);
    this.errors.push(e);
  }

  addUnresolved(input: RepoInput, found: readonly UnresolvedNode[], usedBy: string, matched: boolean): void {
    for (const { node, key } of found) {
      if (this.unresolvedKeys.has(key)) continue;
      this.unresolvedKeys.add(key);
      const u = node.use;
      const why = node.reason ?? this.source.describe(u.ref);
      const hint = matched ? '' : ': what it runs was not read, so it might hide the indicator';
      this.unresolved.push(inVersion({ repo: input.repo, file: u.pos.file, line: u.pos.line, ref: u.ref.raw, reason: `${why} (used by ${usedBy}${hint})` }, input));
    }
  }

  result(repos: number, files: number, jobs: number): ScanResult {
    // One finding (unresolved use, error) for what several versions of a repository have alike.
    const findings = mergeVersions(this.findings);
    const unresolved = mergeVersions(this.unresolved);
    const errors = mergeVersions(this.errors);
    this.findings.splice(0, this.findings.length, ...findings);
    this.unresolved.splice(0, this.unresolved.length, ...unresolved);
    this.errors.splice(0, this.errors.length, ...errors);
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
 * The engine against several indicators at once: every repository is parsed and its jobs resolved
 * once, then matched and assessed per indicator. One ScanResult per indicator, in their order, each
 * equal to what `scan(repos, indicator, source)` returns.
 */
export function scanMany(repos: readonly RepoInput[], indicators: readonly Indicator[], source: ComponentSource, options: ScanOptions = {}): ScanResult[] {
  const platforms = options.platforms ?? PLATFORMS;
  const expander = options.expander ?? platformExpander(platforms);
  const match = options.match ?? matchJob;
  const memo: ExpansionMemo = new Map();
  const builders = indicators.map((indicator) => new ResultBuilder(indicator, source));
  let current: RepoInput | undefined;
  const addError = (e: ScanError): void => {
    const stamped = current === undefined ? e : inVersion(e, current);
    for (const b of builders) b.addError(stamped);
  };

  let files = 0;
  let jobs = 0;
  // Several versions of one repository count once: its repository, its files and jobs by name.
  const versioned = { repos: new Set<string>(), files: new Set<string>(), jobs: new Set<string>() };

  for (const repo of repos) {
    current = repo;
    if (repo.version !== undefined) versioned.repos.add(repo.repo);
    const ctx = { repo, source };
    let room = MAX_JOBS_PER_REPO;
    const resolver = createResolver(ctx, expander, memo);
    const matchedFiles = new Set<string>();
    for (const platform of platforms) {
      const own = repo.files.filter((f) => platform.matches(f.path));
      if (own.length === 0) continue;
      for (const f of own) matchedFiles.add(f.path);
      let parsed: { pipelines: Pipeline[]; errors: ScanError[] };
      try {
        parsed = options.parse === undefined ? platform.parse(repo, source) : platform.parse(repo, source, options.parse);
      } catch (err) {
        // Parsers must not throw; if one does, the repository's other platforms are still scanned.
        addError({ repo: repo.repo, file: own[0]?.path ?? '', line: 1, code: 'internal-error', message: `${platform.displayName} parser failed: ${(err as Error).message}` });
        continue;
      }
      for (const e of parsed.errors) addError(e);
      for (const p of parsed.pipelines) for (const e of p.errors) addError(e);
      const pipelines = parsed.pipelines.map((p) => {
        const capped = capJobs(p, room);
        if (capped.error) addError(capped.error);
        room = Math.max(0, room - capped.pipeline.jobs.length);
        return capped.pipeline;
      });

      // Resolve every job of the platform first: tamper paths and shared runners cross pipelines.
      const resolvedBy = new Map<Pipeline, ResolvedJob[]>();
      for (const pipeline of pipelines) {
        resolvedBy.set(pipeline, pipeline.jobs.map((job) => resolver.resolveJob(job, pipeline)));
        const pipelineNodes = unresolvedNodes(repo, resolver.resolveUses(pipeline.uses));
        for (const b of builders) b.addUnresolved(repo, pipelineNodes, `${pipeline.file}`, false);
      }
      const platformJobs = [...resolvedBy.values()].flat();
      const platformPipelines = [...resolvedBy.keys()];

      for (const [pipeline, resolvedJobs] of resolvedBy) {
        for (const resolved of resolvedJobs) {
          if (repo.version === undefined) jobs++;
          else versioned.jobs.add(`${repo.repo}\u0000${pipeline.file}\u0000${resolved.job.id}`);
          const jobUnresolved = unresolvedNodes(repo, resolved.components);
          const usedBy = `job ${resolved.job.name} in ${pipeline.file}`;
          for (const b of builders) {
            let matches: Match[];
            try {
              matches = match(resolved, pipeline, b.indicator);
            } catch (err) {
              b.addError(inVersion({ repo: repo.repo, file: resolved.job.pos.file, line: resolved.job.pos.line, code: 'internal-error', message: `matching job ${resolved.job.id} failed: ${(err as Error).message}` }, repo));
              matches = [];
            }
            b.addUnresolved(repo, jobUnresolved, usedBy, matches.length > 0);
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
    }
    for (const e of resolver.errors) addError(e);
    if (repo.version === undefined) files += matchedFiles.size;
    else for (const f of matchedFiles) versioned.files.add(`${repo.repo}\u0000${f}`);
  }
  current = undefined;

  const repoCount = repos.filter((r) => r.version === undefined).length + versioned.repos.size;
  return builders.map((b) => b.result(repoCount, files + versioned.files.size, jobs + versioned.jobs.size));
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
