/**
 * `ci-exposure scan --jenkins-library NAME=GIT_URL[#VERSION]` / `--jenkins-libraries FILE` as a user runs
 * it (the built CLI: `make test` builds the engine first; run `npm run build -w engine` before running
 * this file alone): a checkout whose Jenkinsfile loads `ci-lib`, the library in a real git repository.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { runCliProcess } from './helpers/cli-process';
import { makeGitRepo, type TestRepo } from './helpers/git-repo';
import { makeTempDir } from './helpers/tmp';

const report = z.object({
  summary: z.object({ affected: z.number(), unresolved: z.number() }),
  findings: z.array(z.object({ repo: z.string(), file: z.string(), job: z.string(), affected: z.boolean() })),
  unresolved: z.array(z.object({ file: z.string(), line: z.number(), ref: z.string(), reason: z.string() })),
});

const JENKINSFILE = (library: string): string => `@Library('${library}') _

node {
  stage('Coverage') {
    codecov()
  }
}
`;

let tmp: { dir: string; cleanup: () => void };
let lib: TestRepo;
let n = 0;

beforeAll(() => {
  tmp = makeTempDir('cix-jenkins-cli-');
  lib = makeGitRepo(join(tmp.dir, 'ci-lib'), [{ at: '2020-06-01T10:00:00Z', files: { 'vars/codecov.groovy': "def call() {\n  sh 'curl -s https://codecov.io/bash | bash'\n}\n" } }]);
  execFileSync('git', ['tag', 'v1'], { cwd: lib.dir, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' }, stdio: 'ignore' });
});

afterAll(() => tmp.cleanup());

/** A checkout holding one Jenkinsfile, and a fresh data directory. */
function checkout(library: string): { app: string; dataDir: string } {
  const app = join(tmp.dir, `app-${n++}`);
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'Jenkinsfile'), JENKINSFILE(library));
  return { app, dataDir: join(tmp.dir, `data-${n}`) };
}

const scan = (app: string, dataDir: string, ...extra: string[]) => runCliProcess(['scan', app, '--indicator', 'codecov-bash-uploader-2021', '--format', 'json', '--data-dir', dataDir, ...extra]);

describe('ci-exposure scan with Jenkins shared libraries (built CLI)', () => {
  it('--jenkins-library fetches the library of a local checkout (no --fetch needed): affected, exit 1', async () => {
    const { app, dataDir } = checkout('ci-lib@v1');
    const r = await scan(app, dataDir, '--jenkins-library', `ci-lib=${lib.url}`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const out = report.parse(JSON.parse(r.stdout));
    expect(out.unresolved).toEqual([]);
    expect(out.findings.filter((f) => f.affected).map((f) => [f.file, f.job])).toEqual([['Jenkinsfile', 'Coverage']]);
  });

  it('a mapping fetches the libraries only: a GitHub action of a local checkout is not fetched without --fetch', async () => {
    const { app, dataDir } = checkout('ci-lib@v1');
    mkdirSync(join(app, '.github', 'workflows'), { recursive: true });
    writeFileSync(join(app, '.github', 'workflows', 'ci.yml'), 'on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/setup-node@v4\n');
    // GitHub is unreachable here: were it asked, the reason would say "could not be fetched by github".
    const r = await scan(app, dataDir, '--jenkins-library', `ci-lib=${lib.url}`);
    const out = report.parse(JSON.parse(r.stdout));
    expect(out.findings.filter((f) => f.affected).map((f) => [f.file, f.job])).toEqual([['Jenkinsfile', 'Coverage']]);
    expect(out.unresolved.map((u) => [u.file, u.line, u.ref])).toEqual([['.github/workflows/ci.yml', 6, 'actions/setup-node@v4']]);
    expect(out.unresolved[0]?.reason).toMatch(/^no action\.yml or action\.yaml: looked for component cache of fetched components: path github\/actions\/setup-node@v4/);
  });

  it('without a mapping, fetching: unresolved with how to map it, exit 3', async () => {
    const { app, dataDir } = checkout('ci-lib@v1');
    const r = await scan(app, dataDir, '--fetch');
    expect(r.code).toBe(3);
    const out = report.parse(JSON.parse(r.stdout));
    expect(out.summary.affected).toBe(0);
    expect(out.unresolved.map((u) => [u.ref, u.line])).toEqual([['ci-lib@v1/codecov', 5]]);
    expect(out.unresolved[0]?.reason).toMatch(/^could not be fetched by jenkins-library: library ci-lib is not mapped: give --jenkins-library ci-lib=URL; /);
  });

  it("--jenkins-libraries FILE (Jenkins' own form): @Library('ci-lib') reads the default version, and a note says so", async () => {
    const { app, dataDir } = checkout('ci-lib');
    const file = join(tmp.dir, 'jenkins.yaml');
    writeFileSync(file, `unclassified:\n  globalLibraries:\n    libraries:\n      - name: ci-lib\n        defaultVersion: v1\n        retriever:\n          modernSCM:\n            scm:\n              git:\n                remote: "${lib.url}"\n`);
    const r = await scan(app, dataDir, '--jenkins-libraries', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('note: library ci-lib: loaded without a version: read at its default version v1\n');
    expect(report.parse(JSON.parse(r.stdout)).summary.affected).toBe(1);
  });

  it('a tag the library does not have: unresolved with git’s words, exit 3', async () => {
    const { app, dataDir } = checkout('ci-lib@v9');
    const r = await scan(app, dataDir, '--jenkins-library', `ci-lib=${lib.url}`);
    expect(r.code).toBe(3);
    expect(report.parse(JSON.parse(r.stdout)).unresolved.map((u) => u.reason)).toEqual([expect.stringContaining(`library ci-lib@v9 (${lib.url}): no branch, tag or commit v9 in the repository: git: fatal: bad revision 'v9'`)]);
  });

  it.each([
    [['--jenkins-library', 'ci-lib'], 'ci-exposure: scan: --jenkins-library "ci-lib": expected NAME=GIT_URL[#DEFAULT_VERSION]\n'],
    [['--jenkins-library', 'a=https://h/a.git', '--jenkins-library', 'a=https://h/b.git'], 'ci-exposure: scan: --jenkins-library: library a is mapped twice\n'],
    [['--jenkins-libraries', 'no-such-file.yaml'], 'ci-exposure: scan: --jenkins-libraries no-such-file.yaml: cannot be read (ENOENT)\n'],
  ])('%j: a usage error in one line, exit 2', async (args, stderr) => {
    const { app, dataDir } = checkout('ci-lib@v1');
    const r = await scan(app, dataDir, ...args);
    expect(r.stderr).toBe(stderr);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });
});
