import type { Job, Pipeline, ResolvedJob } from '../model';
import { makeJob, makePipeline, pos } from '../testing';
import { artifactNamesMeet, cacheKeysMeet, downstream, MAX_TAMPER_CONSUMERS, staticPrefix, tamperPaths } from './tamper';

const resolvedAll = (...pipelines: Pipeline[]): ResolvedJob[] => pipelines.flatMap((p) => p.jobs.map((job) => ({ job, components: [] })));
const paths = (job: Job, pipeline: Pipeline, ...others: Pipeline[]) => tamperPaths(job, pipeline, resolvedAll(pipeline, ...others));

describe('CircleCI flows', () => {
  const cc = (partial: Partial<Job> & { id: string }): Job => makeJob({ permissions: { kind: 'not-applicable' }, pos: pos(10, '.circleci/config.yml'), ...partial });
  const build = cc({ id: 'build', produces: [{ via: 'workspace', name: '.: dist', pos: pos(12, '.circleci/config.yml') }, { via: 'cache', name: 'v1-deps-{{ checksum "package-lock.json" }}', pos: pos(14, '.circleci/config.yml') }] });
  const test = cc({ id: 'test', needs: ['build'], consumes: [{ via: 'workspace', name: '.', pos: pos(30, '.circleci/config.yml') }] });
  const deploy = cc({ id: 'deploy', needs: ['test'], contexts: ['aws-prod'], deploys: true, consumes: [{ via: 'workspace', name: '.', pos: pos(40, '.circleci/config.yml') }, { via: 'cache', name: 'v1-deps-{{ checksum "package-lock.json" }}, v1-deps-', pos: pos(41, '.circleci/config.yml') }] });
  const lint = cc({ id: 'lint', consumes: [{ via: 'workspace', name: '.', pos: pos(50, '.circleci/config.yml') }] });
  const other = cc({ id: 'other', consumes: [{ via: 'cache', name: 'v2-gems-{{ .Branch }}', pos: pos(60, '.circleci/config.yml') }] });
  const pipeline = makePipeline({ platform: 'circleci', file: '.circleci/config.yml', jobs: [build, test, deploy, lint, other] });

  it('workspace: jobs that require it transitively and attach the workspace', () => {
    const ws = paths(build, pipeline).find((p) => p.via === 'workspace');
    expect(ws).toEqual({
      via: 'workspace',
      name: '.: dist',
      consumers: [
        { job: 'test', holds: [] },
        { job: 'deploy', holds: ['context aws-prod', 'deploys'] },
      ],
    });
  });

  it('cache: jobs restoring the same key prefix', () => {
    const cache = paths(build, pipeline).find((p) => p.via === 'cache');
    expect(cache?.consumers.map((c) => c.job)).toEqual(['deploy']);
  });

  it('ok-no-consumers: a job that writes nothing has no tamper path', () => {
    expect(paths(lint, pipeline)).toEqual([]);
  });
});

describe('GitHub flows', () => {
  const upload = makeJob({ id: 'build', produces: [{ via: 'artifact', name: 'dist', pos: pos(20) }, { via: 'cache', name: '${{ runner.os }}-node-${{ hashFiles(\'**/package-lock.json\') }}', pos: pos(22) }] });
  const publish = makeJob({
    id: 'publish',
    needs: ['build'],
    deploys: true,
    environment: 'npm',
    secrets: [{ name: 'NPM_TOKEN', kind: 'secret' }],
    consumes: [{ via: 'artifact', name: 'dist', pos: pos(40) }],
  });
  const docs = makeJob({ id: 'docs', consumes: [{ via: 'artifact', name: 'docs-*', pos: pos(50) }] });
  const all = makeJob({ id: 'all', consumes: [{ via: 'artifact', pos: pos(60) }] });
  const pipeline = makePipeline({ jobs: [upload, publish, docs, all] });
  const release = makeJob({ id: 'release', pos: pos(5, '.github/workflows/release.yml'), workflow: 'release', secrets: [{ name: 'GH_PAT', kind: 'secret' }], consumes: [{ via: 'cache', name: 'Linux-node-abc', pos: pos(9, '.github/workflows/release.yml') }] });
  const releasePipeline = makePipeline({ file: '.github/workflows/release.yml', jobs: [release] });

  it('artifacts by name → downloaders (exact, glob, all); caches across workflows', () => {
    const result = paths(upload, pipeline, releasePipeline);
    expect(result.find((p) => p.via === 'artifact')?.consumers).toEqual([
      { job: 'publish', holds: ['secret NPM_TOKEN', 'deploys (environment npm)'] },
      { job: 'all', holds: [] },
    ]);
    expect(result.find((p) => p.via === 'cache')?.consumers).toEqual([{ job: 'release (.github/workflows/release.yml)', holds: ['secret GH_PAT'] }]);
  });

  it('push with a write token → privileged jobs that run on push', () => {
    const pusher = makeJob({ id: 'bump', permissions: { kind: 'scopes', scopes: { contents: 'write' } } });
    const onPush = makeJob({ id: 'deploy', pos: pos(3, '.github/workflows/deploy.yml'), triggers: [{ kind: 'push' }], deploys: true });
    const onPr = makeJob({ id: 'pr', pos: pos(3, '.github/workflows/pr.yml'), triggers: [{ kind: 'pull_request' }], secrets: [{ name: 'X', kind: 'secret' }] });
    const p = makePipeline({ jobs: [pusher] });
    const result = paths(pusher, p, makePipeline({ jobs: [onPush] }), makePipeline({ jobs: [onPr] }));
    expect(result).toEqual([{ via: 'push', name: 'GITHUB_TOKEN (contents: write)', consumers: [{ job: 'deploy (.github/workflows/deploy.yml)', holds: ['deploys'] }] }]);
  });

  it('an explicit git push is a path even with nothing downstream', () => {
    const pusher = makeJob({ id: 'bump', produces: [{ via: 'push', name: 'git push', pos: pos(12) }] });
    expect(paths(pusher, makePipeline({ jobs: [pusher] }))).toEqual([{ via: 'push', name: 'git push', consumers: [] }]);
  });

  it('ok-read-only-token: no push path; ok-default: the default token is not assumed to push', () => {
    expect(paths(makeJob({ id: 'a' }), makePipeline())).toEqual([]);
    expect(paths(makeJob({ id: 'b', permissions: { kind: 'default' } }), makePipeline())).toEqual([]);
  });

  it('ok-fork-only: a fork pull request cannot poison anything', () => {
    const forked = makeJob({ id: 'f', triggers: [{ kind: 'pull_request_fork' }], produces: [{ via: 'artifact', name: 'dist', pos: pos(3) }] });
    expect(paths(forked, makePipeline({ jobs: [forked, publish] }))).toEqual([]);
  });
});

describe('GitLab flows', () => {
  const gl = (partial: Partial<Job> & { id: string }): Job => makeJob({ permissions: { kind: 'not-applicable' }, pos: pos(10, '.gitlab-ci.yml'), ...partial });
  const build = gl({ id: 'build', produces: [{ via: 'artifact', name: 'build', pos: pos(12, '.gitlab-ci.yml') }, { via: 'cache', name: 'node-modules', pos: pos(13, '.gitlab-ci.yml') }] });
  // The parser names the artifacts a job consumes after the producing job (dependencies / needs / earlier stages).
  const deploy = gl({ id: 'deploy', needs: ['build'], deploys: true, environment: 'production', secrets: [{ name: 'KUBE_CONFIG', kind: 'variable' }], consumes: [{ via: 'artifact', name: 'build', pos: pos(30, '.gitlab-ci.yml') }] });
  const unrelated = gl({ id: 'unrelated', needs: ['build'], consumes: [{ via: 'artifact', name: 'other', pos: pos(40, '.gitlab-ci.yml') }] });
  const cacheUser = gl({ id: 'lint', consumes: [{ via: 'cache', name: 'node-modules', pos: pos(50, '.gitlab-ci.yml') }] });
  const otherKey = gl({ id: 'docs', consumes: [{ via: 'cache', name: 'ruby-gems', pos: pos(60, '.gitlab-ci.yml') }] });
  const pipeline = makePipeline({ platform: 'gitlab-ci', file: '.gitlab-ci.yml', jobs: [build, deploy, unrelated, cacheUser, otherKey] });

  it('artifacts → jobs that depend on the producer; caches → same key', () => {
    const result = paths(build, pipeline);
    expect(result.find((p) => p.via === 'artifact')?.consumers).toEqual([{ job: 'deploy', holds: ['secret KUBE_CONFIG', 'deploys (environment production)'] }]);
    expect(result.find((p) => p.via === 'cache')?.consumers).toEqual([{ job: 'lint', holds: [] }]);
  });
});

describe('helpers', () => {
  it.each([
    ['v1-deps-{{ checksum "x" }}', 'v1-deps-'],
    ['${{ runner.os }}-node', ''],
    ['$CI_COMMIT_REF_SLUG-cache', ''],
    ['plain', 'plain'],
    ['deps-<< parameters.k >>', 'deps-'],
  ])('staticPrefix(%s)', (key, prefix) => {
    expect(staticPrefix(key)).toBe(prefix);
  });
  it.each([
    ['v1-deps-{{ checksum "x" }}', 'v1-deps-', true],
    ['v1-deps-{{ checksum "x" }}', 'v1-deps-{{ checksum "x" }}', true],
    ['v1-deps-x', 'v2-deps-', false],
    [undefined, 'anything', true],
    ['${{ runner.os }}-x', 'v1', true],
  ])('cacheKeysMeet(%s, %s)', (a, b, expected) => {
    expect(cacheKeysMeet(a, b)).toBe(expected);
  });
  it.each([
    ['dist', 'dist', true],
    ['dist', 'docs', false],
    ['docs-linux', 'docs-*', true],
    ['dist', undefined, true],
    ['dist-${{ matrix.os }}', 'dist-ubuntu', true],
  ])('artifactNamesMeet(%s, %s)', (a, b, expected) => {
    expect(artifactNamesMeet(a, b)).toBe(expected);
  });
  it('downstream is transitive and ignores cycles', () => {
    const a = makeJob({ id: 'a', needs: ['c'] });
    const b = makeJob({ id: 'b', needs: ['a'] });
    const c = makeJob({ id: 'c', needs: ['b'] });
    const d = makeJob({ id: 'd' });
    expect([...downstream(a, makePipeline({ jobs: [a, b, c, d] }))].sort()).toEqual(['b', 'c']);
  });
});

describe('GitHub cache scope', () => {
  const saver = (triggers: Job['triggers']): Job => makeJob({ id: 'lint', triggers, produces: [{ via: 'cache', name: 'npm-x', pos: pos(5) }] });
  const release = makeJob({ id: 'release', pos: pos(3, '.github/workflows/release.yml'), triggers: [{ kind: 'push' }], deploys: true, consumes: [{ via: 'cache', name: 'npm-', pos: pos(9, '.github/workflows/release.yml') }] });
  const prCheck = makeJob({ id: 'check', pos: pos(3, '.github/workflows/pr.yml'), triggers: [{ kind: 'pull_request' }], consumes: [{ via: 'cache', name: 'npm-', pos: pos(9, '.github/workflows/pr.yml') }] });
  const others = [makePipeline({ file: '.github/workflows/release.yml', jobs: [release] }), makePipeline({ file: '.github/workflows/pr.yml', jobs: [prCheck] })];

  it('ok-pr-only: a job that only runs for pull requests cannot poison the cache of push/tag runs', () => {
    const job = saver([{ kind: 'pull_request' }]);
    const p = makePipeline({ jobs: [job] });
    const [cache] = tamperPaths(job, p, resolvedAll(p, ...others), [p, ...others]);
    expect(cache?.consumers.map((c) => c.job)).toEqual(['check (.github/workflows/pr.yml)']);
  });

  it('a job that also runs on push saves caches that release runs restore', () => {
    const job = saver([{ kind: 'pull_request' }, { kind: 'push' }]);
    const p = makePipeline({ jobs: [job] });
    const [cache] = tamperPaths(job, p, resolvedAll(p, ...others), [p, ...others]);
    expect(cache?.consumers.map((c) => c.job)).toEqual(['release (.github/workflows/release.yml)', 'check (.github/workflows/pr.yml)']);
  });
});

describe('GitLab cache scope', () => {
  const gl = (partial: Partial<Job> & { id: string }): Job => makeJob({ permissions: { kind: 'not-applicable' }, pos: pos(10, '.gitlab-ci.yml'), ...partial });
  const deploy = gl({ id: 'deploy', triggers: [{ kind: 'push', detail: 'main' }], deploys: true, consumes: [{ via: 'cache', name: 'gomod', pos: pos(30, '.gitlab-ci.yml') }] });
  const mrLint = gl({ id: 'mr-lint', triggers: [{ kind: 'merge_request' }], consumes: [{ via: 'cache', name: 'gomod', pos: pos(40, '.gitlab-ci.yml') }] });

  it('ok-mr-only: a job that only runs in merge request pipelines does not reach the deploy job on main', () => {
    const job = gl({ id: 'coverage', triggers: [{ kind: 'merge_request' }], produces: [{ via: 'cache', name: 'gomod', pos: pos(12, '.gitlab-ci.yml') }] });
    const p = makePipeline({ platform: 'gitlab-ci', file: '.gitlab-ci.yml', jobs: [job, deploy, mrLint] });
    expect(paths(job, p).find((x) => x.via === 'cache')?.consumers.map((c) => c.job)).toEqual(['mr-lint']);
  });

  it('a job that runs on branch pipelines too reaches it', () => {
    const job = gl({ id: 'coverage', triggers: [{ kind: 'push' }, { kind: 'merge_request' }], produces: [{ via: 'cache', name: 'gomod', pos: pos(12, '.gitlab-ci.yml') }] });
    const p = makePipeline({ platform: 'gitlab-ci', file: '.gitlab-ci.yml', jobs: [job, deploy, mrLint] });
    expect(paths(job, p).find((x) => x.via === 'cache')?.consumers.map((c) => c.job)).toEqual(['deploy', 'mr-lint']);
  });
});

describe('paths read by more jobs than a report names', () => {
  // 300 jobs restore the cache `build` saves; the one that deploys is the last of them.
  const build = makeJob({ id: 'build', produces: [{ via: 'cache', name: 'deps-', pos: pos(5) }] });
  const readers = Array.from({ length: 300 }, (_, i) => makeJob({ id: `r${i}`, consumes: [{ via: 'cache', name: 'deps-', pos: pos(10 + i) }] }));
  const deploy = makeJob({ id: 'deploy', deploys: true, consumes: [{ via: 'cache', name: 'deps-', pos: pos(400) }] });
  const pipeline = makePipeline({ jobs: [build, ...readers, deploy] });

  it('names at most MAX_TAMPER_CONSUMERS, keeping those that hold something', () => {
    const [cache] = paths(build, pipeline);
    expect(cache?.consumers).toHaveLength(MAX_TAMPER_CONSUMERS);
    expect(cache?.consumers[0]).toEqual({ job: 'deploy', holds: ['deploys'] });
  });

  it('a shorter path keeps the order of the configuration', () => {
    const few = makePipeline({ jobs: [build, ...readers.slice(0, 3), deploy] });
    expect(paths(build, few)[0]?.consumers.map((c) => c.job)).toEqual(['r0', 'r1', 'r2', 'deploy']);
  });
});
