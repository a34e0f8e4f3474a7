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

/** `deploy-creds (context), AWS_KEY`: contexts first, then secret names. Names only, never values. */
export function secretNames(f: Finding): string[] {
  return [...f.exposure.contexts.map((c) => `context ${c}`), ...f.exposure.secrets];
}

export function tamperText(t: TamperPath): string {
  const consumers = t.consumers.map((c) => (c.holds.length > 0 ? `${c.job} (${c.holds.join(', ')})` : c.job));
  return consumers.length > 0 ? `${t.via} → ${consumers.join(', ')}` : t.via;
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
