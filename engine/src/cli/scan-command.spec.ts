/**
 * `ci-exposure scan` in-process over the shipped examples (examples/org with examples/cache): the
 * all-catalog run, the custom include indicator, and where findings point.
 */
import { join } from 'node:path';
import { runScanCommand } from './scan-command';
import { CATALOG } from '../core/indicators';

const root = join(__dirname, '..', '..', '..');
const ORG = join(root, 'examples', 'org');
const CACHE = join(root, 'examples', 'cache');

interface JsonFinding {
  repo: string;
  file: string;
  line: number;
  job: string;
  affected: boolean;
  reasons: string[];
}
interface JsonResult {
  indicator: { id: string };
  findings: JsonFinding[];
}

async function run(args: { indicator?: string; all?: boolean }): Promise<{ code: number; json: unknown }> {
  let out = '';
  const code = await runScanCommand({ paths: [ORG], cache: CACHE, format: 'json', ...args }, { stdout: (t) => (out += t) });
  return { code, json: JSON.parse(out) };
}

describe('scan command over the examples', () => {
  it('the all-catalog run (one parse, every indicator) reports what one run per indicator reports', async () => {
    const all = (await run({})).json as JsonResult[];
    expect(all.map((r) => r.indicator.id)).toEqual(CATALOG.map((i) => i.id));
    for (const ind of CATALOG) {
      const one = (await run({ indicator: ind.id })).json as JsonResult;
      expect(all.find((r) => r.indicator.id === ind.id)).toEqual(one);
    }
  });

  it('acme/ci-templates: only the job that extends the template is affected', async () => {
    const { code, json } = await run({ indicator: join(root, 'examples', 'indicators', 'acme-ci-templates.json'), all: true });
    expect(code).toBe(1);
    const findings = (json as JsonResult).findings;
    const byJob = new Map(findings.map((f) => [f.job, f]));
    expect(byJob.get('coverage')).toMatchObject({ repo: 'acme/gitlab-service', affected: true });
    for (const job of ['build', 'deploy']) {
      expect(byJob.get(job)).toMatchObject({ affected: false });
      expect(byJob.get(job)?.reasons[0]).toContain('the include is in the pipeline but this job takes nothing from it');
    }
  });

  it('one job, two incidents: the use for the component incident, the workflow entry for the platform one', async () => {
    const codecov = ((await run({ indicator: 'codecov-bash-uploader-2021' })).json as JsonResult).findings.find((f) => f.repo === 'acme/shared-context');
    const breach = ((await run({ indicator: 'circleci-platform-2023' })).json as JsonResult).findings.find((f) => f.repo === 'acme/shared-context' && f.job === 'build-and-cover');
    expect(codecov).toMatchObject({ job: 'build-and-cover', file: '.circleci/config.yml', line: 18 });
    expect(breach).toMatchObject({ file: '.circleci/config.yml', line: 38 });
  });
});

describe('issue 9: one ref notation for every affected/safe entry', () => {
  const FIXTURES = join(__dirname, '..', 'core', 'indicators', '__fixtures__');

  it('reviewdog/action-setup@v1 is affected, directly and through EPMatt/reviewdog-action-tsc@v1 from the cache; the ok-* jobs are not', async () => {
    let out = '';
    const code = await runScanCommand(
      { paths: [join(FIXTURES, 'issue-9', 'repo')], cache: join(FIXTURES, 'issue-9', 'cache'), indicator: 'reviewdog-action-setup-2025', format: 'json' },
      { stdout: (t) => (out += t) },
    );
    expect(code).toBe(1);
    const findings = (JSON.parse(out) as JsonResult).findings;
    const byJob = new Map(findings.map((f) => [f.job, f]));
    expect(byJob.get('reviewdog')).toMatchObject({ affected: true, reasons: expect.arrayContaining([expect.stringMatching(/^Runs reviewdog\/action-setup@v1 .*: `v1` is a mutable ref listed as affected \(`v1 \(the tag was moved/)]) });
    expect(byJob.get('tsc')).toMatchObject({ affected: true, reasons: expect.arrayContaining([expect.stringMatching(/^Runs EPMatt\/reviewdog-action-tsc@v1 → reviewdog\/action-setup@v1 .*listed as affected/)]) });
    expect(byJob.get('ok-pinned')).toMatchObject({ affected: false, reasons: [expect.stringMatching(/^Not affected: pinned to a safe SHA/)] });
    expect(byJob.get('ok-other-tag')).toMatchObject({ affected: false, reasons: [expect.stringMatching(/^Not affected: `v2.0.0` is outside the affected refs/)] });
    expect(findings.filter((f) => f.affected).map((f) => f.job).sort()).toEqual(['reviewdog', 'tsc']);
  });

  it('a user file with "v4 tag during window" is a configuration error that names the entry and the accepted forms', async () => {
    const file = join(FIXTURES, 'issue-9-bad-notation.json');
    await expect(runScanCommand({ paths: [ORG], indicator: file, format: 'json' }, { stdout: () => undefined })).rejects.toThrow(
      expect.objectContaining({
        name: 'UserError',
        message: expect.stringMatching(/field components\.0\.affectedRefs\.0: entry "v4 tag during window" is not in the ref notation: .*accepted forms: .*v1 \(moved to the bad commit during the window\)/),
      }),
    );
  });

  it('a --component ref outside the notation is a usage error', async () => {
    await expect(runScanCommand({ paths: [ORG], component: 'gha:actions/checkout@v4 tag during window' }, { stdout: () => undefined })).rejects.toThrow(
      expect.objectContaining({ name: 'UserError', message: expect.stringMatching(/bad component spec .*ref "v4 tag during window" is not in the ref notation/) }),
    );
  });
});
