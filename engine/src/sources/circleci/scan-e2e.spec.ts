/**
 * `ci-exposure scan circleci:gh/acme --indicator codecov-bash-uploader-2021` end to end, in-process,
 * against the simulated CircleCI: the projects listed, the config that ran in the window scanned, the
 * codecov orb fetched from the simulated orb registry into the component store, the job found affected.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CircleCiSimulator } from '../../../test/simulators/circleci/server';
import { makeTempDir } from '../../../test/helpers/tmp';
import { runSourceScan } from '../../cli/scan-sources';

const TOKEN = 'cci-e2e-token-5150';
const FIXTURES = join(__dirname, '../../core/platforms/circleci/__fixtures__');

describe('ci-exposure scan circleci:VCS/ORG', () => {
  let sim: CircleCiSimulator;
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(async () => {
    sim = await CircleCiSimulator.start({ token: TOKEN });
    tmp = makeTempDir('cix-circleci-e2e-');
  });
  afterEach(async () => {
    await sim.stop();
    tmp.cleanup();
    expect(sim.violations).toEqual([]);
  });

  it('finds the jobs that ran the codecov orb in the window, the orb fetched from the registry', async () => {
    const config = readFileSync(join(FIXTURES, 'codecov-direct.yml'), 'utf8');
    sim.addProject({ slug: 'gh/acme/site', followed: true });
    // Ran the orb during the window (Jan–Apr 2021), removed it afterwards: today's head is clean.
    sim.addPipeline({ project: 'gh/acme/site', createdAt: '2021-03-01T00:00:00Z', source: config });
    sim.addPipeline({ project: 'gh/acme/site', createdAt: '2021-06-01T00:00:00Z', source: 'version: 2.1\njobs:\n  build:\n    docker: [{image: cimg/base:2021.04}]\n    steps: [checkout]\nworkflows:\n  main:\n    jobs: [build]\n' });
    sim.addOrb({ namespace: 'codecov', name: 'codecov', versions: [{ version: '1.1.1', createdAt: '2020-06-01T00:00:00Z', source: readFileSync(join(FIXTURES, 'cache/circleci/orbs/codecov/codecov@1.1.1.yml'), 'utf8') }] });
    sim.addOrb({ namespace: 'circleci', name: 'node', versions: [{ version: '5.0.2', createdAt: '2022-01-01T00:00:00Z', source: 'version: 2.1\ndescription: node\n' }] });

    let stdout = '';
    let stderr = '';
    const dataDir = join(tmp.dir, 'data');
    const code = await runSourceScan(
      { paths: ['circleci:gh/acme'], indicator: 'codecov-bash-uploader-2021', format: 'json', dataDir },
      { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: { CIRCLECI_URL: sim.url, CIRCLECI_TOKEN: TOKEN } },
    );
    expect(stdout).not.toContain(TOKEN);
    expect(stderr).not.toContain(TOKEN);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { findings: Array<{ repo: string; jobId: string; affected: boolean; verdict: string }>; unresolved: unknown[] };
    expect(report.findings.filter((f) => f.affected).map((f) => [f.repo, f.jobId, f.verdict])).toEqual([
      ['acme/site', 'test-and-package', 'critical'],
      ['acme/site', 'coverage', 'low'],
    ]);
    expect(report.unresolved).toEqual([]);
    expect(sim.requests.filter((r) => r.path === '/graphql-unstable')).toHaveLength(2);
  });
});
