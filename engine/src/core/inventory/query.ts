/**
 * Answering an indicator from the index: the repositories whose keys the indicator names are matched
 * and assessed on their stored models exactly as scan.ts does it (same order, same limits, same
 * deduplication of errors and unresolved components); every other repository contributes only its
 * errors and unresolved components, which its summary holds. The result equals `scanMany` over the
 * same repositories. Pure: models come through `load`.
 */
import { assessJob } from '../exposure/assess';
import { VERDICT_RANK } from '../exposure/verdict';
import { matchJob } from '../indicators/match';
import { MAX_FINDINGS_PER_JOB } from '../limits';
import type { ComponentRef, Finding, Indicator, Match, Pipeline, ResolvedJob, ScanError, ScanResult, VersionInfo } from '../model';
import { mergeVersions } from '../versions';
import { errorKey, UNMATCHED_HINT, unresolvedOf } from './build';
import { indicatorKeys } from './keys';
import type { InventoryTables, PipelineUnresolved, RepoModel, RepoSummary, UnresolvedEntry } from './model';

/** An index as the query reads it: the summaries in scan order, the shared tables, the postings. */
export interface InventoryView {
  summaries: readonly RepoSummary[];
  tables: InventoryTables;
  /** Key → positions in `summaries` of the repositories that have it. */
  postings: ReadonlyMap<string, readonly number[]>;
}

/** The postings of summaries: each key with the repositories (by position) whose jobs have it. */
export function postingsOf(summaries: readonly RepoSummary[]): Map<string, number[]> {
  const postings = new Map<string, number[]>();
  summaries.forEach((s, i) => {
    for (const k of s.keys) {
      const list = postings.get(k);
      if (list) list.push(i);
      else postings.set(k, [i]);
    }
  });
  return postings;
}

/** Positions of the repositories that may have a job matching `indicator` (the others have none). */
export function candidatesOf(view: InventoryView, indicator: Indicator): Set<number> {
  const { exact, tests } = indicatorKeys(indicator);
  const out = new Set<number>();
  for (const k of exact) for (const i of view.postings.get(k) ?? []) out.add(i);
  if (tests.length > 0) {
    for (const [k, list] of view.postings) if (tests.some((t) => t(k))) for (const i of list) out.add(i);
  }
  return out;
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

/** A stored model with its object identities back (a ResolvedJob's job is its pipeline's job; one jobs list per platform). */
interface Hydrated {
  platforms: Array<{ model: RepoModel['platforms'][number]; resolved: ResolvedJob[][]; jobs: ResolvedJob[] }>;
}

function hydrate(model: RepoModel): Hydrated {
  return {
    platforms: model.platforms.map((pm) => {
      const resolved = pm.pipelines.map((p, i) => p.jobs.map((job, j): ResolvedJob => ({ job, components: pm.trees[i]?.[j] ?? [] })));
      return { model: pm, resolved, jobs: resolved.flat() };
    }),
  };
}

/** What replaying a repository tells an indicator's result, in order. */
interface Sink {
  readonly indicator: Indicator;
  addError(error: ScanError, version: VersionInfo | undefined): void;
  addUnresolved(repo: string, entries: readonly UnresolvedEntry[], version: VersionInfo | undefined): void;
  /** A finding (already in its version); `affectedJob` names its job when it is affected. */
  addFinding(finding: Finding, affectedJob: string | undefined): void;
}

/** One replay's calls, to be applied elsewhere in the same order (replayed in another thread). */
export type ReplayOp =
  | { op: 'error'; error: ScanError; version?: VersionInfo }
  | { op: 'unresolved'; repo: string; entries: UnresolvedEntry[]; version?: VersionInfo }
  | { op: 'finding'; finding: Finding; affectedJob?: string };

class Recorder implements Sink {
  readonly ops: ReplayOp[] = [];
  constructor(readonly indicator: Indicator) {}
  addError(error: ScanError, version: VersionInfo | undefined): void {
    this.ops.push(version === undefined ? { op: 'error', error } : { op: 'error', error, version });
  }
  addUnresolved(repo: string, entries: readonly UnresolvedEntry[], version: VersionInfo | undefined): void {
    if (entries.length > 0) this.ops.push(version === undefined ? { op: 'unresolved', repo, entries: [...entries] } : { op: 'unresolved', repo, entries: [...entries], version });
  }
  addFinding(finding: Finding, affectedJob: string | undefined): void {
    this.ops.push(affectedJob === undefined ? { op: 'finding', finding } : { op: 'finding', finding, affectedJob });
  }
}

/** One indicator's result, collected in scan order (scan.ts's ResultBuilder). */
class Collector implements Sink {
  readonly findings: Finding[] = [];
  readonly errors: ScanError[] = [];
  readonly unresolved: ScanResult['unresolved'] = [];
  readonly affectedJobs = new Set<string>();
  private readonly errorKeys = new Set<string>();
  private readonly unresolvedKeys = new Set<string>();

  constructor(readonly indicator: Indicator) {}

  addError(error: ScanError, version: VersionInfo | undefined): void {
    const e = inVersion(error, version);
    const k = errorKey(e);
    if (this.errorKeys.has(k)) return;
    this.errorKeys.add(k);
    this.errors.push(e);
  }

  addUnresolved(repo: string, entries: readonly UnresolvedEntry[], version: VersionInfo | undefined): void {
    for (const u of entries) {
      const key = `${repo}\u0000${u.file}\u0000${u.line}\u0000${u.ref}\u0000${version?.commit ?? ''}`;
      if (this.unresolvedKeys.has(key)) continue;
      this.unresolvedKeys.add(key);
      this.unresolved.push(inVersion({ repo, ...u }, version));
    }
  }

  addFinding(finding: Finding, affectedJob: string | undefined): void {
    this.findings.push(finding);
    if (affectedJob !== undefined) this.affectedJobs.add(affectedJob);
  }

  apply(ops: readonly ReplayOp[]): void {
    for (const o of ops) {
      if (o.op === 'error') this.addError(o.error, o.version);
      else if (o.op === 'unresolved') this.addUnresolved(o.repo, o.entries, o.version);
      else this.addFinding(o.finding, o.affectedJob);
    }
  }

  result(repos: number, files: number, jobs: number): ScanResult {
    // What several versions of a repository have alike is one item with their versions (as scan.ts).
    this.findings.splice(0, this.findings.length, ...mergeVersions(this.findings));
    const unresolved = mergeVersions(this.unresolved);
    this.unresolved.splice(0, this.unresolved.length, ...unresolved);
    this.errors.splice(0, this.errors.length, ...mergeVersions(this.errors));
    this.findings.sort(compareFindings);
    this.unresolved.sort((a, b) => a.repo.localeCompare(b.repo) || a.file.localeCompare(b.file) || a.line - b.line || a.ref.localeCompare(b.ref));
    return {
      indicator: { id: this.indicator.id, title: this.indicator.title },
      summary: { repos, files, jobs, affected: this.affectedJobs.size, unresolved: this.unresolved.length, errors: this.errors.length },
      findings: this.findings,
      unresolved: this.unresolved,
      errors: this.errors,
    };
  }
}

/** An item met in a version of a repository carries that version. */
function inVersion<T extends object>(item: T, version: VersionInfo | undefined): T {
  return version === undefined ? item : { ...item, versions: [version] };
}

function entries(list: readonly PipelineUnresolved[], usedBy: string, hint: string): UnresolvedEntry[] {
  return list.map((u) => ({ file: u.file, line: u.line, ref: u.ref, reason: `${u.why} (used by ${usedBy}${hint})` }));
}

/** Matches and assesses every job of a candidate repository, as scan.ts does for one repository. */
function replay(c: Sink, summary: Pick<RepoSummary, 'repo' | 'version'>, h: Hydrated, describe: (ref: ComponentRef) => string): void {
  const repo = summary.repo;
  const version = summary.version;
  for (const { model: pm, resolved, jobs } of h.platforms) {
    for (const e of pm.preErrors) c.addError(e, version);
    pm.pipelines.forEach((pipeline, p) => c.addUnresolved(repo, entries(pm.pipelineUnresolved[p] ?? [], pipeline.file, UNMATCHED_HINT), version));
    const pipelines = pm.pipelines;
    pipelines.forEach((pipeline: Pipeline, p) => {
      for (const r of resolved[p] ?? []) {
        let matches: Match[];
        try {
          matches = matchJob(r, pipeline, c.indicator);
        } catch (err) {
          c.addError({ repo, file: r.job.pos.file, line: r.job.pos.line, code: 'internal-error', message: `matching job ${r.job.id} failed: ${(err as Error).message}` }, version);
          matches = [];
        }
        c.addUnresolved(repo, entries(unresolvedOf(r.components, describe), `job ${r.job.name} in ${pipeline.file}`, matches.length > 0 ? '' : UNMATCHED_HINT), version);
        if (matches.length > MAX_FINDINGS_PER_JOB) {
          const ordered = [...matches.filter((m) => m.affected), ...matches.filter((m) => !m.affected)];
          c.addError({
            repo,
            file: r.job.pos.file,
            line: r.job.pos.line,
            code: 'too-many-findings',
            message: `job ${r.job.id} reaches ${c.indicator.id} through ${matches.length} uses; the first ${MAX_FINDINGS_PER_JOB} are reported`,
          }, version);
          matches = ordered.slice(0, MAX_FINDINGS_PER_JOB);
        }
        for (const m of matches) {
          const finding = inVersion(assessJob(r, pipeline, jobs, m, pipelines), version);
          c.addFinding(finding, finding.affected ? `${repo}\u0000${pipeline.file}\u0000${r.job.id}` : undefined);
        }
      }
    });
  }
}

/**
 * What replaying one candidate repository tells each of `indicators` it is a candidate of (`candidate`;
 * ops in order, one list per indicator, empty for the others): queryInventory applies them as if it had
 * replayed the repository itself.
 */
export function replayRepository(
  summary: Pick<RepoSummary, 'repo' | 'version'>,
  model: RepoModel,
  indicators: readonly Indicator[],
  describe: (ref: ComponentRef) => string,
  candidate: (k: number) => boolean = () => true,
): ReplayOp[][] {
  const h = hydrate(model);
  return indicators.map((indicator, k) => {
    if (!candidate(k)) return [];
    const r = new Recorder(indicator);
    replay(r, summary, h, describe);
    return r.ops;
  });
}

export interface QueryStats {
  /** Repositories whose models were read and matched (the others answered from their summaries). */
  matched: number;
}

/**
 * The results of `indicators` over the indexed repositories, one per indicator in their order, each
 * equal to scanMany's. `load(i)` gives the model of `view.summaries[i]` (read once per call, whatever the indicators),
 * unless `replayed(i)` gives what replaying it told each indicator (replayRepository, in another thread); `describe`
 * is the component source's description (for unresolved components whose node has no reason).
 */
export function queryInventory(
  view: InventoryView,
  indicators: readonly Indicator[],
  load: (i: number) => RepoModel,
  describe: (ref: ComponentRef) => string,
  stats: QueryStats = { matched: 0 },
  replayed?: (i: number) => ReplayOp[][] | undefined,
): ScanResult[] {
  // Several versions of one repository count once: its repository, its files and jobs by name (as scan.ts).
  let repos = 0;
  let files = 0;
  let jobs = 0;
  const versioned = { repos: new Set<string>(), files: new Set<string>(), jobs: new Set<string>() };
  for (const s of view.summaries) {
    if (s.version === undefined) {
      repos++;
      files += s.files;
      jobs += s.jobs;
      continue;
    }
    versioned.repos.add(s.repo);
    for (const f of s.fileNames ?? []) versioned.files.add(`${s.repo}\u0000${f}`);
    for (const j of s.jobIds ?? []) versioned.jobs.add(`${s.repo}\u0000${j}`);
  }
  repos += versioned.repos.size;
  files += versioned.files.size;
  jobs += versioned.jobs.size;
  // Repositories outer, indicators inner: a model is read once, used for every indicator, then dropped
  // (none kept until the end: they die young). Each collector still sees the repositories in scan order.
  const each = indicators.map((indicator) => ({ c: new Collector(indicator), candidates: candidatesOf(view, indicator), emitted: new Set<number>() }));
  let matched = 0;
  view.summaries.forEach((s, i) => {
    let h: Hydrated | undefined;
    const done = each.some(({ candidates }) => candidates.has(i)) ? replayed?.(i) : undefined;
    if (done !== undefined) matched++;
    each.forEach(({ c, candidates, emitted }, k) => {
      if (candidates.has(i) && done !== undefined) {
        c.apply(done[k] ?? []);
      } else if (candidates.has(i)) {
        if (h === undefined) {
          h = hydrate(load(i));
          matched++;
        }
        replay(c, s, h, describe);
      } else {
        for (const e of s.errors) c.addError(e, s.version);
        c.addUnresolved(s.repo, s.unresolved, s.version);
      }
      // The resolver's errors: a component's are reported by the first repository that uses it.
      for (const id of s.expansions) {
        if (emitted.has(id)) continue;
        emitted.add(id);
        for (const e of view.tables.expansionErrors[id]?.errors ?? []) c.addError({ ...e, repo: e.repo ?? s.repo }, s.version);
      }
    });
  });
  stats.matched = matched;
  return each.map(({ c }) => c.result(repos, files, jobs));
}
