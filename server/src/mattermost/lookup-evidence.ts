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
import type { RepoInput, ScanResult } from '@ci-exposure/engine';
import { CODEOWNERS_PATHS, parseCodeowners, pipelineOwners } from '../incidents/codeowners';
import type { ExposedSecret, LookupEvidence, RepoEvidence } from '../incidents/lookup';

const jsonSummary = z.object({ summary: z.object({ complete: z.boolean(), incomplete: z.array(z.string()) }) });

/** The engine's label of a secret → its name and where it is stored; undefined: nothing to rotate. */
export function secretOf(label: string, repo: string): ExposedSecret | undefined {
  if (label === 'GITHUB_TOKEN' || label.startsWith('CI_JOB_TOKEN') || /\bOIDC token\b/.test(label)) return undefined;
  if (label === 'secrets: inherit' || label === 'toJSON(secrets)') return { name: `every secret (${label})`, where: { store: 'repository', repo } };
  const env = /^environment (.+) secrets$/.exec(label);
  if (env) return { name: 'every environment secret', where: { store: 'environment', scope: env[1] ?? '', repo } };
  const context = /^context (.+)$/.exec(label);
  if (context) return { name: 'every context variable', where: { store: 'context', scope: context[1] ?? '' } };
  if (label === 'project environment variables') return { name: 'project environment variables', where: { store: 'project', repo } };
  if (label === 'project and group CI/CD variables') return { name: 'CI/CD variables', where: { store: 'project', repo } };
  return { name: label, where: { store: 'pipeline-config', repo } };
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
        const s = secretOf(label, repo);
        if (s) secrets.set(`${s.where.store}\u0000${s.where.scope ?? ''}\u0000${s.name}`, s);
      }
    }
    const evidence: RepoEvidence = { repo, affected: affected.length > 0, complete: why.length === 0, incomplete: why, files, secrets: [...secrets.values()] };
    if (affected.length > 0) {
      const owners = codeownersOf(inputs.get(repo), files);
      if (owners !== undefined) evidence.owners = owners;
    }
    return evidence;
  });
  return { complete, incomplete, repos: out };
}
