import { analyseShell, type Download, type Invocation, type ShellContext } from './analyse';
import { basename } from './commands';

const at = { file: '.github/workflows/ci.yml', line: 20 };

/** Invocations in a short text form: `script scripts/x.sh @20`, `make coverage in tools @21`, `build docker/Dockerfile {A=1} @22`, `? <why> @n`. */
function invocations(text: string, context: ShellContext = {}): string[] {
  return analyseShell(text, at, context).invocations.map((inv: Invocation) => {
    const where = `@${inv.pos.line}`;
    switch (inv.kind) {
      case 'script':
        return inv.path.kind === 'repo' ? `script ${inv.path.path}${'path' in inv.cwd && inv.cwd.path !== '' ? ` in ${inv.cwd.path}` : ''} ${where}` : `? ${inv.path.kind === 'unknown' ? inv.path.why : 'outside'} ${where}`;
      case 'make': {
        const dir = inv.dir.kind === 'repo' ? inv.dir.path : '?';
        const file = inv.file === undefined ? '' : ` -f ${inv.file.kind === 'repo' ? inv.file.path : '?'}`;
        const vars = Object.keys(inv.vars).length > 0 ? ` ${JSON.stringify(inv.vars)}` : '';
        return `make${file} ${inv.targets.join(' ') || '(default)'}${dir === '' ? '' : ` in ${dir}`}${vars} ${where}`;
      }
      case 'build': {
        const args = Object.keys(inv.buildArgs).length > 0 ? ` ${JSON.stringify(inv.buildArgs)}` : '';
        return inv.dockerfile.kind === 'repo' ? `build ${inv.dockerfile.path}${args} ${where}` : `? ${inv.dockerfile.kind === 'unknown' ? inv.dockerfile.why : 'outside'} ${where}`;
      }
    }
  });
}

describe('analyseShell: scripts the text runs from the repository', () => {
  it.each<[string, string, string[]]>([
    ['by its path', './scripts/cover.sh --codecov', ['script scripts/cover.sh @20']],
    ['by a shell', 'bash ci/coverage.sh', ['script ci/coverage.sh @20']],
    ['by a shell with options', 'bash -euo pipefail ci/coverage.sh', ['script ci/coverage.sh @20']],
    ['by sh -x', 'sh -x ./build.sh', ['script build.sh @20']],
    ['sourced', '. ./ci/env.sh\nsource ci/more.sh', ['script ci/env.sh @20', 'script ci/more.sh @21']],
    ['relative path without ./', 'scripts/test.sh', ['script scripts/test.sh @20']],
    ['after sudo and env', 'sudo -E env A=1 ./install.sh', ['script install.sh @20']],
    ['in a directory entered with cd', 'cd tools && ./gen.sh', ['script tools/gen.sh in tools @20']],
    ['cd .. back to the root', 'cd tools\ncd ..\n./x.sh', ['script x.sh @22']],
    ['pushd/popd', 'pushd sub\n./a.sh\npopd\n./b.sh', ['script sub/a.sh in sub @21', 'script b.sh @23']],
    ['$GITHUB_WORKSPACE is the root', 'cd /tmp\nbash "$GITHUB_WORKSPACE/scripts/x.sh"', ['script scripts/x.sh @21']],
    ['${{ github.workspace }} is the root', 'bash ${{ github.workspace }}/scripts/x.sh', ['script scripts/x.sh @20']],
    ['$CI_PROJECT_DIR is the root', '$CI_PROJECT_DIR/ci/run.sh', ['script ci/run.sh @20']],
    ['a variable set in the text', 'DIR=ci/scripts\nbash $DIR/up.sh', ['script ci/scripts/up.sh @21']],
    ['a cd in a command substitution stays there', 'V=$(cd tools && ./version.sh)\n./build.sh', ['script tools/version.sh in tools @20', 'script build.sh @21']],
    ['a path that depends on an unknown variable', 'bash $SCRIPTS/x.sh', ['? the path depends on $SCRIPTS, which is not known when reading @20']],
    ['after cd to an unknown directory', 'cd $BUILD_DIR\n./x.sh', ['? it runs after `cd $BUILD_DIR`, in a directory not known when reading @21']],
    ['a path leaving the repository', 'bash ../other/x.sh', ['? ../other/x.sh points outside the repository @20']],
  ])('%s', (_name, text, expected) => {
    expect(invocations(text)).toEqual(expected);
  });

  it.each<[string, string]>([
    ['ok-system program', '/usr/bin/env true'],
    ['ok-home', 'source ~/.bashrc\n. "$HOME/.cargo/env"'],
    ['ok-runner temp', 'bash $RUNNER_TEMP/setup.sh'],
    ['ok-a remote action\'s own folder', 'bash ${{ github.action_path }}/entrypoint.sh\n$GITHUB_ACTION_PATH/x.sh'],
    ['ok-a virtual environment', 'source venv/bin/activate\n. .venv/bin/activate\n./node_modules/.bin/jest'],
    ['ok-an interpreter runs another language', 'python3 scripts/gen.py\nnode tools/x.js'],
    ['ok-bash -c', "bash -c './x.sh'"],
    ['ok-process substitution', 'bash <(curl -s https://codecov.io/bash)'],
    ['ok-a script in a comment', '# ./scripts/cover.sh'],
    ['ok-a downloaded file', 'curl -sSLo codecov.sh https://codecov.io/bash\nbash codecov.sh'],
  ])('%s', (_name, text) => {
    expect(invocations(text)).toEqual([]);
  });

  it('$0 and $(dirname "$0") inside a script are the script and its folder', () => {
    const text = 'HERE="$(cd "$(dirname "$0")" && pwd)"\n. "$HERE/lib.sh"\n"$(dirname "${BASH_SOURCE[0]}")/../tools/x.sh"\nbash "$(dirname $0)/y.sh"';
    expect(invocations(text, { self: 'ci/scripts/run.sh' })).toEqual(['script ci/scripts/lib.sh @21', 'script ci/tools/x.sh @22', 'script ci/scripts/y.sh @23']);
    expect(invocations('. "${BASH_SOURCE%/*}/lib.sh"\nsource ${0%/*}/../env.sh', { self: 'ci/run.sh' })).toEqual(['script ci/lib.sh @20', 'script env.sh @21']);
  });

  it('a script run from a directory not known keeps its relative paths unknown', () => {
    expect(invocations('./helper.sh', { cwd: { unknown: 'x runs in a directory not known when reading' } })).toEqual(['? x runs in a directory not known when reading @20']);
  });
});

describe('analyseShell: make', () => {
  it.each<[string, string, string[]]>([
    ['a target', 'make coverage', ['make coverage @20']],
    ['the default target', 'make', ['make (default) @20']],
    ['several targets and options', 'make -j4 --no-print-directory lint test', ['make lint test @20']],
    ['-C and -f', 'make -C tools -f ci.mk gen', ['make -f tools/ci.mk gen in tools @20']],
    ['--directory= and VAR=value', 'make --directory=sub build GOFLAGS=-mod=vendor', ['make build in sub {"GOFLAGS":"-mod=vendor"} @20']],
    ['gmake after cd', 'cd backend && gmake check', ['make check in backend @20']],
    ['-j with a separate count', 'make -j 8 all', ['make all @20']],
  ])('%s', (_name, text, expected) => {
    expect(invocations(text)).toEqual(expected);
  });

  it('ok-not make', () => {
    expect(invocations('cmake --build .\necho make coverage\nmakepkg -si')).toEqual([]);
  });
});

describe('analyseShell: image builds', () => {
  it.each<[string, string, string[]]>([
    ['docker build with the default Dockerfile', 'docker build -t app .', ['build Dockerfile @20']],
    ['-f and a context', 'docker build -f docker/scan.Dockerfile -t x docker', ['build docker/scan.Dockerfile @20']],
    ['--file= and build args', 'docker build --file=build/Dockerfile --build-arg BASE=alpine:3 --build-arg V=1 .', ['build build/Dockerfile {"BASE":"alpine:3","V":"1"} @20']],
    ['buildx with --push', 'docker buildx build --platform linux/amd64,linux/arm64 --push -t x:1 ./svc', ['build svc/Dockerfile @20']],
    ['docker global options', 'docker --config /tmp/cfg build .', ['build Dockerfile @20']],
    ['podman', 'podman build -f Containerfile .', ['build Containerfile @20']],
    ['buildah bud', 'buildah bud -t x ctx', ['build ctx/Dockerfile @20']],
    ['kaniko: --dockerfile is inside --context', '/kaniko/executor --context "${CI_PROJECT_DIR}/svc" --dockerfile Dockerfile.ci --destination r/x', ['build svc/Dockerfile.ci @20']],
    ['a context from a cd', 'cd images/base && docker build .', ['build images/base/Dockerfile @20']],
    ['a remote context', 'docker build https://github.com/acme/x.git#main', ['? the build context https://github.com/acme/x.git#main is not in the repository @20']],
    ['a Dockerfile on standard input', 'docker build -f - . < Dockerfile.gen', ['? the Dockerfile comes from standard input @20']],
    ['a context from an unknown variable', 'docker build $CTX', ['? the path depends on $CTX, which is not known when reading @20']],
  ])('%s', (_name, text, expected) => {
    expect(invocations(text)).toEqual(expected);
  });

  it('ok-other docker commands', () => {
    expect(invocations('docker pull x\ndocker run --rm x build\ndocker push x\ndocker compose up')).toEqual([]);
  });
});

describe('analyseShell: downloads across texts', () => {
  const earlier: Download[] = [{ file: '\u0002/codecov.sh', url: 'https://codecov.io/bash', raw: 'curl -sSLo codecov.sh https://codecov.io/bash', pos: { file: '.github/workflows/ci.yml', line: 12 } }];

  it('a file downloaded by an earlier step and run now is a use of its URL, at the download', () => {
    const a = analyseShell('bash codecov.sh -t "$TOKEN"', at, { downloads: earlier });
    expect(a.fetched).toEqual([
      {
        ref: { kind: 'script-url', url: 'https://codecov.io/bash', how: 'download-then-run', raw: 'curl -sSLo codecov.sh https://codecov.io/bash … bash codecov.sh -t "$TOKEN" (.github/workflows/ci.yml:20)' },
        pos: { file: '.github/workflows/ci.yml', line: 12 },
      },
    ]);
    expect(a.invocations).toEqual([]);
  });

  it('./codecov.sh and $GITHUB_WORKSPACE/codecov.sh are the same file', () => {
    expect(analyseShell('chmod +x codecov.sh && ./codecov.sh', at, { downloads: earlier }).fetched).toHaveLength(1);
    expect(analyseShell('bash $GITHUB_WORKSPACE/codecov.sh', at, { downloads: earlier }).fetched).toHaveLength(1);
  });

  it('the downloads of a text are handed on', () => {
    const a = analyseShell('curl -o /tmp/u.sh https://x.io/u\necho saved', at);
    expect(a.fetched).toEqual([]);
    expect(a.downloads).toEqual([{ file: '/tmp/u.sh', url: 'https://x.io/u', raw: 'curl -o /tmp/u.sh https://x.io/u', pos: { file: '.github/workflows/ci.yml', line: 20 } }]);
    expect(analyseShell('sh /tmp/u.sh', at, { downloads: a.downloads }).fetched.map((u) => u.pos.line)).toEqual([20]);
  });

  it('ok-another file, or the same name in another directory', () => {
    expect(analyseShell('bash other.sh', at, { downloads: earlier }).fetched).toEqual([]);
    expect(analyseShell('cd sub && bash codecov.sh', at, { downloads: earlier }).fetched).toEqual([]);
  });
});

describe('analyseShell: case patterns are not commands', () => {
  it('ok-a pattern list of a case statement', () => {
    expect(invocations('case "$REF" in\n  main | next | maint/*) ;;\n  *) exit 1 ;;\nesac')).toEqual([]);
    expect(invocations('case $x in a|./b.sh) echo ;; esac')).toEqual([]);
  });

  it('the commands of a case branch still are', () => {
    expect(invocations('case "$1" in\n  coverage) ./scripts/cover.sh ;;\nesac')).toEqual(['script scripts/cover.sh @21']);
  });
});

describe('basename', () => {
  it.each([
    ['/usr/bin/env', 'env'],
    ['env', 'env'],
    ['./scripts/deploy.sh', 'deploy.sh'],
    ['a//b/', 'b'],
    ['dir/', 'dir'],
    ['/', '/'],
    ['//', '//'],
    ['', ''],
  ])('%j → %j', (path, expected) => {
    expect(basename(path)).toBe(expected);
  });
});
