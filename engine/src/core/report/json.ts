/**
 * The JSON report: exactly the shape of the issue, one object per indicator (an array for several). Pure.
 *
 * `file`/`line` of a finding (also the table's FILE:LINE, SARIF's location, CSV's columns) follow one
 * rule (exposure/assess.ts `findingPosition`):
 *  - component incidents (action, orb, script, image, include, package): the pipeline's own reference
 *    that leads to the component, i.e. the position of `chain[0]` — the step's `uses:`, the orb command
 *    or orb job, the `include:` entry, the step whose shell text fetches the script — even when the
 *    component itself is deeper (its position is the last chain link's `file`/`line`, inside the
 *    component's files: `<component>//<path>`); except that a GitLab job taking an included template
 *    through `extends:` points at its `extends:` line (the chain still starts at the `include:` entry);
 *  - job-level incidents (platform breach, pushed workflow, runner label): the job's position — its entry
 *    under `workflows.<name>.jobs` on CircleCI (where contexts are attached), its key under `jobs:` on
 *    GitHub Actions, its top-level key on GitLab CI.
 * The same CircleCI job can therefore appear at its `codecov/upload` step for a Codecov finding and at
 * its workflow entry for a CircleCI-breach finding. Reasons name the job by that job position.
 *
 * One finding per use: a job that runs the component several times has several, one after the other
 * (grouped by job, the jobs most severe first). `job` is the job's display name, `jobId` its own key
 * in the pipeline (`jobs.<key>` on GitHub — display names can be `${{ matrix.label }}` or differ from
 * the key —, the workflow job name on CircleCI, the job key on GitLab).
 *
 * `ruleIds` are the exposure rules that fired for the finding (`compromised-component`, `secrets`,
 * `token-permissions`, `deploy`, `tamper`, …; SARIF lists them with their descriptions), the one that
 * decided the verdict first; empty for a use that is not affected.
 *
 * `tamper[]` with `via: "release"` and no consumers is what the job releases or deploys itself
 * (`name`: `the image pushed at .github/workflows/build.yaml:70 (docker push)`).
 *
 * `verdict` is `none` for a use that is not affected (listed for the record: a safe SHA pin, a ref outside
 * the affected ones); otherwise critical, high, medium or low — or `not-run` when the run evidence says the
 * job did not run in the incident window (exposure/run-verdict.ts): it is still listed, its static exposure
 * in `exposureVerdict`, after the jobs that ran. Run history that could not be read (`runs.state`
 * `unavailable`) keeps the static verdict. With run evidence, `summary.ran` counts the affected jobs that
 * ran in the window and `summary.notRun` those that did not (both still in `summary.affected`).
 *
 * `summary.complete` is false when the scan met something it could not read — no pipeline file, an
 * input error, an unresolved component — and `summary.incomplete` says what; `unresolved` lists the
 * uses whose source was not available (what they run was not checked, not assumed clean).
 *
 * `tamper[].name` is what the affected job writes — the artifact name (GitLab: the producing job), the
 * cache key, the workspace root, the pushed ref — when known (absent otherwise).
 * `tamper[].consumers[].job` is the consuming job's name, followed by ` (<file>)` when it is in another
 * workflow file than the affected job, and by ` (through <job>: <via>, …)` (long routes shortened) when it
 * is reached through other jobs that pass the content on (exposure/tamper.ts follows consumers
 * transitively); `through`, present only then, is that whole route as data: the jobs in between in order,
 * each with `via` (and `name` when known) of what it writes that the next one reads. `holds` is what that
 * final consumer holds. `tamper[].reach` says why the path is reachable: the write after the compromised
 * step, collection at the end of the job, or a store any step can write (GitHub's Actions cache) with the
 * scope the job writes into. Platform incidents have no tamper paths (the breach ran no code in the job).
 *
 * When the repositories were read with their history (a git or provider source over an incident window),
 * each finding, unresolved use and error has `versions`: the commits of the repository it holds for,
 * oldest first (`commit`, `role` window-start | in-window | head, ISO times `committedAt`, `liveFrom`,
 * `liveUntil`, and `replacedBy`, the commit that changed or removed it); a finding also has `live`, the
 * same in words, and `stillExposedNow` (it holds in what is on the default branch today). A finding the
 * same in several versions is one finding. Without history (a local folder) these fields are absent.
 */
import type { FindingRuns, ScanError, ScanResult, VersionInfo } from '../model';
import { stillExposedNow, versionJson, type VersionJson, versionsText } from '../versions';
import { groupedFindings, incompleteReasons, isResultList, type Results } from './common';

export interface JsonReport {
  indicator: { id: string; title: string };
  summary: { repos: number; files: number; jobs: number; affected: number; unresolved: number; errors: number; ran?: number; notRun?: number; complete: boolean; incomplete: string[] };
  findings: Array<{
    repo: string;
    file: string;
    line: number;
    platform: string;
    workflow: string;
    job: string;
    jobId: string;
    affected: boolean;
    chain: Array<{ kind: string; ref: string; file?: string; line?: number; unresolved?: boolean }>;
    exposure: { contexts: string[]; secrets: string[]; permissions: string; oidc: boolean; selfHosted: boolean; triggers: string[] };
    tamper: Array<{ via: string; name?: string; consumers: Array<{ job: string; holds: string[]; through?: Array<{ job: string; via: string; name?: string }> }>; reach?: string }>;
    verdict: string;
    /** With verdict `not-run`: the static exposure (critical, high, medium or low). */
    exposureVerdict?: string;
    ruleIds: string[];
    reasons: string[];
    advice: string[];
    versions?: VersionJson[];
    runs?: FindingRuns;
    live?: string;
    stillExposedNow?: boolean;
  }>;
  /** Uses whose source could not be read: what they run was not checked (not assumed clean). */
  unresolved: Array<{ repo: string; file: string; line: number; ref: string; reason: string; versions?: VersionJson[] }>;
  errors: Array<{ repo: string; file: string; line: number; message: string; versions?: VersionJson[] }>;
}

/** `versions` as JSON, when the item has them. */
function versionsField(versions: readonly VersionInfo[] | undefined): { versions?: VersionJson[] } {
  return versions === undefined || versions.length === 0 ? {} : { versions: versions.map(versionJson) };
}

export function toJsonReport(result: ScanResult): JsonReport {
  return { ...reportHead(result), unresolved: result.unresolved.map(unresolvedJson), errors: result.errors.map(errorJson) };
}

/** The report before its lists of unresolved uses and errors. */
function reportHead(result: ScanResult): Omit<JsonReport, 'unresolved' | 'errors'> {
  const incomplete = incompleteReasons([result]);
  return {
    indicator: { id: result.indicator.id, title: result.indicator.title },
    summary: {
      repos: result.summary.repos,
      files: result.summary.files,
      jobs: result.summary.jobs,
      affected: result.summary.affected,
      unresolved: result.summary.unresolved,
      errors: result.summary.errors,
      ...(result.summary.ran === undefined ? {} : { ran: result.summary.ran }),
      ...(result.summary.notRun === undefined ? {} : { notRun: result.summary.notRun }),
      complete: incomplete.length === 0,
      incomplete,
    },
    findings: groupedFindings(result).map((f) => ({
      repo: f.repo,
      file: f.file,
      line: f.line,
      platform: f.platform,
      workflow: f.workflow,
      job: f.job,
      jobId: f.jobId,
      affected: f.affected,
      chain: f.chain.map((l) => ({
        kind: l.kind,
        ref: l.ref,
        ...(l.file === undefined ? {} : { file: l.file }),
        ...(l.line === undefined ? {} : { line: l.line }),
        ...(l.unresolved ? { unresolved: true } : {}),
      })),
      exposure: {
        contexts: [...f.exposure.contexts],
        secrets: [...f.exposure.secrets],
        permissions: f.exposure.permissions,
        oidc: f.exposure.oidc,
        selfHosted: f.exposure.selfHosted,
        triggers: [...f.exposure.triggers],
      },
      tamper: f.tamper.map((t) => ({
        via: t.via,
        ...(t.name === undefined ? {} : { name: t.name }),
        consumers: t.consumers.map((c) => ({
          job: c.job,
          holds: [...c.holds],
          ...(c.through === undefined || c.through.length === 0 ? {} : { through: c.through.map((h) => ({ job: h.job, via: h.via, ...(h.name === undefined ? {} : { name: h.name }) })) }),
        })),
        ...(t.reach === undefined ? {} : { reach: t.reach }),
      })),
      verdict: f.affected ? f.verdict : 'none',
      ...(f.affected && f.verdict === 'not-run' && f.exposureVerdict !== undefined ? { exposureVerdict: f.exposureVerdict } : {}),
      ruleIds: [...f.ruleIds],
      reasons: [...f.reasons],
      advice: [...f.advice],
      ...(f.versions === undefined || f.versions.length === 0
        ? {}
        : { ...versionsField(f.versions), live: versionsText(f.versions), stillExposedNow: stillExposedNow(f.versions) }),
      ...(f.runs === undefined ? {} : { runs: f.runs }),
    })),
  };
}

type UnresolvedUse = ScanResult['unresolved'][number];

// Without versions (a scan without history) the object is written as a literal, not spread from an empty
// `versionsField`: a scan lists thousands of these, and spreading an object costs more than writing one.
function unresolvedJson(u: UnresolvedUse): JsonReport['unresolved'][number] {
  if (u.versions === undefined || u.versions.length === 0) return { repo: u.repo, file: u.file, line: u.line, ref: u.ref, reason: u.reason };
  return { repo: u.repo, file: u.file, line: u.line, ref: u.ref, reason: u.reason, ...versionsField(u.versions) };
}

function errorJson(e: ScanError): JsonReport['errors'][number] {
  if (e.versions === undefined || e.versions.length === 0) return { repo: e.repo, file: e.file, line: e.line, message: `${e.code}: ${e.message}` };
  return { repo: e.repo, file: e.file, line: e.line, message: `${e.code}: ${e.message}`, ...versionsField(e.versions) };
}

/**
 * JSON.stringify(value, null, 2) as it is written inside `depth` arrays: stringified there and cut out, so
 * that the engine indents it (re-indenting the text afterwards costs more than writing it).
 */
function nested(value: unknown, depth: number): string {
  let wrapped = value;
  for (let i = 0; i < depth; i++) wrapped = [wrapped];
  const text = JSON.stringify(wrapped, null, 2);
  let start = 0;
  for (let i = 0; i < depth; i++) start += 2 + 2 * (i + 1); // `[` and the newline, then the next line's indent
  let end = text.length;
  for (let i = 0; i < depth; i++) end -= 2 + 2 * i; // a newline, the indent and `]`
  return text.slice(start, end);
}

/** Items written together: the lists of a catalog scan's results differ in a few items, so most runs of them are alike. */
const RUN = 64;

/** The text of a run of items of a list, and the items it is the text of. */
interface RunText {
  items: readonly object[];
  from: number;
  to: number;
  text: string;
}

/** Whether `items[from, to)` are the very objects the run holds (a cheap comparison: identities). */
function sameRun(run: RunText, items: readonly object[], from: number, to: number): boolean {
  if (run.to - run.from !== to - from) return false;
  for (let i = 0; i < to - from; i++) if (run.items[run.from + i] !== items[from + i]) return false;
  return true;
}

/**
 * A report's list (unresolved uses, errors) as JSON.stringify writes it in the array of several reports.
 * The results of a catalog scan list the same objects (scan.ts), thousands each, in the same order: each
 * run of RUN items is written once (one JSON.stringify) for every report listing the same run, found in
 * `runs` by its first item.
 */
function listText<T extends object>(items: readonly T[], toJson: (item: T) => unknown, runs: Map<object, RunText[]>): string {
  if (items.length === 0) return '[]';
  // Joined with `+`, not Array.join: the engine keeps the parts and copies them once, when the whole
  // report is written out, instead of copying every list and then the report again.
  let text = '';
  for (let from = 0; from < items.length; from += RUN) {
    const to = Math.min(items.length, from + RUN);
    const first = items[from] as T;
    let known = runs.get(first);
    let run = known?.find((r) => sameRun(r, items, from, to));
    if (run === undefined) {
      // The run as a list of a report in the array of reports (two levels in), without its brackets.
      const list = nested(items.slice(from, to).map(toJson), 2);
      run = { items, from, to, text: list.slice('[\n      '.length, list.length - '\n    ]'.length) };
      if (known === undefined) {
        known = [];
        runs.set(first, known);
      }
      known.push(run);
    }
    text = from === 0 ? `[\n      ${run.text}` : `${text},\n      ${run.text}`;
  }
  return `${text}\n    ]`;
}

/**
 * One result: the object; several (the all-catalog run): an array of them. Several are written in parts,
 * the text JSON.stringify(results.map(toJsonReport), null, 2) gives: the results of a catalog scan list
 * the same unresolved uses and errors, whose text is made once instead of once per indicator.
 */
export function renderJson(results: Results): string {
  if (!isResultList(results)) return `${JSON.stringify(toJsonReport(results), null, 2)}\n`;
  if (results.length === 0) return '[]\n';
  const runs = new Map<object, RunText[]>();
  const reports = results.map((result) => {
    // The report's first fields as an item of the array, without the object's closing line: its lists follow.
    const head = nested(reportHead(result), 1);
    const open = head.slice(0, head.length - '\n  }'.length);
    return `${open},\n    "unresolved": ${listText(result.unresolved, unresolvedJson, runs)},\n    "errors": ${listText(result.errors, errorJson, runs)}\n  }`;
  });
  let text = '[\n  ';
  for (let i = 0; i < reports.length; i++) text = i === 0 ? `${text}${reports[i]}` : `${text},\n  ${reports[i]}`;
  return `${text}\n]\n`;
}
