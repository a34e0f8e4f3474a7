/**
 * `ci-exposure scan` in-process over the shipped examples (examples/org with examples/cache): the
 * all-catalog run, the custom include indicator, and where findings point.
 */
import { join } from 'node:path';
import { runScanCommand } from './scan-command';
import { CATALOG } from './scanner/indicators';

const root = join(__dirname, '..', '..');
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

function run(args: { indicator?: string; all?: boolean }): { code: number; json: unknown } {
  let out = '';
  const code = runScanCommand({ paths: [ORG], cache: CACHE, format: 'json', ...args }, { stdout: (t) => (out += t) });
  return { code, json: JSON.parse(out) };
}

describe('scan command over the examples', () => {
  it('the all-catalog run (one parse, every indicator) reports what one run per indicator reports', () => {
    const all = run({}).json as JsonResult[];
    expect(all.map((r) => r.indicator.id)).toEqual(CATALOG.map((i) => i.id));
    for (const ind of CATALOG) {
      const one = run({ indicator: ind.id }).json as JsonResult;
      expect(all.find((r) => r.indicator.id === ind.id)).toEqual(one);
    }
  });

  it('acme/ci-templates: only the job that extends the template is affected', () => {
    const { code, json } = run({ indicator: join(root, 'examples', 'indicators', 'acme-ci-templates.json'), all: true });
    expect(code).toBe(1);
    const findings = (json as JsonResult).findings;
    const byJob = new Map(findings.map((f) => [f.job, f]));
    expect(byJob.get('coverage')).toMatchObject({ repo: 'acme/gitlab-service', affected: true });
    for (const job of ['build', 'deploy']) {
      expect(byJob.get(job)).toMatchObject({ affected: false });
      expect(byJob.get(job)?.reasons[0]).toContain('the include is in the pipeline but this job takes nothing from it');
    }
  });

  it('one job, two incidents: the use for the component incident, the workflow entry for the platform one', () => {
    const codecov = (run({ indicator: 'codecov-bash-uploader-2021' }).json as JsonResult).findings.find((f) => f.repo === 'acme/shared-context');
    const breach = (run({ indicator: 'circleci-platform-2023' }).json as JsonResult).findings.find((f) => f.repo === 'acme/shared-context' && f.job === 'build-and-cover');
    expect(codecov).toMatchObject({ job: 'build-and-cover', file: '.circleci/config.yml', line: 18 });
    expect(breach).toMatchObject({ file: '.circleci/config.yml', line: 38 });
  });
});
