/** Helpers shared by the renderers (pure). */
import { VERDICTS } from '../vocabulary';
import { staticVerdict } from '../exposure/run-verdict';
import type { ChainLink, ExposureVerdict, Finding, ScanResult, TamperPath, Verdict, VersionInfo } from '../model';
import { stillExposedNow, unionVersions, versionsText } from '../versions';

/** `not-run` after every static verdict: a job that ran (or whose runs are not known) comes first. */
const RANK: Record<Verdict, number> = { critical: 0, high: 1, medium: 2, low: 3, 'not-run': 4 };

export { VERDICTS };

/** A static rank for a finding: its static exposure (a `not-run` that lost it: after `low`). */
function staticRank(f: Finding): number {
  const v = staticVerdict(f);
  return v === undefined ? RANK.low + 1 : RANK[v];
}

/**
 * Affected findings first, then by verdict (most severe first; `not-run` after every static verdict,
 * the not-run ones by their static exposure), then repo, file, line, job.
 */
export function bySeverity(a: Finding, b: Finding): number {
  if (a.affected !== b.affected) return a.affected ? -1 : 1;
  return (
    RANK[a.verdict] - RANK[b.verdict] ||
    staticRank(a) - staticRank(b) ||
    a.repo.localeCompare(b.repo) ||
    a.file.localeCompare(b.file) ||
    a.line - b.line ||
    a.job.localeCompare(b.job)
  );
}

export function sortedFindings(result: ScanResult): Finding[] {
  return [...result.findings].sort(bySeverity);
}

/** The job a finding belongs to: `jobId` is unique within the file that defines the job. */
export function jobKey(f: Finding): string {
  return `${f.repo}\u0000${f.platform}\u0000${f.jobFile}\u0000${f.jobId}`;
}

/**
 * The findings by job (JSON, SARIF, CSV: one result per use, each job's uses together): jobs in the
 * order of their most severe finding (bySeverity), each job's affected uses before its other uses.
 */
export function groupedFindings(result: ScanResult): Finding[] {
  const groups = new Map<string, Finding[]>();
  for (const f of sortedFindings(result)) {
    const k = `${f.affected ? 'a' : 'n'}\u0000${jobKey(f)}`;
    const g = groups.get(k);
    if (g) g.push(f);
    else groups.set(k, [f]);
  }
  return [...groups.values()].flat();
}

/** One row per job (table, Markdown, the Mattermost report): its uses as a file:line list. */
export interface JobRow {
  affected: boolean;
  /** The most severe verdict of its findings (`not-run` only when none of its uses ran or is unknown). */
  verdict: Verdict;
  /** With `not-run`: the static exposure of its most exposed use. */
  exposureVerdict?: ExposureVerdict;
  repo: string;
  platform: Finding['platform'];
  workflow: string;
  job: string;
  jobId: string;
  /** Where the job runs the component, in order (one per finding). */
  uses: Array<{ file: string; line: number }>;
  /** Its findings, the most severe first: reasons and advice are those of the first. */
  findings: Finding[];
}

/** The rows of the affected jobs (or, with `affected` false, of the jobs whose uses are not affected), most severe first. */
export function jobRows(result: ScanResult, affected = true): JobRow[] {
  const rows = new Map<string, JobRow>();
  for (const f of sortedFindings(result)) {
    if (f.affected !== affected) continue;
    const k = jobKey(f);
    const row = rows.get(k);
    if (row) {
      row.findings.push(f);
      if (!row.uses.some((u) => u.file === f.file && u.line === f.line)) row.uses.push({ file: f.file, line: f.line });
    } else {
      rows.set(k, { affected, verdict: f.verdict, ...(f.verdict === 'not-run' && f.exposureVerdict !== undefined ? { exposureVerdict: f.exposureVerdict } : {}), repo: f.repo, platform: f.platform, workflow: f.workflow, job: f.job, jobId: f.jobId, uses: [{ file: f.file, line: f.line }], findings: [f] });
    }
  }
  for (const row of rows.values()) row.uses.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  return [...rows.values()];
}

/** `ci.yml:12,30; action.yml:4`: a job's uses, the lines of one file together. */
export function usesText(uses: ReadonlyArray<{ file: string; line: number }>): string {
  const byFile = new Map<string, number[]>();
  for (const u of uses) byFile.set(u.file, [...(byFile.get(u.file) ?? []), u.line]);
  return [...byFile].map(([file, lines]) => `${file}:${lines.join(',')}`).join('; ');
}

/** The distinct texts of a row's findings, in order (`f` gives one finding's texts). */
export function rowTexts(row: JobRow, f: (finding: Finding) => readonly string[]): string[] {
  return [...new Set(row.findings.flatMap(f))];
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
  for (const r of results) for (const f of r.findings) if (f.affected) jobs.add(jobKey(f));
  return jobs.size;
}

/**
 * `artifact dist → deploy (holds deploys)`: what is written (kind and name when known), then each consumer
 * with what it holds. A consumer reached through other jobs already names them in its `job` label. What
 * the job releases or deploys itself: `release: <what>`.
 */
export function tamperText(t: TamperPath): string {
  // What the job releases itself reaches users, not other jobs: `release: the image pushed at build.yaml:70 (docker push)`.
  if (t.via === 'release' && t.consumers.length === 0) return t.name === undefined || t.name === '' ? 'release' : `release: ${t.name}`;
  const what = t.name === undefined || t.name === '' ? t.via : `${t.via} ${t.name}`;
  const consumers = t.consumers.map((c) => (c.holds.length > 0 ? `${c.job} (holds ${c.holds.join(', ')})` : c.job));
  return consumers.length > 0 ? `${what} → ${consumers.join(', ')}` : what;
}

/**
 * `a → b → c`. A link inside a repository file the job runs (a script, a Makefile, a Dockerfile: the link
 * before it is a `repo-file`) says where in that file: `make coverage → scripts/cover.sh (Makefile:13) → …`.
 */
export function chainText(chain: readonly ChainLink[]): string {
  return chain
    .map((l, i) => {
      const text = l.unresolved ? `${l.ref} (unresolved)` : l.ref;
      const inRepoFile = i > 0 && chain[i - 1]?.kind === 'repo-file' && l.file !== undefined && l.line !== undefined;
      return inRepoFile ? `${text} (${l.file}:${l.line})` : text;
    })
    .join(' → ');
}

/**
 * Affected jobs by their most severe verdict (a job that runs the component several times counts once);
 * `not-run` jobs only there, not under their static exposure: the counts add up to the affected jobs.
 */
export function countByVerdict(result: ScanResult): Record<Verdict, number> {
  const counts: Record<Verdict, number> = { critical: 0, high: 0, medium: 0, low: 0, 'not-run': 0 };
  for (const row of jobRows(result)) counts[row.verdict]++;
  return counts;
}

/** `high`, or `not-run (high)`: a verdict with the static exposure a `not-run` is still listed with. */
export function verdictText(v: { verdict: Verdict; exposureVerdict?: ExposureVerdict | undefined }): string {
  return v.verdict === 'not-run' && v.exposureVerdict !== undefined ? `not-run (${v.exposureVerdict})` : v.verdict;
}

/** `; 3 affected jobs ran in the window, 1 did not run (listed with its static exposure)`: '' without run evidence. */
export function runCountsText(s: ScanResult['summary']): string {
  const parts: string[] = [];
  if (s.ran !== undefined) parts.push(`${plural(s.ran, 'affected job')} ran in the window`);
  if (s.notRun !== undefined) parts.push(`${s.notRun} did not run (listed with ${s.notRun === 1 ? 'its' : 'their'} static exposure)`);
  return parts.join(', ');
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

type UnresolvedUse = ScanResult['unresolved'][number];

/** Positions in a list of unresolved uses, by use: its repo, file, line and ref. */
interface UseIndex {
  /** Where a use like `u` is; undefined when there is none yet, and `u` is now at `at`. */
  place(u: UnresolvedUse, at: number): number | undefined;
}

/** The uses as one key `repo\0file\0line\0ref` each (how they have always been told apart). */
function joinedUseIndex(): UseIndex {
  const index = new Map<string, number>();
  return {
    place(u, at) {
      const key = `${u.repo}\u0000${u.file}\u0000${u.line}\u0000${u.ref}`;
      const known = index.get(key);
      if (known === undefined) index.set(key, at);
      return known;
    },
  };
}

/** The map under `key` in `maps`, made when missing. */
function inner<K, V>(maps: Map<K, Map<string | number, V>>, key: K): Map<string | number, V> {
  let found = maps.get(key);
  if (found === undefined) {
    found = new Map();
    maps.set(key, found);
  }
  return found;
}

/**
 * The same, by the fields themselves in nested maps: the scan hands many uses the same repo, file and ref
 * strings, whose hashes are kept, where a joined key is a new string to hash for every use (a catalog scan
 * lists hundreds of thousands). It tells apart exactly what joinedUseIndex does while no field holds
 * the separator `\0`. One walk down the maps per use, finding and placing at once.
 */
function nestedUseIndex(): UseIndex {
  const byRepo = new Map<string, Map<string | number, Map<string | number, Map<string | number, number>>>>();
  return {
    place(u, at) {
      const byRef = inner(inner(inner(byRepo, u.repo), u.file), u.line);
      const known = byRef.get(u.ref);
      if (known === undefined) byRef.set(u.ref, at);
      return known;
    },
  };
}

const holdsSeparator = (u: UnresolvedUse): boolean => u.repo.includes('\u0000') || u.file.includes('\u0000') || u.ref.includes('\u0000');

/**
 * Whether no two uses of the list have the same repo, file, line and ref, told without an index when the
 * list is grouped as a scan sorts it (scan.ts: by repo, file, line, ref): each repo and file in one run
 * of neighbours (a run's pair met before: false), lines rising within it, the uses of one line all
 * different. False whenever it is not so grouped (the index then tells). Fields must not hold `\0`.
 */
const MAX_USES_COMPARED = 32;

function distinctSortedUses(uses: readonly UnresolvedUse[]): boolean {
  const pairs = new Map<string, Set<string>>();
  let prev: UnresolvedUse | undefined;
  // Where the uses of the current line start.
  let lineStart = 0;
  for (let i = 0; i < uses.length; i++) {
    const u = uses[i] as UnresolvedUse;
    if (prev === undefined || u.repo !== prev.repo || u.file !== prev.file) {
      let files = pairs.get(u.repo);
      if (files === undefined) {
        files = new Set();
        pairs.set(u.repo, files);
      }
      if (files.has(u.file)) return false;
      files.add(u.file);
      lineStart = i;
    } else if (u.line < prev.line) {
      return false;
    } else if (u.line > prev.line) {
      lineStart = i;
    } else {
      // Compared with each use of the line so far: a line holds a few uses (many: let the index tell).
      if (i - lineStart > MAX_USES_COMPARED) return false;
      for (let j = lineStart; j < i; j++) if ((uses[j] as UnresolvedUse).ref === u.ref) return false;
    }
    prev = u;
  }
  return true;
}

/** Unresolved components and input errors of several results (the same repositories), once each. */
export function mergedInputs(list: readonly ScanResult[]): { unresolved: ScanResult['unresolved']; errors: ScanResult['errors'] } {
  const seenE = new Set<string>();
  const unresolved: ScanResult['unresolved'] = [];
  const errors: ScanResult['errors'] = [];
  const separated = list.some((r) => r.unresolved.some(holdsSeparator));
  const only = list.length === 1 ? list[0] : undefined;
  // One result as a scan gives it lists each use once: its list as it is, without indexing every use.
  const distinct = only !== undefined && !separated && distinctSortedUses(only.unresolved);
  const unresolvedAt = separated ? joinedUseIndex() : nestedUseIndex();
  for (const r of list) {
    if (distinct) {
      for (const u of r.unresolved) unresolved.push(u);
    } else {
      for (const u of r.unresolved) {
        const i = unresolvedAt.place(u, unresolved.length);
        if (i === undefined) {
          unresolved.push(u);
          continue;
        }
        // The same use met in other versions of the repository: one entry, every version it was met in.
        const first = unresolved[i];
        if (first !== undefined && u.versions !== undefined) unresolved[i] = { ...first, versions: unionVersions(first.versions ?? [], u.versions) };
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
/** The ScanError code of a repository its source did not give (sources/source.ts RepoFailure). */
export const REPO_UNAVAILABLE = 'repo-unavailable';

export function incompleteReasons(list: readonly ScanResult[]): string[] {
  const { unresolved, errors } = mergedInputs(list);
  const why: string[] = [];
  if (list.length > 0 && list.every((r) => r.summary.files === 0)) why.push('no pipeline file was found in the given paths');
  // Repositories a source would not give (provider down, refused, clone failed): the scan is partial.
  const refused = errors.filter((e) => e.code === REPO_UNAVAILABLE).length;
  if (refused > 0) why.push(`${plural(refused, 'repository', 'repositories')} the source did not give (partial scan)`);
  const other = errors.length - refused;
  if (other > 0) why.push(`${plural(other, 'input error')} (unreadable or malformed files, or parts left out)`);
  if (unresolved.length > 0) why.push(`${plural(unresolved.length, 'component')} whose source could not be read`);
  return why;
}

/**
 * Whether incompleteReasons(list) would give a reason, without merging the lists to count them: merging
 * leaves at least one entry of a list that has one, so a reason stands exactly when every result read no
 * file, or any result lists an input error or an unresolved component. (The CLI's exit code.)
 */
export function isIncomplete(list: readonly ScanResult[]): boolean {
  if (list.length > 0 && list.every((r) => r.summary.files === 0)) return true;
  return list.some((r) => r.errors.length > 0 || r.unresolved.length > 0);
}

/** Do any of the results say which repository versions they were found in (a source with history)? */
export function hasVersions(list: readonly ScanResult[]): boolean {
  const some = (items: ReadonlyArray<{ versions?: VersionInfo[] }>): boolean => items.some((i) => i.versions !== undefined && i.versions.length > 0);
  return list.some((r) => some(r.findings) || some(r.unresolved) || some(r.errors));
}

/** The versions a finding (or a job row's findings) holds for, in words, with `still exposed now` when it holds today; '' without versions. */
export function findingVersionsText(versions: readonly VersionInfo[] | undefined): string {
  return versions === undefined || versions.length === 0 ? '' : versionsText(versions);
}

/** `ran 14 times in the window (first …, last …): ran the malicious commit`, `did not run in the window`, `run history unavailable: …`. */
export function runsText(runs: Finding['runs']): string {
  if (!runs) return '';
  if (runs.state === 'not-run') return 'did not run in the window';
  if (runs.state === 'unavailable') return `run history unavailable: ${(runs.reason ?? 'unknown').replace(/^run history unavailable: /, '')}`;
  const times = runs.count === 1 ? 'once' : `${runs.count} times`;
  const when = runs.first === undefined ? '' : runs.first === runs.last ? ` (${runs.first})` : ` (first ${runs.first ?? ''}, last ${runs.last ?? ''})`;
  const what =
    runs.resolution === 'malicious'
      ? ': ran the malicious commit'
      : runs.resolution === 'clean'
        ? ': ran in the window but resolved to a clean commit'
        : runs.resolution === 'unavailable'
          ? `: resolved commit unknown (${runs.resolutionReason ?? 'logs not read'})`
          : '';
  const payload = runs.payloadInLog ? '; the payload printed to its log' : '';
  const url = runs.urls[0] === undefined ? '' : ` ${runs.urls[0]}`;
  const urgent = runs.publicLog ? `${PUBLIC_LOG_TEXT}: ` : '';
  return `${urgent}ran ${times} in the window${when}${what}${payload}${url}`;
}

/** What a public repository's log that carries the payload means (said first wherever runs are shown). */
export const PUBLIC_LOG_TEXT = 'the secrets were readable by anyone who opened the log';

/**
 * Did anyone who could open the log read the secrets? The job ran in the window, its log carries the
 * payload's print, and the repository is public. `undefined` visibility (not known): false, never a guess.
 */
export function isPublicLog(runs: Finding['runs'], visibility: 'public' | 'private' | 'internal' | undefined): boolean {
  return visibility === 'public' && runs?.state === 'ran' && runs.payloadInLog === true;
}

/** The distinct run texts of a job row's findings. */
export function rowRunsText(row: JobRow): string {
  return rowTexts(row, (f) => {
    const t = runsText(f.runs);
    return t === '' ? [] : [t];
  }).join('; ');
}

/** The distinct version texts of a job row's findings. */
export function rowVersionsText(row: JobRow): string {
  return rowTexts(row, (f) => {
    const t = findingVersionsText(f.versions);
    return t === '' ? [] : [t];
  }).join('; ');
}

export { stillExposedNow };
