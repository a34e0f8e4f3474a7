/** Helpers shared by the renderers (pure). */
import { VERDICTS } from '../../contract';
import type { ChainLink, Finding, ScanResult, TamperPath, Verdict } from '../model';

const RANK: Record<Verdict, number> = { critical: 0, high: 1, medium: 2, low: 3 };

export { VERDICTS };

/** Affected findings first, then by verdict (most severe first), then repo, file, line, job. */
export function bySeverity(a: Finding, b: Finding): number {
  if (a.affected !== b.affected) return a.affected ? -1 : 1;
  return (
    RANK[a.verdict] - RANK[b.verdict] ||
    a.repo.localeCompare(b.repo) ||
    a.file.localeCompare(b.file) ||
    a.line - b.line ||
    a.job.localeCompare(b.job)
  );
}

export function sortedFindings(result: ScanResult): Finding[] {
  return [...result.findings].sort(bySeverity);
}

/**
 * `context deploy-creds, AWS_KEY`: contexts first, then secret names, each once (a platform incident
 * lists the contexts among its secrets too). Names only, never values.
 */
export function secretNames(f: Finding): string[] {
  return [...new Set([...f.exposure.contexts.map((c) => `context ${c}`), ...f.exposure.secrets])];
}

/** Distinct jobs affected in any of `results` (a job affected by several incidents counts once). */
export function distinctAffectedJobs(results: readonly ScanResult[]): number {
  const jobs = new Set<string>();
  for (const r of results) for (const f of r.findings) if (f.affected) jobs.add(`${f.repo}\u0000${f.platform}\u0000${f.workflow}\u0000${f.job}`);
  return jobs.size;
}

/**
 * `artifact dist → deploy (holds deploys)`: what is written (kind and name when known), then each consumer
 * with what it holds. A consumer reached through other jobs already names them in its `job` label.
 */
export function tamperText(t: TamperPath): string {
  const what = t.name === undefined || t.name === '' ? t.via : `${t.via} ${t.name}`;
  const consumers = t.consumers.map((c) => (c.holds.length > 0 ? `${c.job} (holds ${c.holds.join(', ')})` : c.job));
  return consumers.length > 0 ? `${what} → ${consumers.join(', ')}` : what;
}

export function chainText(chain: readonly ChainLink[]): string {
  return chain.map((l) => (l.unresolved ? `${l.ref} (unresolved)` : l.ref)).join(' → ');
}

export function countByVerdict(result: ScanResult): Record<Verdict, number> {
  const counts: Record<Verdict, number> = { critical: 0, high: 0, medium: 0, low: 0 };
  for (const f of result.findings) if (f.affected) counts[f.verdict]++;
  return counts;
}

export function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${n} ${n === 1 ? word : pluralWord}`;
}

export type Results = ScanResult | readonly ScanResult[];

export function isResultList(r: Results): r is readonly ScanResult[] {
  return Array.isArray(r);
}

export function asList(r: Results): readonly ScanResult[] {
  return isResultList(r) ? r : [r];
}

/** A note on what the scan could not see, by indicator kind (undefined when there is nothing to say). */
export function scopeNote(result: ScanResult): string | undefined {
  if (result.indicator.kind === 'package') {
    return 'package incident: only versions pinned visibly in pipeline files are matched (npx nx@21.5.0, pip install pkg==1.2.3); lockfiles and manifests were not read';
  }
  if (result.indicator.kind === 'platform') {
    return 'platform incident: every secret stored on the platform is exposed, whichever job ran; the jobs listed show where those secrets are used, each at its workflow entry or job key';
  }
  return undefined;
}

/** Unresolved components and input errors of several results (the same repositories), once each. */
export function mergedInputs(list: readonly ScanResult[]): { unresolved: ScanResult['unresolved']; errors: ScanResult['errors'] } {
  const seenU = new Set<string>();
  const seenE = new Set<string>();
  const unresolved: ScanResult['unresolved'] = [];
  const errors: ScanResult['errors'] = [];
  for (const r of list) {
    for (const u of r.unresolved) {
      const k = `${u.repo}\u0000${u.file}\u0000${u.line}\u0000${u.ref}`;
      if (!seenU.has(k)) {
        seenU.add(k);
        unresolved.push(u);
      }
    }
    for (const e of r.errors) {
      const k = `${e.repo}\u0000${e.file}\u0000${e.line}\u0000${e.code}\u0000${e.message}`;
      if (!seenE.has(k)) {
        seenE.add(k);
        errors.push(e);
      }
    }
  }
  return { unresolved, errors };
}


/**
 * Why the scan is incomplete — what it met but could not read — so that "nothing affected" is not taken
 * as proof: no pipeline file found, input errors (unreadable or malformed files, jobs left out), uses
 * whose source was not available. Empty when the scan read everything it met.
 */
export function incompleteReasons(list: readonly ScanResult[]): string[] {
  const { unresolved, errors } = mergedInputs(list);
  const why: string[] = [];
  if (list.length > 0 && list.every((r) => r.summary.files === 0)) why.push('no pipeline file was found in the given paths');
  if (errors.length > 0) why.push(`${plural(errors.length, 'input error')} (unreadable or malformed files, or parts left out)`);
  if (unresolved.length > 0) why.push(`${plural(unresolved.length, 'component')} whose source could not be read`);
  return why;
}
