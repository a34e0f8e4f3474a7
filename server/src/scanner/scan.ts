/**
 * scan: the whole engine over in-memory repositories — parse every platform's pipelines, resolve each
 * job's components through the ComponentSource, match them against the indicator, assess each match.
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
  Pipeline,
  PlatformModule,
  RepoInput,
  ResolvedJob,
  ScanError,
  ScanResult,
} from './model';
import { PLATFORMS } from './platforms';
import { createResolver, type Expander, type ExpansionMemo, walkNodes } from './resolve/resolver';

export interface ScanOptions {
  /** The platform modules to use (default: the registry). */
  platforms?: readonly PlatformModule[];
  /** How components are expanded (default: the platform whose `expands` lists the kind). */
  expander?: Expander;
  /** How a resolved job is matched (default: indicators/match). */
  match?: (resolved: ResolvedJob, pipeline: Pipeline, indicator: Indicator) => Match[];
}

type Unresolved = ScanResult['unresolved'][number];

function platformExpander(platforms: readonly PlatformModule[]): Expander {
  return (use, ctx) => platforms.find((p) => p.expands.includes(use.ref.kind))?.expand(use, ctx);
}

function errorKey(e: ScanError): string {
  return `${e.repo}\u0000${e.file}\u0000${e.line}\u0000${e.code}\u0000${e.message}`;
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

export function scan(repos: readonly RepoInput[], indicator: Indicator, source: ComponentSource, options: ScanOptions = {}): ScanResult {
  const platforms = options.platforms ?? PLATFORMS;
  const expander = options.expander ?? platformExpander(platforms);
  const match = options.match ?? matchJob;
  const memo: ExpansionMemo = new Map();

  const findings: Finding[] = [];
  const errors: ScanError[] = [];
  const errorKeys = new Set<string>();
  const addError = (e: ScanError): void => {
    const k = errorKey(e);
    if (errorKeys.has(k)) return;
    errorKeys.add(k);
    errors.push(e);
  };
  const unresolved: Unresolved[] = [];
  const unresolvedKeys = new Set<string>();
  const addUnresolved = (repo: string, nodes: readonly ComponentNode[], usedBy: string, matched: boolean): void => {
    for (const { node } of walkNodes(nodes)) {
      if (node.status !== 'unresolved') continue;
      const u = node.use;
      const key = `${repo}\u0000${u.pos.file}\u0000${u.pos.line}\u0000${u.ref.raw}`;
      if (unresolvedKeys.has(key)) continue;
      unresolvedKeys.add(key);
      const why = node.reason ?? source.describe(u.ref);
      const hint = matched ? '' : ': what it runs was not read, so it might hide the indicator';
      unresolved.push({ repo, file: u.pos.file, line: u.pos.line, ref: u.ref.raw, reason: `${why} (used by ${usedBy}${hint})` });
    }
  };

  let files = 0;
  let jobs = 0;
  const affectedJobs = new Set<string>();

  for (const repo of repos) {
    const ctx = { repo, source };
    const resolver = createResolver(ctx, expander, memo);
    const matchedFiles = new Set<string>();
    for (const platform of platforms) {
      const own = repo.files.filter((f) => platform.matches(f.path));
      if (own.length === 0) continue;
      for (const f of own) matchedFiles.add(f.path);
      let parsed: { pipelines: Pipeline[]; errors: ScanError[] };
      try {
        parsed = platform.parse(repo, source);
      } catch (err) {
        // Parsers must not throw; if one does, the repository's other platforms are still scanned.
        addError({ repo: repo.repo, file: own[0]?.path ?? '', line: 1, code: 'internal-error', message: `${platform.displayName} parser failed: ${(err as Error).message}` });
        continue;
      }
      for (const e of parsed.errors) addError(e);
      for (const p of parsed.pipelines) for (const e of p.errors) addError(e);

      // Resolve every job of the platform first: tamper paths and shared runners cross pipelines.
      const resolvedBy = new Map<Pipeline, ResolvedJob[]>();
      for (const pipeline of parsed.pipelines) {
        resolvedBy.set(pipeline, pipeline.jobs.map((job) => resolver.resolveJob(job, pipeline)));
        addUnresolved(repo.repo, resolver.resolveUses(pipeline.uses), `${pipeline.file}`, false);
      }
      const platformJobs = [...resolvedBy.values()].flat();

      for (const [pipeline, resolvedJobs] of resolvedBy) {
        for (const resolved of resolvedJobs) {
          jobs++;
          let matches: Match[];
          try {
            matches = match(resolved, pipeline, indicator);
          } catch (err) {
            addError({ repo: repo.repo, file: resolved.job.pos.file, line: resolved.job.pos.line, code: 'internal-error', message: `matching job ${resolved.job.id} failed: ${(err as Error).message}` });
            matches = [];
          }
          addUnresolved(repo.repo, resolved.components, `job ${resolved.job.name} in ${pipeline.file}`, matches.length > 0);
          for (const m of matches) {
            const finding = assessJob(resolved, pipeline, platformJobs, m);
            findings.push(finding);
            if (finding.affected) affectedJobs.add(`${repo.repo}\u0000${pipeline.file}\u0000${resolved.job.id}`);
          }
        }
      }
    }
    for (const e of resolver.errors) addError(e);
    files += matchedFiles.size;
  }

  findings.sort(compareFindings);
  unresolved.sort((a, b) => a.repo.localeCompare(b.repo) || a.file.localeCompare(b.file) || a.line - b.line || a.ref.localeCompare(b.ref));
  return {
    indicator: { id: indicator.id, title: indicator.title },
    summary: { repos: repos.length, files, jobs, affected: affectedJobs.size, unresolved: unresolved.length, errors: errors.length },
    findings,
    unresolved,
    errors,
  };
}
