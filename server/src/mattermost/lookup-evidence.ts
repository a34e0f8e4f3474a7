/**
 * ScanResult → the evidence the checklist reads (incidents/lookup.ts `LookupEvidence`): whether the answer
 * is complete (the engine's own `summary.complete` of its JSON report), and per repository read: its
 * affected pipeline files, whether its part of the answer is complete (no input error, no unresolved use
 * in it), the secrets its affected jobs expose with where they are stored, and its CODEOWNERS owners
 * (read through the repository's own reader, the one the engine reads scripts with). Pure but for that
 * bounded reader.
 *
 * Where a secret is stored comes from the engine's labels: `context X` (CircleCI context), `environment X
 * secrets` (a deployment environment), `project environment variables` / `project and group CI/CD
 * variables` (project settings), `secrets: inherit` / `toJSON(secrets)` (every secret of the repository
 * and its organisation); any other name is `pipeline config` (the pipeline names it; whether it is a
 * repository or an organisation secret takes the platform's API). Job tokens and OIDC tokens are
 * short-lived: nothing to rotate, no sub-item.
 */
import { z } from 'zod';
import type { Finding, Platform, RepoInput, ScanResult } from '@ci-exposure/engine';
import { CODEOWNERS_PATHS, parseCodeowners, pipelineOwners } from '../incidents/codeowners';
import { MAX_REPO_FINDINGS, type ExposedSecret, type JobRuns, type LookupEvidence, type RepoEvidence } from '../incidents/lookup';
import type { SecretPlatform } from '../incidents/model';

const jsonSummary = z.object({ summary: z.object({ complete: z.boolean(), incomplete: z.array(z.string()) }) });

/**
 * The engine's label of a secret → its name and where it is stored; undefined: nothing to rotate. With the
 * finding's `platform`, every secret says which platform's pipeline reads it (`where.platform`), so that
 * the evidence asks the platform that keeps it (evidence/index.ts); a context keeps the repository whose
 * job uses it.
 */
export function secretOf(label: string, repo: string, platform?: Platform): ExposedSecret | undefined {
  if (label === 'GITHUB_TOKEN' || label.startsWith('CI_JOB_TOKEN') || /\bOIDC token\b/.test(label)) return undefined;
  // The engine's platform ids are the model's (SecretPlatform): this assignment fails to compile otherwise.
  const mark: { platform?: SecretPlatform } = platform === undefined ? {} : { platform };
  if (label === 'secrets: inherit' || label === 'toJSON(secrets)') return { name: `every secret (${label})`, where: { store: 'repository', repo, ...mark } };
  const env = /^environment (.+) secrets$/.exec(label);
  if (env) return { name: 'every environment secret', where: { store: 'environment', scope: env[1] ?? '', repo, ...mark } };
  const context = /^context (.+)$/.exec(label);
  if (context) return { name: 'every context variable', where: { store: 'context', scope: context[1] ?? '', ...(platform === undefined ? {} : { repo }), ...mark } };
  // A CircleCI project variable by name, read from CircleCI with --evidence (engine secret-facts.ts).
  const projectVariable = /^project variable (\S+)$/.exec(label);
  if (projectVariable?.[1] !== undefined) return { name: projectVariable[1], where: { store: 'project', ...mark, repo } };
  if (label === 'project environment variables') return { name: 'project environment variables', where: { store: 'project', ...mark, repo } };
  if (label === 'project and group CI/CD variables') return { name: 'CI/CD variables', where: { store: 'project', ...mark, repo } };
  return { name: label, where: { store: 'pipeline-config', ...mark, repo } };
}

/** What the platform said about a job's runs, counted (undefined: no run history was read for it). */
export function jobRunsOf(f: Finding): JobRuns | undefined {
  const runs = f.runs;
  if (!runs) return undefined;
  const out: JobRuns = { job: f.job, file: f.jobFile, state: runs.state, count: runs.count };
  if (runs.reason !== undefined) out.reason = runs.reason;
  if (runs.gone !== undefined && runs.gone.length > 0) out.gone = runs.gone.length;
  return out;
}

/** CODEOWNERS owners of the files, or undefined when the repository has none that could be read. */
export function codeownersOf(input: RepoInput | undefined, files: readonly string[]): string[] | undefined {
  const reader = input?.reader;
  if (!reader) return undefined;
  for (const path of CODEOWNERS_PATHS) {
    const read = reader.read(path);
    if ('text' in read) return pipelineOwners(parseCodeowners(read.text), files);
    if ('missing' in read) continue;
    return undefined; // unreadable (too large, a symlink out of the repository, …): not known
  }
  return undefined;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function lookupEvidence(result: ScanResult, repos: readonly RepoInput[], json: string): LookupEvidence {
  const parsed = jsonSummary.safeParse(JSON.parse(json));
  // The engine's report says whether it read everything; a report without that is not complete.
  const complete = parsed.success ? parsed.data.summary.complete : false;
  const incomplete = parsed.success ? parsed.data.summary.incomplete : ['the report does not say whether the scan is complete'];
  const inputs = new Map(repos.map((r) => [r.repo, r] as const));
  const names = [...new Set([...repos.map((r) => r.repo), ...result.findings.map((f) => f.repo)])];
  const out: RepoEvidence[] = names.map((repo) => {
    const affected = result.findings.filter((f) => f.repo === repo && f.affected);
    const files = [...new Set(affected.map((f) => f.jobFile))].sort();
    const errors = result.errors.filter((e) => e.repo === repo).length;
    const unresolved = result.unresolved.filter((u) => u.repo === repo).length;
    const why: string[] = [];
    if (!inputs.has(repo)) why.push('its files were not read');
    if (errors > 0) why.push(`${plural(errors, 'input error')} (unreadable or malformed files, or parts left out)`);
    if (unresolved > 0) why.push(`${plural(unresolved, 'component')} whose source could not be read`);
    const secrets = new Map<string, ExposedSecret>();
    for (const f of affected) {
      for (const label of [...f.exposure.contexts.map((c) => `context ${c}`), ...f.exposure.secrets]) {
        const s = secretOf(label, repo, f.platform);
        if (s) secrets.set(`${s.where.store}\u0000${s.where.scope ?? ''}\u0000${s.where.platform ?? ''}\u0000${s.name}`, s);
      }
    }
    const evidence: RepoEvidence = { repo, affected: affected.length > 0, complete: why.length === 0, incomplete: why, files, secrets: [...secrets.values()] };
    if (affected.length > 0) {
      const owners = codeownersOf(inputs.get(repo), files);
      if (owners !== undefined) evidence.owners = owners;
      const jobs = [...new Map(affected.map((f) => [`${f.jobFile}\u0000${f.jobId}`, f] as const)).values()];
      evidence.findings = jobs.slice(0, MAX_REPO_FINDINGS).map((f) => ({
        job: f.job,
        jobId: f.jobId,
        file: f.file,
        line: f.line,
        verdict: f.verdict,
        ...(f.exposureVerdict === undefined ? {} : { exposureVerdict: f.exposureVerdict }),
        platform: f.platform,
      }));
      evidence.findingsTotal = jobs.length;
      const runs = jobs.map(jobRunsOf).filter((r): r is JobRuns => r !== undefined);
      if (runs.length > 0) evidence.runs = runs;
    }
    return evidence;
  });
  return { complete, incomplete, repos: out };
}
