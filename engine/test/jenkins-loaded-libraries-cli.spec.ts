/**
 * `ci-exposure scan` with Jenkins shared libraries that a pipeline does not name where it calls them (the
 * built CLI: `make test` builds the engine first; run `npm run build -w engine` before running this file
 * alone): a variable of one library calling a variable of another library the run loaded, and libraries
 * every pipeline loads (`implicit: true` in the mapping file). Libraries are real git repositories.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { runCliProcess, type CliResult } from './helpers/cli-process';
import { makeGitRepo, type TestRepo } from './helpers/git-repo';
import { makeTempDir } from './helpers/tmp';

const report = z.object({
  summary: z.object({ affected: z.number(), unresolved: z.number() }),
  findings: z.array(z.object({ file: z.string(), job: z.string(), affected: z.boolean(), chain: z.array(z.object({ ref: z.string() })) })),
  unresolved: z.array(z.object({ file: z.string(), line: z.number(), ref: z.string(), reason: z.string() })),
});

const CURL = 'curl -s https://codecov.io/bash | bash';

let tmp: { dir: string; cleanup: () => void };
/** `cov-lib`'s `cov` calls `publish`, which only `publish-lib` defines; `ci-lib`'s `codecov` runs the uploader. */
let covLib: TestRepo;
let publishLib: TestRepo;
let ciLib: TestRepo;
let n = 0;

const tag = (repo: TestRepo, name: string): void => {
  execFileSync('git', ['tag', name], { cwd: repo.dir, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' }, stdio: 'ignore' });
};

beforeAll(() => {
  tmp = makeTempDir('cix-jenkins-loaded-');
  covLib = makeGitRepo(join(tmp.dir, 'cov-lib'), [{ at: '2020-06-01T10:00:00Z', files: { 'vars/cov.groovy': 'def call() {\n  publish()\n}\n' } }]);
  publishLib = makeGitRepo(join(tmp.dir, 'publish-lib'), [{ at: '2020-06-01T10:00:00Z', files: { 'vars/publish.groovy': `def call() {\n  sh '${CURL}'\n}\n` } }]);
  ciLib = makeGitRepo(join(tmp.dir, 'ci-lib'), [{ at: '2020-06-01T10:00:00Z', files: { 'vars/codecov.groovy': `def call() {\n  sh '${CURL}'\n}\n` } }]);
  for (const r of [covLib, publishLib, ciLib]) tag(r, 'v1');
});

afterAll(() => tmp.cleanup());

/** A checkout holding one Jenkinsfile, and a fresh data directory. */
function checkout(jenkinsfile: string): { app: string; dataDir: string } {
  const app = join(tmp.dir, `app-${n++}`);
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'Jenkinsfile'), jenkinsfile);
  return { app, dataDir: join(tmp.dir, `data-${n}`) };
}

const scan = (app: string, dataDir: string, ...extra: string[]) => runCliProcess(['scan', app, '--indicator', 'codecov-bash-uploader-2021', '--format', 'json', '--data-dir', dataDir, ...extra]);

/** The run exits 1 with nothing unresolved, and only the Jenkinsfile's Coverage stage is affected, through `chain`. */
function expectCoverageAffected(r: CliResult, chain: string[]): void {
  expect(r.stderr).toBe('');
  expect(r.code).toBe(1);
  const out = report.parse(JSON.parse(r.stdout));
  expect(out.unresolved).toEqual([]);
  const hit = out.findings.filter((f) => f.affected);
  expect(hit.map((f) => [f.file, f.job])).toEqual([['Jenkinsfile', 'Coverage']]);
  expect(hit[0]?.chain.map((l) => l.ref)).toEqual(chain);
}

const TWO_LIBRARIES = "@Library(['cov-lib@v1', 'publish-lib@v1']) _\n\nnode {\n  stage('Coverage') {\n    cov()\n  }\n}\n";
/** No @Library: `codecov` can only come from a library loaded implicitly; `notifyTeam` from none. */
const NO_LIBRARY = "node {\n  stage('Coverage') {\n    codecov()\n    notifyTeam()\n  }\n}\n";

describe('ci-exposure scan: a variable calling a variable of another loaded library (built CLI)', () => {
  it('both libraries mapped: followed into the other library, affected, exit 1', async () => {
    const { app, dataDir } = checkout(TWO_LIBRARIES);
    const r = await scan(app, dataDir, '--jenkins-library', `cov-lib=${covLib.url}`, '--jenkins-library', `publish-lib=${publishLib.url}`);
    expectCoverageAffected(r, ['cov-lib@v1/cov', 'publish-lib@v1/publish', CURL]);
  });

  it('the other library not mapped: its step is unresolved with why, exit 3 (never clean)', async () => {
    const { app, dataDir } = checkout(TWO_LIBRARIES);
    const r = await scan(app, dataDir, '--jenkins-library', `cov-lib=${covLib.url}`);
    expect(r.code).toBe(3);
    const out = report.parse(JSON.parse(r.stdout));
    expect(out.summary).toEqual({ affected: 0, unresolved: 1 });
    expect(out.unresolved.map((u) => [u.file, u.line, u.ref])).toEqual([['cov-lib@v1//vars/cov.groovy', 2, 'publish-lib@v1/publish']]);
    expect(out.unresolved[0]?.reason).toMatch(/^could not be fetched by jenkins-library: library publish-lib is not mapped: give --jenkins-library publish-lib=URL; /);
  });
});

describe('ci-exposure scan: libraries every pipeline loads (built CLI)', () => {
  const mapping = (implicit: boolean): string => {
    const file = join(tmp.dir, `libraries-${n++}.yaml`);
    writeFileSync(file, `libraries:\n  - name: ci-lib\n    url: "${ciLib.url}"\n    defaultVersion: v1\n    implicit: ${implicit}\n`);
    return file;
  };

  it('implicit: true: a Jenkinsfile with no @Library calls its variable: affected, exit 1; a step of no library stays a plain step', async () => {
    const { app, dataDir } = checkout(NO_LIBRARY);
    const r = await scan(app, dataDir, '--jenkins-libraries', mapping(true));
    // ci-lib was fetched whole: `notifyTeam`, not one of its variables, is not unresolved.
    expectCoverageAffected(r, ['ci-lib@v1/codecov', CURL]);
  });

  it('implicit: false: the library is not loaded without @Library; `codecov` is a plain step, exit 0', async () => {
    const { app, dataDir } = checkout(NO_LIBRARY);
    const r = await scan(app, dataDir, '--jenkins-libraries', mapping(false));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = report.parse(JSON.parse(r.stdout));
    expect(out.summary).toEqual({ affected: 0, unresolved: 0 });
  });

  it('implicit, with fetching off and the library in no cache: unresolved, exit 3', async () => {
    const { app, dataDir } = checkout(NO_LIBRARY);
    const r = await scan(app, dataDir, '--jenkins-libraries', mapping(true), '--no-fetch');
    expect(r.code).toBe(3);
    const out = report.parse(JSON.parse(r.stdout));
    expect(out.summary.affected).toBe(0);
    expect(out.unresolved.map((u) => [u.line, u.ref])).toEqual([
      [3, 'ci-lib@v1/codecov'],
      [4, 'ci-lib@v1/notifyTeam'],
    ]);
  });
});
