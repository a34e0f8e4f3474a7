// The bridge's lookup with `scan.evidence` against the GitLab simulator and the real engine: run history
// for a GitLab source (not only GitHub), and a re-check (today's heads) that reads the window's runs again,
// so a log deleted during the incident shows as gone on the next re-check.
import { z } from 'zod';
import { startGitLabSimulator, type GitLabSimulator, type SimJobSeed } from '../../../engine/test/simulators/gitlab/server';
import { computeLookup, lookupSettings } from '../../src/mattermost/engine-lookup';
import { makeTempDir } from '../helpers/tmp';

jest.setTimeout(60_000);

const TOKEN = 'glpat-bridge-run-evidence';
const CI = 'coverage:\n  script:\n    - curl -s https://codecov.io/bash | bash\n';

const report = z.object({
  findings: z.array(
    z.object({
      repo: z.string(),
      affected: z.boolean(),
      runs: z.object({ state: z.string(), count: z.number(), logs: z.array(z.object({ sha256: z.string() })), gone: z.array(z.object({ status: z.number() })).optional() }).optional(),
    }),
  ),
});

describe('run evidence in the bridge lookup (GitLab simulator, real engine)', () => {
  let sim: GitLabSimulator;
  let tmp: ReturnType<typeof makeTempDir>;
  const ran: SimJobSeed = { name: 'coverage', stage: 'test', startedAt: '2021-02-10T00:01:00Z', trace: 'Running with gitlab-runner\n$ curl -s https://codecov.io/bash | bash\n' };

  beforeAll(async () => {
    tmp = makeTempDir('cix-bridge-run-evidence-');
    sim = await startGitLabSimulator(
      {
        projects: [
          {
            path: 'corp/web',
            commits: [{ date: '2021-01-01T00:00:00Z', files: { '.gitlab-ci.yml': CI } }],
            pipelines: [
              { createdAt: '2021-01-05T00:00:00Z', jobs: [{ name: 'coverage', stage: 'test' }] },
              { createdAt: '2021-02-10T00:00:00Z', jobs: [ran] },
            ],
          },
        ],
      },
      { tokens: [TOKEN] },
    );
  });
  afterAll(async () => {
    await sim.close();
    tmp.cleanup();
  });

  async function lookup(headsOnly: boolean, evidence = true): Promise<z.infer<typeof report>['findings']> {
    const settings = lookupSettings({ scan: { paths: [], sources: ['gitlab:corp'], dataDir: tmp.dir, evidence } });
    const result = await computeLookup(settings, { type: 'indicator', id: 'codecov-bash-uploader-2021' }, { env: { GITLAB_TOKEN: TOKEN, GITLAB_URL: sim.url }, headsOnly });
    expect(result.json).not.toContain(TOKEN);
    return report.parse(JSON.parse(result.json)).findings.filter((f) => f.affected);
  }

  it('reads the window runs of a GitLab job, and a re-check reads them again (a deleted log is gone)', async () => {
    const first = await lookup(false);
    expect(first.map((f) => [f.repo, f.runs?.state, f.runs?.count, f.runs?.logs.length])).toEqual([['corp/web', 'ran', 1, 1]]);

    // The log is erased during the incident: the re-check (today's heads) reads the window's runs again.
    ran.trace = null;
    const recheck = await lookup(true);
    expect(recheck.map((f) => [f.repo, f.runs?.state, f.runs?.count, f.runs?.logs.length, f.runs?.gone?.map((g) => g.status)])).toEqual([['corp/web', 'ran', 1, 0, [410]]]);

    // Without scan.evidence no run history is read.
    const off = await lookup(true, false);
    expect(off.map((f) => f.runs)).toEqual([undefined]);
  });
});
