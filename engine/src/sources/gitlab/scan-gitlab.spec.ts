/**
 * `ci-exposure scan gitlab:https://HOST/GROUP --indicator …` against the simulated self-hosted GitLab:
 * the whole group answered with its includes and CI/CD components fetched, and the pipeline as it was
 * in the incident window (a job removed during the window is still found).
 */
import { runSourceScan } from '../../cli/scan-sources';
import { type GitLabSimulator, startGitLabSimulator } from '../../../test/simulators/gitlab/server';
import { makeTempDir } from '../../../test/helpers/tmp';
import { createGitLabProvider } from './provider';

const TOKEN = 'glpat-cli-token';
const UPLOAD = 'codecov:\n  script:\n    - curl -s https://codecov.io/bash | bash\n';

describe('ci-exposure scan gitlab:URL', () => {
  let sim: GitLabSimulator;
  let tmp: ReturnType<typeof makeTempDir>;
  beforeAll(async () => {
    tmp = makeTempDir();
    sim = await startGitLabSimulator(
      {
        projects: [
          {
            path: 'corp/apps/web',
            commits: [
              { date: '2021-01-10T00:00:00Z', files: { '.gitlab-ci.yml': 'include:\n  - project: corp/ci\n    ref: v1\n    file: coverage.yml\nbuild:\n  script: [echo build]\n' } },
              // Removed inside the window (2021-01-31 .. 2021-04-01): the include is gone today.
              { date: '2021-02-20T00:00:00Z', message: 'drop coverage', files: { '.gitlab-ci.yml': 'build:\n  script: [echo build]\n' } },
            ],
          },
          { path: 'corp/ci', commits: [{ date: '2021-01-01T00:00:00Z', files: { 'coverage.yml': 'include:\n  - component: $CI_SERVER_FQDN/corp/components/codecov/upload@1.0.0\n' } }], refs: { v1: 0 } },
          { path: 'corp/components/codecov', commits: [{ date: '2021-01-01T00:00:00Z', files: { 'templates/upload.yml': UPLOAD } }], refs: { '1.0.0': 0 } },
        ],
      },
      { tokens: [TOKEN], prefix: '/gitlab' },
    );
  });
  afterAll(async () => {
    await sim.close();
    tmp.cleanup();
  });

  it('answers for the group, fetching the include and the component, in the window-start version', async () => {
    let out = '';
    const err: string[] = [];
    const code = await runSourceScan(
      { paths: [`gitlab:${sim.url}/corp/apps`], indicator: 'codecov-bash-uploader-2021', format: 'json', dataDir: tmp.dir },
      { stdout: (t) => void (out += t), stderr: (t) => void err.push(t), env: { GITLAB_TOKEN: TOKEN, GITLAB_URL: sim.url } },
      [createGitLabProvider()],
    );
    const report = JSON.parse(out) as {
      summary: Record<string, unknown>;
      findings: Array<{ repo: string; job: string; affected: boolean; chain: Array<{ ref: string }>; versions: Array<{ role: string; replacedBy?: string }>; live: string; stillExposedNow: boolean }>;
    };
    expect(code).toBe(1);
    expect(report.summary).toMatchObject({ repos: 1, affected: 1, unresolved: 0, errors: 0, complete: true });
    const affected = report.findings.filter((f) => f.affected);
    expect(affected.map((f) => [f.repo, f.job, f.chain.map((l) => l.ref)])).toEqual([
      ['corp/apps/web', 'codecov', ['corp/ci@v1', '$CI_SERVER_FQDN/corp/components/codecov/upload@1.0.0', 'curl -s https://codecov.io/bash | bash']],
    ]);
    expect(affected[0]?.versions.map((v) => v.role)).toEqual(['window-start']);
    expect(affected[0]?.live).toMatch(/^[0-9a-f]{7}…, live from before the window until its removal by [0-9a-f]{7}… at 2021-02-20 00:00 UTC$/);
    expect(affected[0]?.stillExposedNow).toBe(false);
    const component = sim.requests.find((r) => r.path === '/gitlab/api/v4/projects/corp%2Fcomponents%2Fcodecov/repository/files/templates%2Fupload.yml');
    expect(component?.query).toEqual({ ref: '1.0.0' });
    expect(sim.requests.every((r) => r.auth === 'private-token' && r.status !== 400)).toBe(true);
    expect(out + err.join('')).not.toContain(TOKEN);
  });
});
