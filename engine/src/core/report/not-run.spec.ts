import { withRunVerdicts } from '../exposure/run-verdict';
import type { Finding, FindingRuns, ScanResult } from '../model';
import { renderCsv, renderJson, renderMarkdown, renderSarif, renderTable } from '.';
import { countByVerdict, jobRows } from './common';
import { ghaFinding } from './testing';

const finding = (partial: Partial<Finding>): Finding => ghaFinding({ reasons: ['High: it can read secrets.'], ...partial });

const ran: FindingRuns = { state: 'ran', count: 2, first: '2025-03-14T16:00:00Z', last: '2025-03-15T11:00:00Z', urls: [], resolved: [], logs: [] };
const notRun: FindingRuns = { state: 'not-run', count: 0, urls: [], resolved: [], logs: [] };
const unavailable: FindingRuns = { state: 'unavailable', count: 0, urls: [], resolved: [], logs: [], reason: 'no token' };

const scanned: ScanResult = {
  indicator: { id: 'tj-actions-changed-files-2025', title: 'tj-actions/changed-files tag rewrite' },
  summary: { repos: 3, files: 3, jobs: 4, affected: 3, unresolved: 0, errors: 0, ran: 1 },
  findings: [
    finding({ repo: 'acme/quiet', job: 'deploy', verdict: 'critical', reasons: ['Critical: it deploys.'], runs: notRun }),
    finding({ runs: ran }),
    finding({ repo: 'acme/old', job: 'docs', verdict: 'low', reasons: ['Low: isolated.'], runs: unavailable }),
  ],
  unresolved: [],
  errors: [],
};
const [judged] = withRunVerdicts([scanned]);
if (!judged) throw new Error('no result');

describe('the not-run verdict in every report', () => {
  it('orders a job that ran (or whose runs are not known) before a not-run one, whatever its static verdict', () => {
    expect(jobRows(judged).map((r) => [r.repo, r.verdict, r.exposureVerdict ?? null])).toEqual([
      ['acme/web', 'high', null],
      ['acme/old', 'low', null],
      ['acme/quiet', 'not-run', 'critical'],
    ]);
  });

  it('counts not-run jobs apart: the verdict counts add up to the affected jobs', () => {
    expect(countByVerdict(judged)).toEqual({ critical: 0, high: 1, medium: 0, low: 1, 'not-run': 1 });
    expect(judged.summary).toEqual({ repos: 3, files: 3, jobs: 4, affected: 3, unresolved: 0, errors: 0, ran: 1, notRun: 1 });
  });

  it('table: `not-run (critical)` in the last row, the counts in the summary line', () => {
    const lines = renderTable(judged).split('\n');
    expect(lines.slice(1, 8)).toEqual([
      'VERDICT             REPO        USES (FILE:LINE)             JOB           SECRETS    TAMPER  CHAIN',
      'high                acme/web    .github/workflows/ci.yml:12  CI / changes  NPM_TOKEN  -       tj-actions/changed-files@v44',
      '  runs: ran 2 times in the window (first 2025-03-14T16:00:00Z, last 2025-03-15T11:00:00Z)',
      'low                 acme/old    .github/workflows/ci.yml:12  CI / docs     NPM_TOKEN  -       tj-actions/changed-files@v44',
      '  runs: run history unavailable: no token',
      'not-run (critical)  acme/quiet  .github/workflows/ci.yml:12  CI / deploy   NPM_TOKEN  -       tj-actions/changed-files@v44',
      '  runs: did not run in the window',
    ]);
    expect(lines[8]).toBe(
      '3 affected jobs of 4 jobs in 3 repositories (3 pipeline files, 0 unresolved components, 0 errors); 1 affected job ran in the window, 1 did not run (listed with its static exposure)',
    );
    expect(renderTable(judged, { color: true })).toContain('\u001b[2mnot-run (critical)\u001b[0m  acme/quiet');
  });

  it('Markdown: the counts, the row and the explanation say not-run with the static exposure', () => {
    const lines = renderMarkdown(judged).split('\n');
    expect(lines[1]).toBe(
      '**3 affected jobs** of 4 jobs in 3 repositories · critical 0 · high 1 · medium 0 · low 1 · not run 1 · 0 unresolved components · 0 errors · 1 affected job ran in the window, 1 did not run (listed with its static exposure)',
    );
    expect(lines).toContain('| **not-run** (critical) | acme/quiet | .github/workflows/ci.yml:12 | deploy | NPM\\_TOKEN | – | tj-actions/changed-files@v44 |');
    expect(lines[lines.length - 2]).toBe('- **not-run** (critical) acme/quiet deploy: Critical: it deploys. _Advice:_ Rotate NPM\\_TOKEN. _Runs:_ did not run in the window');
    // Without run evidence: no not-run count.
    const plain = renderMarkdown({ ...scanned, summary: { ...scanned.summary, ran: undefined }, findings: [finding({})] }).split('\n');
    expect(plain[1]).toBe('**3 affected jobs** of 4 jobs in 3 repositories · critical 0 · high 1 · medium 0 · low 0 · 0 unresolved components · 0 errors');
  });

  it('CSV: verdict not-run, static_verdict the static one on every finding row', () => {
    const rows = renderCsv(judged).split('\r\n');
    expect(rows[0]?.split(',').slice(-7)).toEqual(['static_verdict', 'ran', 'run_count', 'first_run', 'last_run', 'resolution', 'public_log']);
    const cells = (i: number): string[] => {
      const c = (rows[i] ?? '').split(',');
      return [c[1] ?? '', c[3] ?? '', ...c.slice(-7)];
    };
    expect(cells(1)).toEqual(['high', 'acme/web', 'high', 'ran', '2', '2025-03-14T16:00:00Z', '2025-03-15T11:00:00Z', '', 'false']);
    expect(cells(2)).toEqual(['low', 'acme/old', 'low', 'unavailable', '0', '', '', '', 'false']);
    expect(cells(3)).toEqual(['not-run', 'acme/quiet', 'critical', 'not-run', '0', '', '', '', 'false']);
    expect(rows).toHaveLength(5);
  });

  it('JSON round trip: verdict not-run with exposureVerdict, the counts in the summary', () => {
    const json = JSON.parse(renderJson(judged)) as { summary: Record<string, unknown>; findings: Array<Record<string, unknown>> };
    expect(json.summary).toEqual({ repos: 3, files: 3, jobs: 4, affected: 3, unresolved: 0, errors: 0, ran: 1, notRun: 1, complete: true, incomplete: [] });
    expect(json.findings.map((f) => [f.repo, f.verdict, f.exposureVerdict ?? null, (f.runs as { state: string }).state])).toEqual([
      ['acme/web', 'high', null, 'ran'],
      ['acme/old', 'low', null, 'unavailable'],
      ['acme/quiet', 'not-run', 'critical', 'not-run'],
    ]);
    expect(Object.keys(json.findings[2] ?? {}).slice(11, 14)).toEqual(['verdict', 'exposureVerdict', 'ruleIds']);
    // What the JSON says is what the findings say: read back, the verdicts are the same.
    expect(json.findings.map((f) => f.verdict)).toEqual(jobRows(judged).map((r) => r.verdict));
  });

  it('SARIF: level note, the static exposure first in the message and in the properties', () => {
    const log = JSON.parse(renderSarif(judged)) as { runs: Array<{ results: Array<{ level: string; message: { text: string }; properties: Record<string, unknown>; partialFingerprints: Record<string, string> }> }> };
    const results = log.runs[0]?.results ?? [];
    expect(results.map((r) => [r.level, r.properties.verdict, r.properties.exposureVerdict ?? null, r.properties['security-severity']])).toEqual([
      ['error', 'high', null, '8.0'],
      ['note', 'low', null, '2.0'],
      ['note', 'not-run', 'critical', '2.0'],
    ]);
    expect(results[2]?.message.text).toBe(
      'not-run (static exposure critical): job deploy (CI) in acme/quiet runs a component of tj-actions-changed-files-2025 via tj-actions/changed-files@v44. It can read: NPM_TOKEN. Critical: it deploys. Runs: did not run in the window.',
    );
    // The same finding, whether it ran or not: one fingerprint.
    const before = JSON.parse(renderSarif(scanned)) as typeof log;
    expect(before.runs[0]?.results.find((r) => r.properties.repo === 'acme/quiet')?.partialFingerprints).toEqual(results[2]?.partialFingerprints);
  });
});
