import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makeTempDir } from '../../test/helpers/tmp';
import { pathKind, readCheckout, readLocalPaths, repoIdFromRemote } from './local-dir';

function write(root: string, rel: string, text: string | Buffer): void {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
}

const WF = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n';

describe('repoIdFromRemote', () => {
  it.each([
    ['https://github.com/acme/widgets.git', 'acme/widgets'],
    ['https://github.com/acme/widgets', 'acme/widgets'],
    ['git@github.com:acme/widgets.git', 'acme/widgets'],
    ['ssh://git@gitlab.example.com:2222/group/sub/project.git', 'group/sub/project'],
    ['https://token@github.com/acme/w.git/', 'acme/w'],
    ['not a url', undefined],
    ['https://github.com/onlyone', undefined],
  ])('%s → %s', (url, id) => {
    expect(repoIdFromRemote(url)).toBe(id);
  });
});

describe('local-dir', () => {
  let tmp: { dir: string; cleanup: () => void };
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => tmp.cleanup());

  it('reads a real git checkout and takes the repo id from remote.origin.url', () => {
    const repo = join(tmp.dir, 'checkout');
    write(repo, '.github/workflows/ci.yml', WF);
    const git = (...args: string[]): void => {
      execFileSync('git', args, { cwd: repo, stdio: 'ignore', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } });
    };
    git('init', '-q');
    git('add', '.');
    git('-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-q', '-m', 'ci');
    git('remote', 'add', 'origin', 'https://github.com/acme/widgets.git');
    expect(pathKind(repo)).toBe('checkout');
    const r = readLocalPaths([repo]);
    expect(r.missing).toEqual([]);
    expect(r.repos.map((x) => x.repo)).toEqual(['acme/widgets']);
    expect(r.repos[0]?.files.map((f) => f.path)).toEqual(['.github/workflows/ci.yml']);
  });

  it('a single checkout without a remote is named by its folder', () => {
    write(tmp.dir, 'my-service/.circleci/config.yml', 'version: 2.1\n');
    expect(readLocalPaths([join(tmp.dir, 'my-service')]).repos.map((x) => x.repo)).toEqual(['my-service']);
  });

  it('a folder of <owner>/<repo> checkouts (and flattened owner+repo folders) gives one repo each', () => {
    write(tmp.dir, 'acme/one/.github/workflows/a.yml', WF);
    write(tmp.dir, 'acme/two/.gitlab-ci.yml', 'job:\n  script: [echo]\n');
    write(tmp.dir, 'acme/empty/README.md', 'no ci');
    write(tmp.dir, 'other+three/.circleci/config.yml', 'version: 2.1\n');
    expect(pathKind(tmp.dir)).toBe('folder');
    const r = readLocalPaths([tmp.dir]);
    expect(r.repos.map((x) => x.repo)).toEqual(['acme/empty', 'acme/one', 'acme/two', 'other/three']);
    expect(r.repos.find((x) => x.repo === 'acme/empty')?.files).toEqual([]);
  });

  it('reads only CI files: workflows, action.yml anywhere under .github and at the root, CircleCI, GitLab and its local includes', () => {
    const root = join(tmp.dir, 'r');
    write(root, '.github/workflows/ci.yml', WF);
    write(root, '.github/workflows/notes.txt', 'x');
    write(root, '.github/actions/deep/nested/action.yaml', 'runs: {using: composite, steps: []}\n');
    write(root, 'action.yml', 'runs: {using: node20, main: x.js}\n');
    write(root, 'src/action.yml', 'not read: outside .github');
    write(root, '.circleci/config.yml', 'version: 2.1\n');
    write(root, '.gitlab-ci.yml', "include:\n  - local: /ci/a.yml\n  - '/ci/b.yml'\n  - project: g/p\n    file: /x.yml\n  - remote: https://example.com/x.yml\n");
    write(root, 'ci/a.yml', 'include:\n  local: ci/nested/*.yml\n');
    write(root, 'ci/b.yml', 'b: {script: [echo]}\n');
    write(root, 'ci/nested/c.yml', 'c: {script: [echo]}\n');
    write(root, 'ci/nested/d.txt', 'no');
    const { repo, errors } = readCheckout(root, 'o/r');
    expect(errors).toEqual([]);
    expect(repo.files.map((f) => f.path).sort()).toEqual([
      '.circleci/config.yml',
      '.github/actions/deep/nested/action.yaml',
      '.github/workflows/ci.yml',
      '.gitlab-ci.yml',
      'action.yml',
      'ci/a.yml',
      'ci/b.yml',
      'ci/nested/c.yml',
    ]);
  });

  it('an include that climbs out of the repository is refused, not read', () => {
    const root = join(tmp.dir, 'r');
    write(tmp.dir, 'secret.yml', 'SECRET: x\n');
    write(root, '.gitlab-ci.yml', 'include:\n  - local: ../secret.yml\n');
    const { repo, errors } = readCheckout(root, 'o/r');
    expect(repo.files.map((f) => f.path)).toEqual(['.gitlab-ci.yml']);
    expect(errors).toEqual([expect.objectContaining({ code: 'outside-repo', file: '../secret.yml' })]);
  });

  it('symlinks: inside the repository followed, outside refused with outside-repo (files and directories)', () => {
    const root = join(tmp.dir, 'r');
    write(tmp.dir, 'outside/leak.yml', 'LEAK: 1\n');
    write(tmp.dir, 'outside/actions/x/action.yml', 'LEAK: 2\n');
    write(root, 'shared/ci.yml', WF);
    mkdirSync(join(root, '.github/workflows'), { recursive: true });
    symlinkSync(join(root, 'shared/ci.yml'), join(root, '.github/workflows/inside.yml'));
    symlinkSync(join(tmp.dir, 'outside/leak.yml'), join(root, '.github/workflows/leak.yml'));
    symlinkSync(join(tmp.dir, 'outside/actions'), join(root, '.github/actions'));
    const { repo, errors } = readCheckout(root, 'o/r');
    expect(repo.files.map((f) => f.path)).toEqual(['.github/workflows/inside.yml']);
    expect(repo.files.some((f) => f.text.includes('LEAK'))).toBe(false);
    expect(errors.map((e) => [e.code, e.file]).sort()).toEqual([
      ['outside-repo', '.github/actions'],
      ['outside-repo', '.github/workflows/leak.yml'],
    ]);
  });

  it('too large, not UTF-8, binary, FIFO: located errors, nothing read whole', () => {
    const root = join(tmp.dir, 'r');
    write(root, '.github/workflows/ok.yml', WF);
    write(root, '.github/workflows/big.yml', '');
    truncateSync(join(root, '.github/workflows/big.yml'), 6 * 1024 * 1024);
    write(root, '.github/workflows/latin1.yml', Buffer.concat([Buffer.from('on: push\nname: '), Buffer.from([0xe9, 0xff]), Buffer.from('\n')]));
    write(root, '.github/workflows/binary.yml', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x0a, 0x00, 0x01]));
    execFileSync('mkfifo', [join(root, '.github/workflows/fifo.yml')]);
    const { repo, errors } = readCheckout(root, 'o/r');
    expect(repo.files.map((f) => f.path)).toEqual(['.github/workflows/ok.yml']);
    expect(errors.map((e) => [e.file, e.code, e.line]).sort()).toEqual([
      ['.github/workflows/big.yml', 'too-large', 1],
      ['.github/workflows/binary.yml', 'binary', 2],
      ['.github/workflows/fifo.yml', 'not-a-file', 1],
      ['.github/workflows/latin1.yml', 'not-utf8', 2],
    ]);
    expect(errors.find((e) => e.code === 'too-large')?.message).toBe('file is 6291456 bytes; files over 5242880 bytes are not read');
  });

  it('a literal CI path under a symlinked directory inside the repository is read; one under a missing directory is not looked for', () => {
    const root = join(tmp.dir, 'r');
    write(root, 'config/circle/config.yml', 'version: 2.1\njobs: {}\n');
    symlinkSync(join(root, 'config/circle'), join(root, '.circleci'));
    write(root, 'jenkins/Jenkinsfile', "pipeline { agent any; stages { stage('a') { steps { sh 'make' } } } }\n");
    const { repo, errors } = readCheckout(root, 'o/r');
    expect(repo.files.map((f) => f.path).sort()).toEqual(['.circleci/config.yml', 'jenkins/Jenkinsfile']);
    expect(errors).toEqual([]);
  });

  it('bounds the number of files per repository', () => {
    const root = join(tmp.dir, 'r');
    for (let i = 0; i < 12; i++) write(root, `.github/workflows/w${String(i).padStart(2, '0')}.yml`, WF);
    const { repo, errors } = readCheckout(root, 'o/r', { maxFiles: 5 });
    expect(repo.files).toHaveLength(5);
    expect(errors).toEqual([expect.objectContaining({ code: 'too-many-files' })]);
  });

  it('missing paths and files are reported, not thrown', () => {
    write(tmp.dir, 'file.txt', 'x');
    const r = readLocalPaths([join(tmp.dir, 'nope'), join(tmp.dir, 'file.txt')]);
    expect(r.missing).toHaveLength(2);
    expect(r.repos).toEqual([]);
  });

  it('.gitlab-ci.yaml is read with its local includes, like .gitlab-ci.yml (issue 9: it scanned as "no pipeline file")', () => {
    const root = join(tmp.dir, 'r');
    write(root, '.gitlab-ci.yaml', 'include:\n  - local: ci/build.yml\n');
    write(root, 'ci/build.yml', 'build: {script: [make]}\n');
    const { repo, errors } = readCheckout(root, 'o/r');
    expect(errors).toEqual([]);
    expect(repo.files.map((f) => f.path)).toEqual(['.gitlab-ci.yaml', 'ci/build.yml']);
    expect(pathKind(root)).toBe('checkout');
  });

  it('Jenkins: Jenkinsfiles at the paths the platform names, and the files they load; a Jenkinsfile alone makes a checkout', () => {
    const root = join(tmp.dir, 'r');
    write(root, 'Jenkinsfile', "node { def u = load 'ci/utils.groovy'\n u.run() }\n");
    write(root, 'ci/utils.groovy', "def run() { load 'ci/more.groovy' }\nreturn this\n");
    write(root, 'ci/more.groovy', "sh 'x'\n");
    write(root, 'nightly.Jenkinsfile', 'pipeline { agent any }\n');
    write(root, 'sub/Jenkinsfile', 'not read: not a path the platform names\n');
    const { repo, errors } = readCheckout(root, 'o/r');
    expect(errors).toEqual([]);
    expect(repo.files.map((f) => f.path)).toEqual(['Jenkinsfile', 'nightly.Jenkinsfile', 'ci/utils.groovy', 'ci/more.groovy']);
    expect(pathKind(root)).toBe('checkout');
    write(tmp.dir, 'org/only-glob/release.Jenkinsfile', 'pipeline { agent any }\n');
    expect(pathKind(join(tmp.dir, 'org/only-glob'))).toBe('checkout');
    expect(pathKind(join(tmp.dir, 'org'))).toBe('folder');
    // A repository named like a folder a platform reads (`jenkins/`) does not make its owner's folder a checkout.
    write(tmp.dir, 'org2/jenkins/Jenkinsfile', 'pipeline { agent any }\n');
    expect(pathKind(join(tmp.dir, 'org2'))).toBe('folder');
    expect(readLocalPaths([tmp.dir]).repos.map((x) => x.repo)).toEqual(expect.arrayContaining(['org2/jenkins', 'org/only-glob', 'r']));
  });

  it('globs in includes walk no deeper than they can match, and never into .git or node_modules', () => {
    const root = join(tmp.dir, 'r');
    write(root, '.gitlab-ci.yml', 'include:\n  - local: ci/*.yml\n  - local: deep/**/*.yml\n');
    write(root, 'ci/a.yml', 'a: {script: [echo]}\n');
    write(root, 'ci/sub/b.yml', 'b: {script: [echo]}\n');
    write(root, 'deep/x/y/c.yml', 'c: {script: [echo]}\n');
    write(root, 'deep/node_modules/d.yml', 'd: {script: [echo]}\n');
    const { repo, errors } = readCheckout(root, 'o/r');
    expect(errors).toEqual([]);
    expect(repo.files.map((f) => f.path)).toEqual(['.gitlab-ci.yml', 'ci/a.yml', 'deep/x/y/c.yml']);
  });
  it("answers the files a job asks for as the repository reader does, missing ones from the checkout's listings", () => {
    const root = join(tmp.dir, 'org', 'r');
    write(root, '.github/workflows/ci.yml', WF);
    write(root, 'scripts/build.sh', 'echo build\n');
    write(root, 'Makefile', 'all:\n\techo\n');
    const [repo] = readLocalPaths([join(tmp.dir, 'org')]).repos;
    const read = (p: string): unknown => repo?.reader?.read(p);
    expect(read('scripts/build.sh')).toEqual({ text: 'echo build\n' });
    expect(read('Makefile')).toEqual({ text: 'all:\n\techo\n' });
    // Not in the root's listing, not in a listed directory, under a directory never listed: missing.
    expect(read('GNUmakefile')).toEqual({ missing: true });
    expect(read('.github/build.sh')).toEqual({ missing: true });
    expect(read('scripts/other.sh')).toEqual({ missing: true });
    expect(read('nowhere/x.sh')).toEqual({ missing: true });
    // Paths the reader refuses are refused, whatever the listings say.
    expect(read('nowhere/../../x.sh')).toMatchObject({ code: 'outside-repo' });
    expect(read('/etc/passwd')).toMatchObject({ code: 'outside-repo' });
  });
});
