import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Job, Pipeline, RepoInput, SourceFile } from '../../model';
import { memorySource } from '../../testing';
import { githubActions } from './index';
import { parseWorkflow, permissionsOf, runnerOf, shaPinLabel, triggersOf, valueLine } from './workflow';

function readTree(root: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else out.push({ path: path.relative(root, full).split(path.sep).join('/'), text: fs.readFileSync(full, 'utf8') });
    }
  };
  walk(root);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

const repo: RepoInput = { repo: 'acme/app', files: readTree(path.join(__dirname, '__fixtures__', 'repo')) };
const WF = '.github/workflows/release.yml';

function parseRepo(): { pipelines: Pipeline[]; errors: ReturnType<typeof githubActions.parse>['errors'] } {
  return githubActions.parse(repo, memorySource({}));
}

function pipeline(file: string): Pipeline {
  const found = parseRepo().pipelines.find((p) => p.file === file);
  if (!found) throw new Error(`no pipeline for ${file}`);
  return found;
}

function job(file: string, id: string): Job {
  const found = pipeline(file).jobs.find((j) => j.id === id);
  if (!found) throw new Error(`no job ${id} in ${file}`);
  return found;
}

function parseText(text: string, file = '.github/workflows/t.yml'): ReturnType<typeof parseWorkflow> {
  return parseWorkflow('acme/app', { path: file, text });
}

describe('githubActions.matches', () => {
  it.each([
    ['.github/workflows/ci.yml', true],
    ['.github/workflows/ci.yaml', true],
    ['.github/workflows/nested/ci.yml', false],
    ['.github/workflows/ci.json', false],
    ['.github/actions/setup/action.yml', false],
    ['sub/.github/workflows/ci.yml', false],
    ['.circleci/config.yml', false],
  ])('%s → %s', (p, expected) => {
    expect(githubActions.matches(p)).toBe(expected);
  });
});

describe('githubActions.parse over the fixture repository', () => {
  it('gives one pipeline per workflow file directly in .github/workflows, and located errors for broken ones', () => {
    const { pipelines, errors } = parseRepo();
    expect(pipelines.map((p) => p.file).sort()).toEqual([
      '.github/workflows/ok-jobs.yaml',
      '.github/workflows/pr-target.yml',
      '.github/workflows/release.yml',
      '.github/workflows/reusable.yml',
    ]);
    expect(pipelines.every((p) => p.platform === 'github-actions' && p.repo === 'acme/app')).toBe(true);
    expect(errors.find((e) => e.file === '.github/workflows/broken.yml')).toMatchObject({ code: 'yaml-syntax', repo: 'acme/app' });
    expect(errors.find((e) => e.file === '.github/workflows/broken.yml')!.line).toBeGreaterThanOrEqual(3);
    expect(errors.find((e) => e.file === '.github/workflows/not-a-map.yml')).toMatchObject({ code: 'gha-not-a-mapping', line: 1 });
    expect(errors.find((e) => e.file === '.github/workflows/no-jobs.yml')).toMatchObject({ code: 'gha-no-jobs', line: 1 });
    expect(errors).toHaveLength(3);
    expect(pipelines.flatMap((p) => p.errors)).toEqual([]);
  });

  it('names a pipeline by `name:` or else by its file name', () => {
    expect(pipeline(WF).name).toBe('Release');
    expect(pipeline('.github/workflows/reusable.yml').name).toBe('reusable.yml');
    expect(job(WF, 'build').workflow).toBe('Release');
  });

  it('reads the triggers of an `on:` map: push branches, tags, fork pull requests, schedules, dispatch', () => {
    expect(pipeline(WF).triggers).toEqual([
      { kind: 'push', detail: 'branches: main' },
      { kind: 'tag', detail: 'tags: v*' },
      { kind: 'pull_request', detail: 'fork pull requests run without secrets and with a read-only GITHUB_TOKEN (branches: main)' },
      { kind: 'schedule', detail: '0 3 * * 1' },
      { kind: 'workflow_dispatch' },
    ]);
    expect(job(WF, 'build').triggers).toEqual(pipeline(WF).triggers);
  });

  it('reads pull_request_target and workflow_run, with the upstream workflows', () => {
    const p = pipeline('.github/workflows/pr-target.yml');
    expect(p.triggers).toEqual([
      { kind: 'pull_request_target', detail: expect.stringContaining('secrets') },
      { kind: 'workflow_run', detail: 'after CI, Release (completed)' },
    ]);
    expect(p.jobs[0]).toMatchObject({ permissions: { kind: 'write-all' }, oidc: true });
  });

  it('build: hosted runner, workflow permissions, images, secrets with positions, artifact and caches', () => {
    const j = job(WF, 'build');
    expect(j).toMatchObject({
      id: 'build',
      name: 'build',
      pos: { file: WF, line: 20 },
      needs: [],
      runner: { selfHosted: false, labels: ['ubuntu-latest'] },
      permissions: { kind: 'scopes', scopes: { contents: 'read' } },
      oidc: false,
      deploys: false,
    });
    expect(j.environment).toBeUndefined();
    expect(j.uses).toEqual([
      { ref: { kind: 'image', name: 'node', tag: '20-bookworm', raw: 'node:20-bookworm' }, pos: { file: WF, line: 22 } },
      { ref: { kind: 'image', name: 'postgres', tag: '16', raw: 'postgres:16' }, pos: { file: WF, line: 25 } },
    ]);
    expect(j.secrets).toEqual([
      { name: 'SLACK_WEBHOOK', kind: 'secret', pos: { file: WF, line: 16 } },
      { name: 'DB_PASSWORD', kind: 'secret', pos: { file: WF, line: 27 } },
      { name: 'GITHUB_TOKEN', kind: 'ci-token' },
    ]);
    expect(j.steps.map((s) => [s.name, s.pos.line])).toEqual([
      ['uses: actions/checkout@v4', 29],
      ['uses: actions/setup-node@v4', 30],
      ['uses: actions/cache@v4', 34],
      ['run: npm ci', 38],
      ['Upload dist', 41],
    ]);
    expect(j.steps[1]!.uses).toEqual({
      ref: { kind: 'gha-action', owner: 'actions', repo: 'setup-node', ref: 'v4', raw: 'actions/setup-node@v4' },
      pos: { file: WF, line: 30 },
      inputs: { 'node-version': '20', cache: 'npm' },
    });
    expect(j.steps[3]!.run).toBe('npm ci\nnpm run build\n');
    expect(j.steps[3]!.runPos).toEqual({ file: WF, line: 39 }); // the line after `run: |`
    // `at`: the step that writes, in the job's order (an artifact holds what its upload step found).
    expect(j.produces).toEqual([
      { via: 'cache', name: 'actions/setup-node:npm', pos: { file: WF, line: 30 }, at: 1 },
      { via: 'cache', name: "tool-${{ hashFiles('**/lockfile') }}", pos: { file: WF, line: 34 }, at: 2 },
      { via: 'artifact', name: 'dist', pos: { file: WF, line: 41 }, at: 4 },
    ]);
    expect(j.consumes.map((f) => [f.via, f.name])).toEqual([
      ['cache', 'actions/setup-node:npm'],
      ['cache', "tool-${{ hashFiles('**/lockfile') }}"],
    ]);
  });

  it('publish: self-hosted, environment, job permissions over workflow ones, OIDC, secrets from if/env/with, releases', () => {
    const j = job(WF, 'publish');
    expect(j).toMatchObject({
      name: 'Publish to npm',
      needs: ['build'],
      runner: { selfHosted: true, labels: ['self-hosted', 'linux', 'x64'] },
      environment: 'production',
      permissions: { kind: 'scopes', scopes: { contents: 'write', 'id-token': 'write' } },
      oidc: true,
      deploys: true,
    });
    expect(j.secrets).toEqual([
      { name: 'SLACK_WEBHOOK', kind: 'secret', pos: { file: WF, line: 16 } },
      { name: 'NPM_TOKEN', kind: 'secret', pos: { file: WF, line: 62 } },
      { name: 'GITHUB_TOKEN', kind: 'ci-token', pos: { file: WF, line: 68 } },
      { name: 'production', kind: 'environment', pos: { file: WF, line: 51 } },
      { name: 'id-token', kind: 'id-token', pos: { file: WF, line: 54 } },
    ]);
    expect(j.consumes).toEqual([{ via: 'artifact', name: 'dist', pos: { file: WF, line: 58 }, at: 0 }]);
    expect(j.steps[1]).toMatchObject({ name: 'Publish', pos: { line: 61 }, run: 'npm publish', runPos: { file: WF, line: 63 } });
    expect(j.produces.map((f) => [f.via, f.name, f.pos.line])).toEqual([
      ['release', 'npm publish', 61],
      ['release', 'softprops/action-gh-release', 66],
      ['push', 'git push', 69],
    ]);
  });

  it('dump: a runner label from an expression is kept but not called self-hosted; toJSON(secrets) reads all secrets', () => {
    const j = job(WF, 'dump');
    expect(j.runner).toEqual({ selfHosted: false, labels: ['${{ matrix.os }}'] });
    expect(j.secrets).toContainEqual({ name: 'toJSON(secrets)', kind: 'all-secrets', pos: { file: WF, line: 77 } });
    expect(j.permissions).toEqual({ kind: 'scopes', scopes: { contents: 'read' } });
  });

  it('call: a reusable workflow with its inputs, and secrets: inherit', () => {
    const j = job(WF, 'call');
    expect(j.uses).toEqual([
      {
        ref: { kind: 'gha-reusable-workflow', owner: 'octo-org', repo: 'ci', path: '.github/workflows/build.yml', ref: 'v1', raw: 'octo-org/ci/.github/workflows/build.yml@v1' },
        pos: { file: WF, line: 80 },
        inputs: { target: 'prod', retries: '3' },
      },
    ]);
    expect(j.secrets).toContainEqual({ name: 'inherit', kind: 'inherit', pos: { file: WF, line: 84 } });
    expect(j.runner).toEqual({ selfHosted: false, labels: [] });
    expect(j.steps).toEqual([]);
  });

  it('call-local: a local reusable workflow, and the secrets passed to it by name', () => {
    const j = job(WF, 'call-local');
    expect(j.needs).toEqual(['build']);
    expect(j.uses[0]!.ref).toEqual({ kind: 'gha-local-workflow', path: '.github/workflows/reusable.yml', raw: './.github/workflows/reusable.yml' });
    expect(j.secrets).toContainEqual({ name: 'DEPLOY_KEY', kind: 'secret', pos: { file: WF, line: 90 } });
    expect(j.secrets.some((s) => s.kind === 'inherit')).toBe(false);
  });

  it('grouped: a runner group is not a GitHub-hosted image; local actions and docker:// steps are uses', () => {
    const j = job(WF, 'grouped');
    expect(j.runner).toEqual({ selfHosted: true, labels: ['group:big-runners', 'linux'] });
    expect(j.steps.map((s) => s.uses?.ref)).toEqual([
      { kind: 'gha-local-action', path: '.github/actions/setup', raw: './.github/actions/setup' },
      { kind: 'image', name: 'alpine', tag: '3.19', raw: 'docker://alpine:3.19' },
    ]);
    expect(j.steps[0]!.uses!.inputs).toEqual({ version: '2' });
  });

  describe('ok-* jobs hold nothing', () => {
    const OK = '.github/workflows/ok-jobs.yaml';
    it('ok-isolated: read-only, pinned to a SHA, commented-out uses and commands are not read', () => {
      const j = job(OK, 'ok-isolated');
      expect(j).toMatchObject({
        runner: { selfHosted: false, labels: ['ubuntu-24.04'] },
        permissions: { kind: 'scopes', scopes: { contents: 'read' } },
        oidc: false,
        produces: [],
        consumes: [],
        deploys: false,
        uses: [],
      });
      expect(j.secrets).toEqual([{ name: 'GITHUB_TOKEN', kind: 'ci-token' }]);
      expect(j.steps.map((s) => s.name)).toEqual(['uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683', 'run: make test']);
      expect(j.steps[0]!.uses!.ref).toMatchObject({ ref: '11bd71901bbe5b1630ceea73d27597364c9af683' });
    });
    it('ok-no-permissions: `permissions: {}` is every scope none; a file called secrets.txt is not a secret', () => {
      const j = job(OK, 'ok-no-permissions');
      expect(j.permissions).toEqual({ kind: 'scopes', scopes: {} });
      expect(j.secrets).toEqual([{ name: 'GITHUB_TOKEN', kind: 'ci-token' }]);
      expect(j.runner.selfHosted).toBe(false);
    });
    it('ok-default: workflow read-all applies; `cargo build --release` is not a release', () => {
      const j = job(OK, 'ok-default');
      expect(j).toMatchObject({ permissions: { kind: 'read-all' }, deploys: false, produces: [], runner: { selfHosted: false } });
    });
  });
});

describe('triggersOf', () => {
  it.each<[unknown, ReturnType<typeof triggersOf>]>([
    ['push', [{ kind: 'push' }]],
    [['push', 'pull_request_target'], [{ kind: 'push' }, { kind: 'pull_request_target', detail: expect.any(String) as string }]],
    [{ push: { tags: ['v*'] } }, [{ kind: 'tag', detail: 'tags: v*' }]],
    [{ push: null }, [{ kind: 'push' }]],
    [{ workflow_call: null, workflow_dispatch: { inputs: {} } }, [{ kind: 'workflow_call' }, { kind: 'workflow_dispatch' }]],
    [{ schedule: [{ cron: '0 0 * * *' }, { cron: '5 4 * * 0' }] }, [{ kind: 'schedule', detail: '0 0 * * *' }, { kind: 'schedule', detail: '5 4 * * 0' }]],
    [{ workflow_run: { workflows: 'Build' } }, [{ kind: 'workflow_run', detail: 'after Build' }]],
    [{ repository_dispatch: { types: ['deploy'] } }, [{ kind: 'api', detail: 'types: deploy' }]],
    [{ issue_comment: { types: ['created'] } }, [{ kind: 'other', detail: 'issue_comment' }]],
    ['pull_request', [{ kind: 'pull_request', detail: expect.stringContaining('fork pull requests run without secrets') as string }]],
    [42, []],
    [undefined, []],
  ])('%j', (on, expected) => {
    expect(triggersOf(on)).toEqual(expected);
  });
});

describe('runnerOf', () => {
  it.each<[unknown, ReturnType<typeof runnerOf>]>([
    ['ubuntu-latest', { selfHosted: false, labels: ['ubuntu-latest'] }],
    ['windows-2022', { selfHosted: false, labels: ['windows-2022'] }],
    ['macos-14-xlarge', { selfHosted: false, labels: ['macos-14-xlarge'] }],
    ['self-hosted', { selfHosted: true, labels: ['self-hosted'] }],
    [['Self-Hosted', '${{ matrix.os }}'], { selfHosted: true, labels: ['Self-Hosted', '${{ matrix.os }}'] }],
    ['my-build-box', { selfHosted: true, labels: ['my-build-box'] }],
    ['${{ inputs.runner }}', { selfHosted: false, labels: ['${{ inputs.runner }}'] }],
    [{ labels: 'ubuntu-latest' }, { selfHosted: false, labels: ['ubuntu-latest'] }],
    [{ group: 'ci', labels: ['ubuntu-latest'] }, { selfHosted: true, labels: ['group:ci', 'ubuntu-latest'] }],
  ])('%j', (v, expected) => {
    expect(runnerOf(v)).toEqual(expected);
  });
});

describe('valueLine', () => {
  const lines = ['steps:', '  - run: |', '', '      echo hi', '  - run: make # build', '  - name: x', '    run:', '      plain', '  - {run: inline}', '  - run: >-'];
  it.each([
    [2, 4],
    [5, 5],
    [7, 8],
    [9, 9],
    [10, 10],
    [6, 6],
  ])('key on line %i → value on line %i', (keyLine, expected) => {
    expect(valueLine(lines, keyLine, 'run')).toBe(expected);
  });
});

describe('permissionsOf', () => {
  it.each<[unknown, ReturnType<typeof permissionsOf>, number]>([
    [undefined, undefined, 0],
    ['read-all', { kind: 'read-all' }, 0],
    ['write-all', { kind: 'write-all' }, 0],
    [{}, { kind: 'scopes', scopes: {} }, 0],
    [{ contents: 'write', 'id-token': 'write' }, { kind: 'scopes', scopes: { contents: 'write', 'id-token': 'write' } }, 0],
    [{ contents: 'admin', issues: 'read' }, { kind: 'scopes', scopes: { issues: 'read' } }, 1],
    ['read', undefined, 1],
  ])('%j', (v, expected, problems) => {
    const seen: string[] = [];
    expect(permissionsOf(v, (m) => seen.push(m))).toEqual(expected);
    expect(seen).toHaveLength(problems);
  });
});

describe('parseWorkflow', () => {
  it('inherits id-token: write from the workflow only when the job sets no permissions', () => {
    const { pipeline: p } = parseText(
      ['on: push', 'permissions:', '  id-token: write', 'jobs:', '  a:', '    runs-on: ubuntu-latest', '  b:', '    runs-on: ubuntu-latest', '    permissions:', '      contents: read', ''].join('\n'),
    );
    expect(p!.jobs.map((j) => [j.id, j.oidc])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    expect(p!.jobs[0]!.secrets).toContainEqual({ name: 'id-token', kind: 'id-token', pos: { file: '.github/workflows/t.yml', line: 2 } });
  });

  it('reports bad jobs, steps, uses and permissions at their lines and keeps the rest', () => {
    const text = [
      'on: push', // 1
      'jobs:', // 2
      '  bad: 3', // 3
      '  good:', // 4
      '    runs-on: ubuntu-latest', // 5
      '    permissions: {contents: admin}', // 6
      '    steps:', // 7
      '      - just a string', // 8
      '      - uses: ${{ matrix.action }}', // 9
      '      - uses: actions/checkout@v4', // 10
      '  nosteps:', // 11
      '    runs-on: ubuntu-latest', // 12
      '    steps: {run: x}', // 13
      '',
    ].join('\n');
    const { pipeline: p, errors } = parseText(text);
    expect(errors).toEqual([]);
    expect(p!.errors.map((e) => [e.code, e.line])).toEqual([
      ['gha-bad-job', 3],
      ['gha-bad-permissions', 6],
      ['gha-bad-step', 8],
      ['gha-bad-uses', 9],
      ['gha-bad-steps', 13],
    ]);
    expect(p!.jobs.map((j) => j.id)).toEqual(['good', 'nosteps']);
    expect(p!.jobs[0]!.steps.map((s) => s.name)).toEqual(['uses: ${{ matrix.action }}', 'uses: actions/checkout@v4']);
    expect(p!.jobs[0]!.steps[0]!.uses).toBeUndefined();
  });

  it('finds secrets in every form and place, and nothing that only looks like one', () => {
    const text = [
      'on: push',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    if: ${{ secrets.ONE }}',
      '    env:',
      '      TWO: ${{secrets.TWO}}',
      '      LITERAL: ghp_notarealtokenbutlookslikeone',
      '    steps:',
      '      - run: echo "${{ secrets["THREE"] }} ${{ github.event.secrets.NOT }} ${{ contains(x, \'secrets\') }}"',
      '      - uses: some/action@v1',
      '        with:',
      '          key: ${{ secrets[matrix.name] }}',
      '          token: ${{ github.token }}',
      '',
    ].join('\n');
    const j = parseText(text).pipeline!.jobs[0]!;
    expect(j.secrets.map((s) => [s.kind, s.name, s.pos?.line])).toEqual([
      ['secret', 'ONE', 5],
      ['secret', 'TWO', 7],
      ['secret', 'THREE', 10],
      ['all-secrets', 'toJSON(secrets)', 13],
      ['ci-token', 'GITHUB_TOKEN', 14],
    ]);
    expect(JSON.stringify(j.secrets)).not.toContain('ghp_');
  });

  it('reads the release a pinning comment gives a SHA pin, and nothing else as one', () => {
    expect(shaPinLabel('      - uses: codecov/codecov-action@fb8b3582c8e4def4969c97caa2f19720cb33a72f # v7.0.0')).toBe('v7.0.0');
    expect(shaPinLabel("      - uses: 'a/b@fb8b3582c8e4def4969c97caa2f19720cb33a72f' # tag=v4.1")).toBe('v4.1');
    expect(shaPinLabel('      - uses: a/b@fb8b3582c8e4def4969c97caa2f19720cb33a72f # pinned for v2 reasons')).toBeUndefined();
    expect(shaPinLabel('      - uses: a/b@v4 # v4.2.1')).toBeUndefined();
    expect(shaPinLabel('      - uses: a/b@fb8b3582c8e4def4969c97caa2f19720cb33a72f #v3.2.1-beta')).toBeUndefined();
    const text = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: codecov/codecov-action@fb8b3582c8e4def4969c97caa2f19720cb33a72f # v7.0.0\n';
    expect(parseText(text).pipeline!.jobs[0]!.steps[0]!.uses?.label).toBe('v7.0.0');
  });

  it('names credentials written into env: as literals (workflow, job, step), never their values', () => {
    const text = [
      'on: push',
      'env:',
      '  DOCKER_PASSWORD: hunter2-literal',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    env:',
      '      NPM_TOKEN: npm_literalvalue123',
      '      FROM_SECRET_TOKEN: ${{ secrets.X }}',
      '      NODE_ENV: production',
      '      EMPTY_TOKEN: ""',
      '    steps:',
      '      - run: make',
      '        env:',
      '          AWS_SECRET_ACCESS_KEY: abcdefLITERAL',
      '',
    ].join('\n');
    const j = parseText(text).pipeline!.jobs[0]!;
    const literal = j.secrets.filter((s) => s.name.endsWith('(literal value in the file)'));
    expect(literal.map((s) => [s.kind, s.name, s.pos?.line])).toEqual([
      ['variable', 'DOCKER_PASSWORD (literal value in the file)', 3],
      ['variable', 'NPM_TOKEN (literal value in the file)', 8],
      ['variable', 'AWS_SECRET_ACCESS_KEY (literal value in the file)', 15],
    ]);
    const all = JSON.stringify(j.secrets);
    for (const value of ['hunter2', 'npm_literal', 'abcdefLITERAL']) expect(all).not.toContain(value);
  });

  it('records pushes, releases, setup-* caches and deploy commands; commented-out commands do nothing', () => {
    const text = [
      'on: push',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: actions/setup-go@v5',
      '      - uses: actions/setup-python@v5',
      '        with: {cache: ""}',
      '      - uses: actions/cache/restore@v4',
      '        with: {key: k1}',
      '      - uses: actions/cache/save@v4',
      '        with: {key: k2}',
      '      - uses: docker/build-push-action@v6',
      '        with: {push: true, tags: "ghcr.io/acme/app:latest", cache-to: "type=gha,mode=max"}',
      '      - run: |',
      '          # git push',
      '          docker push ghcr.io/acme/app',
      '      - run: gh release create v1',
      '  b:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: helm upgrade --install app ./chart',
      '  c:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: npm test',
      '      - uses: actions/setup-go@v5',
      '        with: {cache: false}',
      '',
    ].join('\n');
    const [a, b, c] = parseText(text).pipeline!.jobs;
    expect(a!.produces.map((f) => [f.via, f.name])).toEqual([
      ['cache', 'actions/setup-go'],
      ['cache', 'k2'],
      ['cache', 'docker buildx (type=gha)'],
      ['release', 'ghcr.io/acme/app:latest'],
      ['release', 'docker push'],
      ['release', 'gh release'],
    ]);
    expect(a!.consumes.map((f) => [f.via, f.name])).toEqual([
      ['cache', 'actions/setup-go'],
      ['cache', 'k1'],
    ]);
    expect(a!.deploys).toBe(true);
    expect(b!.deploys).toBe(true);
    expect(b!.produces).toEqual([]);
    expect(c).toMatchObject({ deploys: false, produces: [], consumes: [] });
  });

  it('calls a job that deploys by its id, its or its steps\' names, or its environment (not for test results)', () => {
    const text = [
      'on: push',
      'jobs:',
      '  deploy-prod: {runs-on: ubuntu-latest}',
      '  x: {name: Release notes, runs-on: ubuntu-latest}',
      '  y: {environment: staging, runs-on: ubuntu-latest}',
      '  z: {runs-on: ubuntu-latest}',
      '  ok-results: {runs-on: ubuntu-latest, steps: [{name: ci/publish-results, run: echo}, {name: Publish coverage report, run: echo}]}',
      '  s: {runs-on: ubuntu-latest, steps: [{name: Publish package, run: echo}]}',
      '',
    ].join('\n');
    expect(parseText(text).pipeline!.jobs.map((j) => [j.id, j.deploys, j.environment])).toEqual([
      ['deploy-prod', true, undefined],
      ['x', true, undefined],
      ['y', true, 'staging'],
      ['z', false, undefined],
      ['ok-results', false, undefined],
      ['s', true, undefined],
    ]);
  });

  it('gives located errors and no pipeline for documents that are not workflows', () => {
    expect(parseText('').errors).toMatchObject([{ code: 'gha-empty', line: 1 }]);
    expect(parseText('"just a string"').errors).toMatchObject([{ code: 'gha-not-a-mapping', line: 1 }]);
    expect(parseText('on: push\njobs: [a, b]\n').errors).toMatchObject([{ code: 'gha-no-jobs', line: 2 }]);
    expect(parseText('name: x\njobs:\n  a: {runs-on: ubuntu-latest}\n').pipeline!.errors).toMatchObject([{ code: 'gha-no-triggers', line: 1 }]);
  });

  it('keeps the first place a secret is read: workflow env, then the job in the order written', () => {
    const text = [
      'on: push',
      'env:',
      '  A: ${{ secrets.A }}',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    if: secrets.B && secrets.A',
      '    steps:',
      '      - run: echo ${{ secrets.B }} ${{ secrets.C }} ${{ github.token }}',
      '      - run: echo ${{ secrets.C }} ${{ secrets.GITHUB_TOKEN }}',
      '',
    ].join('\n');
    const j = parseText(text).pipeline!.jobs[0]!;
    expect(j.secrets.map((s) => [s.kind, s.name, s.pos?.line])).toEqual([
      ['secret', 'A', 3],
      ['secret', 'B', 7],
      ['secret', 'C', 9],
      ['ci-token', 'GITHUB_TOKEN', 9],
    ]);
  });

  it('places run: values at their first line up to the end of the file, with or without a last newline', () => {
    const head = ['on: push', 'jobs:', '  a:', '    runs-on: ubuntu-latest', '    steps:', '      - run: |', '', '          echo one', '      - run: make', '      - run: |'];
    const runLines = (text: string): Array<number | undefined> => parseText(text).pipeline!.jobs[0]!.steps.map((s) => s.runPos?.line);
    expect(runLines(head.join('\n'))).toEqual([8, 9, 10]);
    expect(runLines(`${head.join('\n')}\n`)).toEqual([8, 9, 11]);
    expect(runLines([...head, '', '', '          echo two', ''].join('\n'))).toEqual([8, 9, 13]);
  });

  it('gives each step its own reference and flows, also when steps repeat the same uses: and script', () => {
    const step = ['      - uses: actions/upload-artifact@v4', '        with: {name: dist}', '      - run: git push'];
    const text = ['on: push', 'jobs:', '  a:', '    runs-on: ubuntu-latest', '    steps:', ...step, ...step, ''].join('\n');
    const j = parseText(text).pipeline!.jobs[0]!;
    const [first, , second] = j.steps;
    expect(first!.uses!.ref).toEqual(second!.uses!.ref);
    expect(first!.uses!.ref).not.toBe(second!.uses!.ref);
    expect(j.produces.map((f) => [f.via, f.name, f.at, f.pos.line])).toEqual([
      ['artifact', 'dist', 0, 6],
      ['push', 'git push', 1, 8],
      ['artifact', 'dist', 2, 9],
      ['push', 'git push', 3, 11],
    ]);
  });

  it('survives recursive aliases, merge keys and anchors in jobs', () => {
    const text = ['on: push', 'x: &steps', '  - run: echo ${{ secrets.A }}', 'jobs:', '  base: &base', '    runs-on: ubuntu-latest', '    steps: *steps', '  other:', '    <<: *base', '    name: Other', ''].join('\n');
    const { pipeline: p } = parseText(text);
    expect(p!.jobs.map((j) => [j.id, j.name, j.steps.length, j.secrets.some((s) => s.name === 'A')])).toEqual([
      ['base', 'base', 1, true],
      ['other', 'Other', 1, true],
    ]);
  });
});
