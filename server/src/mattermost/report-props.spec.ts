/**
 * The report props the bridge posts (moved here with `report-props.ts` from the engine's report tests):
 * valid in the shared contract, most severe first, one row per affected job, the top 25 rows.
 */
import { join } from 'node:path';
import { reportPropsSchema } from '@ci-exposure/contract';
import { CATALOG, componentCacheSource, readLocalPaths, scanMany, withRunVerdicts, type Finding, type ScanResult } from '@ci-exposure/engine';
import { toReportProps } from './report-props';
import { finding, result, sample } from '../../../engine/src/core/report/testing';

describe('toReportProps', () => {
  it('maps to the shared contract, most severe first, only affected rows', () => {
    const props = toReportProps(sample, 'inc-1');
    expect(reportPropsSchema.parse(props)).toEqual(props);
    expect(props.rows[0]?.verdict).toBe('critical');
    expect(props.totalRows).toBe(3);
    expect(props.summary.byVerdict).toEqual({ critical: 1, high: 0, medium: 0, low: 2, 'not-run': 0 });
  });

  it('keeps the top 25 rows', () => {
    const many = result(Array.from({ length: 30 }, (_, i) => finding({ job: `j${i}` })));
    expect(toReportProps(many).rows).toHaveLength(25);
    expect(toReportProps(many).totalRows).toBe(30);
  });
});

describe('one row per affected job (issue 9)', () => {
  // One job (key `pre-commit`, display name `PreCommit`) that calls the action four times, another job
  // calling it once, and a job of the same key in another workflow file (a different job).
  const use = (line: number, partial: Partial<Finding> = {}): Finding =>
    finding({ platform: 'github-actions', file: '.github/workflows/ci.yml', jobFile: '.github/workflows/ci.yml', workflow: 'CI', job: 'PreCommit', jobId: 'pre-commit', line, verdict: 'high', chain: [{ kind: 'gha-action', ref: 'actions-cool/issues-helper@v3', file: '.github/workflows/ci.yml', line }], ...partial });
  const findings = [
    use(30),
    use(12),
    use(41, { verdict: 'critical', tamper: [{ via: 'release', name: 'the image pushed at .github/workflows/ci.yml:50 (docker push)', consumers: [] }] }),
    use(55),
    use(8, { job: 'lint', jobId: 'lint' }),
    use(9, { file: '.github/workflows/nightly.yml', jobFile: '.github/workflows/nightly.yml' }),
  ];
  const r = { ...result(findings), summary: { repos: 1, files: 2, jobs: 3, affected: 3, unresolved: 0, errors: 0 } };

  it('Mattermost report props: one row per job with jobId and its uses, valid in the shared contract', () => {
    const props = toReportProps(r);
    expect(reportPropsSchema.parse(props)).toEqual(props);
    expect(props.totalRows).toBe(3);
    expect(props.rows).toHaveLength(3);
    expect(props.rows[0]).toMatchObject({
      job: 'PreCommit',
      jobId: 'pre-commit',
      verdict: 'critical',
      file: '.github/workflows/ci.yml',
      line: 12,
      uses: [12, 30, 41, 55].map((line) => ({ file: '.github/workflows/ci.yml', line })),
      tamper: ['release: the image pushed at .github/workflows/ci.yml:50 (docker push)'],
    });
  });
});

describe('the engine over examples/org', () => {
  const root = join(__dirname, '..', '..', '..');
  const examples = readLocalPaths([join(root, 'examples', 'org')]);
  const results = scanMany(examples.repos, CATALOG, componentCacheSource(join(root, 'examples', 'cache')));

  it('the props have one row per affected job, as many as the summary counts', () => {
    for (const r of results) expect(toReportProps(r).totalRows).toBe(r.summary.affected);
  });

  it('an incomplete scan says why in the props; a complete one carries no reasons', () => {
    const codecov = results.find((r) => r.indicator.id === 'codecov-bash-uploader-2021');
    expect(codecov?.summary.unresolved).toBeGreaterThan(0);
    expect(toReportProps(codecov as ScanResult).incomplete).toEqual(['2 components whose source could not be read']);
    const withoutCache = scanMany(examples.repos, CATALOG, componentCacheSource(join(root, 'no-such-cache')));
    expect(withoutCache.every((r) => (toReportProps(r).incomplete?.length ?? 0) > 0)).toBe(true);
    const clean = scanMany([], CATALOG, componentCacheSource(join(root, 'examples', 'cache')))[0];
    expect(clean && toReportProps(clean).incomplete).toEqual(['no pipeline file was found in the given paths']);
  });
});

describe('run evidence in the rows (issue 11)', () => {
  const SHA = 'b'.repeat(40);
  const gha = (partial: Partial<Finding>): Finding => finding({ platform: 'github-actions', file: '.github/workflows/ci.yml', jobFile: '.github/workflows/ci.yml', workflow: 'CI', verdict: 'high', ...partial });
  const ran: NonNullable<Finding['runs']> = {
    state: 'ran',
    count: 14,
    first: '2025-03-14T16:00:00Z',
    last: '2025-03-15T11:00:00Z',
    urls: ['https://github.com/acme/web/actions/runs/9/job/99'],
    resolved: [{ action: 'tj-actions/changed-files@v44', sha: SHA, malicious: true }],
    resolution: 'malicious',
    payloadInLog: true,
    publicLog: true,
    logs: [{ jobId: 99, url: 'https://github.com/acme/web/actions/runs/9/job/99', readAt: '2026-01-02T03:04:05Z', sha256: 'f'.repeat(64), bytes: 10, lines: [{ line: 2, text: 'Download action repository' }], payloadLines: [{ line: 3, length: 812 }] }],
  };
  const r = result([
    gha({ repo: 'acme/web', job: 'changes', runs: ran, reasons: ['acme/web is public and a run in the window printed the payload to its log: the secrets were readable by anyone who opened the log, not only the payload\'s author.', 'Reads NPM_TOKEN.'] }),
    gha({ repo: 'acme/quiet', job: 'lint', runs: { state: 'not-run', count: 0, urls: [], resolved: [], logs: [] } }),
    gha({ repo: 'acme/old', job: 'docs', runs: { state: 'unavailable', count: 0, urls: [], resolved: [], logs: [], reason: 'no token' } }),
    finding({ repo: 'acme/cci' }),
  ]);

  it('carries a runs summary (state, count, first, last, resolution, publicLog) — never logs or URLs — and the public log as first reason', () => {
    const props = toReportProps(r);
    expect(reportPropsSchema.parse(props)).toEqual(props);
    const byRepo = Object.fromEntries(props.rows.map((row) => [row.repo, row]));
    expect(byRepo['acme/web']?.runs).toEqual({ state: 'ran', count: 14, first: '2025-03-14T16:00:00Z', last: '2025-03-15T11:00:00Z', resolution: 'malicious', publicLog: true });
    expect(byRepo['acme/web']?.reasons[0]).toContain('the secrets were readable by anyone who opened the log');
    expect(byRepo['acme/quiet']?.runs).toEqual({ state: 'not-run', count: 0 });
    expect(byRepo['acme/old']?.runs).toEqual({ state: 'unavailable', count: 0 });
    expect(byRepo['acme/cci']).not.toHaveProperty('runs');
    expect(JSON.stringify(props)).not.toContain('f'.repeat(64));
  });

  it('a job that did not run: verdict not-run with its static exposure, after the jobs that ran, counted apart', () => {
    const [judged] = withRunVerdicts([{ ...r, summary: { ...r.summary, ran: 1 } }]);
    if (!judged) throw new Error('no result');
    const props = toReportProps(judged);
    expect(reportPropsSchema.parse(JSON.parse(JSON.stringify(props)))).toEqual(props);
    expect(props.rows.map((row) => [row.repo, row.verdict, row.exposureVerdict ?? null])).toEqual([
      ['acme/old', 'high', null],
      ['acme/web', 'high', null],
      ['acme/cci', 'low', null],
      ['acme/quiet', 'not-run', 'high'],
    ]);
    expect(props.summary.byVerdict).toEqual({ critical: 0, high: 2, medium: 0, low: 1, 'not-run': 1 });
    expect(props.summary.ran).toBe(1);
    expect(props.summary.affected).toBe(4);
  });

  it('carries the contexts the runs used (CircleCI), as read; none read: no field', () => {
    const cci = (repo: string, contexts: string[] | undefined): Finding =>
      finding({ repo, platform: 'circleci', file: '.circleci/config.yml', jobFile: '.circleci/config.yml', verdict: 'high', runs: { state: 'ran', count: 2, urls: [], resolved: [], logs: [], ...(contexts === undefined ? {} : { contexts }) } });
    const props = toReportProps(result([cci('acme/deploy', ['aws-prod', 'npm']), cci('acme/none', []), cci('acme/unread', undefined)]));
    expect(reportPropsSchema.parse(JSON.parse(JSON.stringify(props)))).toEqual(props);
    const byRepo = Object.fromEntries(props.rows.map((row) => [row.repo, row.runs]));
    expect(byRepo).toEqual({
      'acme/deploy': { state: 'ran', count: 2, contexts: ['aws-prod', 'npm'] },
      'acme/none': { state: 'ran', count: 2, contexts: [] },
      'acme/unread': { state: 'ran', count: 2 },
    });
  });

  it('an old post without runs still parses', () => {
    const props = toReportProps(result([finding({})]));
    expect(props.rows[0]).not.toHaveProperty('runs');
    expect(reportPropsSchema.safeParse(props).success).toBe(true);
  });
});
