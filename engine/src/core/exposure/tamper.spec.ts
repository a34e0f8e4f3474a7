import type { ArtifactFlow, Job, Pipeline, ResolvedJob, Step } from '../model';
import { makeJob, makeMatch, makePipeline, makeStep, makeUse, pos } from '../testing';
import { assessJob } from './assess';
import { ANY_KEY, artifactNamesMeet, cacheKeysMeet, compromisedAt, downstream, MAX_TAMPER_CONSUMERS, staticPrefix, tamperAnalysis, tamperPaths } from './tamper';

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
      // Without a compromised step placed in the job, every write counts, and the path says so.
      reach: expect.stringMatching(/^CircleCI writes the workspace only in a `persist_to_workspace` step.*not placed.*every write counts$/),
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
      // publish runs what it downloaded, and any step of it can write any cache key that release restores.
      { job: 'release (.github/workflows/release.yml) (through publish: cache)', holds: ['secret GH_PAT'], through: [{ job: 'publish', via: 'cache', name: ANY_KEY }] },
    ]);
    expect(result.find((p) => p.via === 'cache')).toMatchObject({ name: ANY_KEY, consumers: [{ job: 'release (.github/workflows/release.yml)', holds: ['secret GH_PAT'] }] });
  });

  it('push with a write token → privileged jobs that run on push', () => {
    const pusher = makeJob({ id: 'bump', permissions: { kind: 'scopes', scopes: { contents: 'write' } } });
    const onPush = makeJob({ id: 'deploy', pos: pos(3, '.github/workflows/deploy.yml'), triggers: [{ kind: 'push' }], deploys: true });
    const onPr = makeJob({ id: 'pr', pos: pos(3, '.github/workflows/pr.yml'), triggers: [{ kind: 'pull_request' }], secrets: [{ name: 'X', kind: 'secret' }] });
    const p = makePipeline({ jobs: [pusher] });
    const result = paths(pusher, p, makePipeline({ jobs: [onPush] }), makePipeline({ jobs: [onPr] }));
    expect(result).toEqual([{ via: 'push', name: 'GITHUB_TOKEN (contents: write)', consumers: [{ job: 'deploy (.github/workflows/deploy.yml)', holds: ['deploys'] }], reach: "the job's token can push from any step" }]);
  });

  it('an explicit git push is a path even with nothing downstream', () => {
    const pusher = makeJob({ id: 'bump', produces: [{ via: 'push', name: 'git push', pos: pos(12) }] });
    expect(paths(pusher, makePipeline({ jobs: [pusher] }))).toEqual([{ via: 'push', name: 'git push', consumers: [], reach: "the job's token can push from any step" }]);
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

describe('order inside a job: explicit write steps', () => {
  const CFG = '.circleci/config.yml';
  const at = (line: number): ReturnType<typeof pos> => pos(line, CFG);
  const step = (line: number, name: string, extra: Partial<Step> = {}): Step => makeStep({ name, pos: at(line), ...extra });
  const cc = (partial: Partial<Job> & { id: string }): Job => makeJob({ permissions: { kind: 'not-applicable' }, pos: at(1), ...partial });
  // checkout (0), save_cache early (1), a run whose second line pipes the uploader to bash (2), save_cache late (3), persist (4)
  const steps: Step[] = [
    step(10, 'checkout'),
    step(11, 'save_cache'),
    step(12, 'run: test', { run: 'make test\ncurl -s https://codecov.io/bash | bash\necho done' }),
    step(16, 'save_cache'),
    step(17, 'persist_to_workspace'),
  ];
  const flow = (via: ArtifactFlow['via'], name: string, line: number, place: number): ArtifactFlow => ({ via, name, pos: at(line), at: place });
  const coverage = cc({
    id: 'coverage',
    steps,
    sequence: steps.map((s, i) => ({ step: s, at: i })),
    produces: [flow('cache', 'early-v1-{{ checksum "a" }}', 11, 1), flow('cache', 'late-v1-{{ checksum "b" }}', 16, 3), flow('workspace', '.: dist', 17, 4)],
  });
  const deploy = cc({ id: 'deploy', needs: ['coverage'], contexts: ['prod'], deploys: true, consumes: [flow('cache', 'early-v1-, late-v1-', 30, 0), flow('workspace', '.', 31, 1)] });
  const pipeline = makePipeline({ platform: 'circleci', file: CFG, jobs: [coverage, deploy] });
  const jobs = resolvedAll(pipeline);
  const script = (line: number) => ({ kind: 'script-url' as const, ref: 'curl -s https://codecov.io/bash | bash', file: CFG, line });
  const resolved: ResolvedJob = { job: coverage, components: [] };

  it('places the compromised step through a line of its shell text', () => {
    expect(compromisedAt(resolved, [script(13)])).toEqual({ at: 2, pos: at(13) });
    // The run's last line is one of its places; the line after it is no step's.
    expect(compromisedAt(resolved, [script(14)])).toEqual({ at: 2, pos: at(14) });
    expect(compromisedAt(resolved, [script(15)])).toBeUndefined();
    // A component that comes with the job itself (its image, an orb job) is not one of its steps.
    expect(compromisedAt(resolved, [{ kind: 'image', ref: 'cimg/go:1.21', file: CFG, line: 3 }])).toBeUndefined();
  });

  it('the same component used twice in the job: the earliest use counts', () => {
    const twice = cc({ ...coverage, id: 'twice' });
    const node = (line: number) => ({ use: makeUse({ kind: 'script-url', url: 'https://codecov.io/bash', how: 'pipe', raw: 'curl -s https://codecov.io/bash | bash' }, at(line)), status: 'leaf' as const, children: [] });
    const tree: ResolvedJob = { job: twice, components: [node(17), node(13)] };
    // The finding is about the use at line 17 (persist_to_workspace's line here): the job runs it at line 13 first.
    expect(compromisedAt(tree, [script(17)])).toEqual({ at: 2, pos: at(13) });
  });

  it('a job asked for many places (past those read off its steps) answers the same from its table of places', () => {
    const many = cc({ ...coverage, id: 'many' });
    const node = (line: number) => ({ use: makeUse({ kind: 'script-url', url: 'https://codecov.io/bash', how: 'pipe', raw: 'curl -s https://codecov.io/bash | bash' }, at(line)), status: 'leaf' as const, children: [] });
    // Eleven lookups: the first eight read off the steps, the rest from the table.
    const tree: ResolvedJob = { job: many, components: [17, 16, 15, 14, 13, 12, 17, 16, 11, 10].map(node) };
    expect(compromisedAt(tree, [script(17)])).toEqual({ at: 0, pos: at(10) });
    const alone: ResolvedJob = { job: many, components: [] };
    expect(compromisedAt(alone, [script(13)])).toEqual({ at: 2, pos: at(13) });
    expect(compromisedAt(alone, [script(14)])).toEqual({ at: 2, pos: at(14) });
    expect(compromisedAt(alone, [script(15)])).toBeUndefined();
    expect(compromisedAt(alone, [script(16)])).toEqual({ at: 3, pos: at(16) });
  });

  it('only writes at or after the compromised step are tamper paths; earlier ones are out of reach, and said so', () => {
    const from = compromisedAt(resolved, [script(13)]);
    const { paths: found, outOfReach } = tamperAnalysis(coverage, pipeline, jobs, [pipeline], from);
    expect(found.map((p) => `${p.via} ${p.name ?? ''}`)).toEqual(['cache late-v1-{{ checksum "b" }}', 'workspace .: dist']);
    expect(found[0]?.reach).toBe(
      'CircleCI writes a cache only in a `save_cache` step, with what is there when it runs; the write at .circleci/config.yml:16 runs after the compromised step (.circleci/config.yml:13); CircleCI shares caches between every branch of the project',
    );
    expect(outOfReach).toEqual([{ via: 'cache', name: 'early-v1-{{ checksum "a" }}', write: at(11), readers: ['deploy'], why: expect.stringContaining('only in a `save_cache` step') }]);
  });

  it('ok-all-before: a compromised last step reaches nothing it wrote', () => {
    const last = { at: 4, pos: at(17) };
    const late = cc({ ...coverage, id: 'late', produces: coverage.produces.map((f) => ({ ...f, at: Math.min(f.at ?? 0, 3) })) });
    const p = makePipeline({ platform: 'circleci', file: CFG, jobs: [late, deploy] });
    expect(tamperPaths(late, p, resolvedAll(p), [p], last)).toEqual([]);
  });

  it('a write at the same place as the compromised step (order not known) counts', () => {
    const { paths: found } = tamperAnalysis(coverage, pipeline, jobs, [pipeline], { at: 3, pos: at(16) });
    expect(found.map((p) => p.name)).toEqual(['late-v1-{{ checksum "b" }}', '.: dist']);
    expect(found[0]?.reach).toContain('runs with the compromised step (.circleci/config.yml:16), in an order that is not known');
  });

  it('where the compromised code starts is not known: every write counts', () => {
    expect(tamperPaths(coverage, pipeline, jobs, [pipeline]).map((p) => p.name)).toEqual(['early-v1-{{ checksum "a" }}', 'late-v1-{{ checksum "b" }}', '.: dist']);
  });

  it('GitLab collects artifacts and caches at the end of the job: every step counts, whatever its place', () => {
    const GL = '.gitlab-ci.yml';
    const build = makeJob({ id: 'build', permissions: { kind: 'not-applicable' }, pos: pos(2, GL), produces: [{ via: 'artifact', name: 'build', pos: pos(9, GL), at: 0 }] });
    const release = makeJob({ id: 'release', permissions: { kind: 'not-applicable' }, pos: pos(20, GL), deploys: true, consumes: [{ via: 'artifact', name: 'build', pos: pos(21, GL) }] });
    const p = makePipeline({ platform: 'gitlab-ci', file: GL, jobs: [build, release] });
    const [artifact] = tamperPaths(build, p, resolvedAll(p), [p], { at: 5, pos: pos(7, GL) });
    expect(artifact).toMatchObject({ via: 'artifact', consumers: [{ job: 'release' }], reach: "GitLab collects artifacts after the job's script, so every step of the job can change them" });
  });

  it('GitHub: an artifact uploaded before the compromised step is out of reach, one uploaded later is not; the cache is reached at any time', () => {
    const gh = (line: number) => pos(line);
    const ghSteps = [makeStep({ name: 'upload dist', pos: gh(10) }), makeStep({ name: 'changed-files', pos: gh(12) }), makeStep({ name: 'upload reports', pos: gh(14) })];
    const build = makeJob({
      id: 'build',
      steps: ghSteps,
      produces: [
        { via: 'artifact', name: 'dist', pos: gh(10), at: 0 },
        { via: 'artifact', name: 'reports', pos: gh(14), at: 2 },
      ],
    });
    const publish = makeJob({ id: 'publish', needs: ['build'], deploys: true, consumes: [{ via: 'artifact', name: 'dist', pos: gh(30), at: 0 }] });
    const triage = makeJob({ id: 'triage', needs: ['build'], secrets: [{ name: 'BOT', kind: 'secret' }], consumes: [{ via: 'artifact', name: 'reports', pos: gh(40), at: 0 }] });
    const release = makeJob({ id: 'release', pos: pos(3, '.github/workflows/release.yml'), triggers: [{ kind: 'tag' }], deploys: true, consumes: [{ via: 'cache', name: 'npm-x', pos: pos(9, '.github/workflows/release.yml'), at: 0 }] });
    const p = makePipeline({ jobs: [build, publish, triage] });
    const r = makePipeline({ file: '.github/workflows/release.yml', jobs: [release] });
    const { paths: found, outOfReach } = tamperAnalysis(build, p, resolvedAll(p, r), [p, r], { at: 1, pos: gh(12) });
    expect(found.map((x) => `${x.via} ${x.name ?? ''} → ${x.consumers.map((c) => c.job).join(', ')}`)).toEqual([
      'cache any key → release (.github/workflows/release.yml)',
      'artifact reports → triage, release (.github/workflows/release.yml) (through triage: cache)',
    ]);
    expect(outOfReach.map((o) => `${o.via} ${o.name ?? ''}`)).toEqual(['artifact dist']);
  });

  it('a consumer passes on only what it writes at or after the step where it reads the tampered content', () => {
    const lint = cc({ id: 'lint', steps, sequence: steps.map((s, i) => ({ step: s, at: i })), produces: [flow('cache', 'deps-v1-x', 16, 3)] });
    // build persists its workspace BEFORE it restores the cache, and saves another cache after.
    const build = cc({ id: 'build', produces: [flow('workspace', '.: dist', 40, 0), flow('cache', 'tools-v1-x', 43, 3)], consumes: [flow('cache', 'deps-v1-', 41, 1)] });
    const ship = cc({ id: 'ship', needs: ['build'], deploys: true, consumes: [flow('workspace', '.', 50, 0)] });
    const tools = cc({ id: 'tools', contexts: ['signing'], consumes: [flow('cache', 'tools-v1-', 60, 0)] });
    const p = makePipeline({ platform: 'circleci', file: CFG, jobs: [lint, build, ship, tools] });
    const [cache] = tamperPaths(lint, p, resolvedAll(p), [p], { at: 2, pos: at(13) });
    expect(cache?.consumers.map((c) => c.job)).toEqual(['build', 'tools (through build: cache)']);
    // Not vacuous: when build reads the cache first, ship is reached through its workspace.
    const early = cc({ ...build, id: 'build', consumes: [flow('cache', 'deps-v1-', 41, 0)], produces: [flow('workspace', '.: dist', 40, 1), flow('cache', 'tools-v1-x', 43, 3)] });
    const p2 = makePipeline({ platform: 'circleci', file: CFG, jobs: [lint, early, ship, tools] });
    expect(tamperPaths(lint, p2, resolvedAll(p2), [p2], { at: 2, pos: at(13) })[0]?.consumers.map((c) => c.job)).toEqual(['build', 'ship (through build: workspace)', 'tools (through build: cache)']);
  });

  it('the verdict: a job whose only write comes before the compromised step is low, and the reasons say why', () => {
    const before = cc({ id: 'coverage', steps, sequence: steps.map((s, i) => ({ step: s, at: i })), produces: [flow('cache', 'go-mod-v1-x', 11, 1)] });
    const lint = cc({ id: 'lint', consumes: [flow('cache', 'go-mod-v1-', 40, 0)] });
    const p = makePipeline({ platform: 'circleci', file: CFG, jobs: [before, lint] });
    const match = makeMatch({ chain: [script(13)] });
    const f = assessJob({ job: before, components: [] }, p, resolvedAll(p), match, [p]);
    expect(f).toMatchObject({ verdict: 'low', tamper: [] });
    expect(f.reasons.find((r) => r.startsWith('Out of reach'))).toBe(
      'Out of reach: job `coverage` (.circleci/config.yml:1) writes cache `go-mod-v1-x` at .circleci/config.yml:11, before the compromised step (.circleci/config.yml:13); CircleCI writes a cache only in a `save_cache` step, with what is there when it runs, so the compromised code cannot change what `lint` read from it.',
    );
    // Not vacuous: saved after the compromised step, the same cache is a tamper path.
    const after = cc({ ...before, produces: [flow('cache', 'go-mod-v1-x', 16, 3)] });
    const p2 = makePipeline({ platform: 'circleci', file: CFG, jobs: [after, lint] });
    const g = assessJob({ job: after, components: [] }, p2, resolvedAll(p2), match, [p2]);
    expect(g).toMatchObject({ verdict: 'medium', tamper: [{ via: 'cache', name: 'go-mod-v1-x', consumers: [{ job: 'lint' }] }] });
    expect(g.reasons.join('\n')).toContain('Reachable because CircleCI writes a cache only in a `save_cache` step, with what is there when it runs; the write at .circleci/config.yml:16 runs after the compromised step');
  });
});

describe('GitHub Actions cache poisoning: any step writes any key', () => {
  const REL = '.github/workflows/release.yml';
  const PR = '.github/workflows/pr.yml';
  // release restores a cache under a key prefix no other job saves; it holds a secret and deploys.
  const release = makeJob({ id: 'release', pos: pos(3, REL), triggers: [{ kind: 'tag' }], deploys: true, secrets: [{ name: 'NPM_TOKEN', kind: 'secret' }], consumes: [{ via: 'cache', name: 'release-only-v1-', pos: pos(9, REL) }] });
  const prTest = makeJob({ id: 'pr-test', pos: pos(3, PR), triggers: [{ kind: 'pull_request' }], consumes: [{ via: 'cache', name: 'actions/setup-node:npm', pos: pos(9, PR) }] });
  const ok = makeJob({ id: 'ok-no-restore', pos: pos(20, REL), triggers: [{ kind: 'tag' }], deploys: true, secrets: [{ name: 'NPM_TOKEN', kind: 'secret' }] });
  const others = [makePipeline({ file: REL, jobs: [release, ok] }), makePipeline({ file: PR, jobs: [prTest] })];
  const pathsFor = (job: Job) => {
    const p = makePipeline({ jobs: [job] });
    return tamperPaths(job, p, resolvedAll(p, ...others), [p, ...others]);
  };

  it.each(['push', 'schedule', 'workflow_dispatch', 'pull_request_target', 'workflow_run'] as const)(
    'a job on %s that saves no cache reaches every job that restores one, whatever its key',
    (kind) => {
      const job = makeJob({ id: 'lint', triggers: [{ kind }] });
      const [cache] = pathsFor(job);
      expect(cache).toMatchObject({ via: 'cache', name: ANY_KEY });
      expect(cache?.consumers.map((c) => c.job)).toEqual(['release (.github/workflows/release.yml)', 'pr-test (.github/workflows/pr.yml)']);
      expect(cache?.reach).toContain("any step of a GitHub Actions job can write any key of the repository's Actions cache");
      expect(cache?.reach).toContain(`it runs on \`${kind}\`, on the default branch, which every branch, tag and pull request run restores from`);
    },
  );

  it('a pull request run writes into its merge ref: only pull request runs read it', () => {
    const [cache] = pathsFor(makeJob({ id: 'pr-lint', triggers: [{ kind: 'pull_request' }] }));
    expect(cache?.consumers.map((c) => c.job)).toEqual(['pr-test (.github/workflows/pr.yml)']);
    expect(cache?.reach).toContain('it only runs for pull requests: GitHub scopes what such a run writes to its own ref');
  });

  it('ok-fork-only and ok-no-readers: no cache path', () => {
    expect(pathsFor(makeJob({ id: 'ok-fork', triggers: [{ kind: 'pull_request_fork' }] }))).toEqual([]);
    const alone = makeJob({ id: 'ok-alone' });
    const p = makePipeline({ jobs: [alone] });
    expect(tamperPaths(alone, p, resolvedAll(p), [p])).toEqual([]);
  });

  it('ok-no-restore: a privileged job that restores no cache is not a consumer', () => {
    const [cache] = pathsFor(makeJob({ id: 'lint' }));
    expect(cache?.consumers.map((c) => c.job)).not.toContain('ok-no-restore (.github/workflows/release.yml)');
  });

  it('the finding: the path is a tamper path to privileged jobs, with advice about the cache', () => {
    const job = makeJob({ id: 'lint', steps: [makeStep({ pos: pos(5) })] });
    const p = makePipeline({ jobs: [job] });
    const f = assessJob({ job, components: [] }, p, resolvedAll(p, ...others), makeMatch(), [p, ...others]);
    expect(f.verdict).toBe('medium');
    expect(f.tamper).toMatchObject([{ via: 'cache', name: ANY_KEY, consumers: [{ job: 'release (.github/workflows/release.yml)', holds: ['secret NPM_TOKEN', 'deploys'] }, { job: 'pr-test (.github/workflows/pr.yml)' }] }]);
    expect(f.reasons.join('\n')).toContain("job `lint` (.github/workflows/ci.yml:1) can write any key of the repository's cache (.github/workflows/ci.yml:5), consumed by `release (.github/workflows/release.yml)` (holds secret NPM_TOKEN, deploys)");
    expect(f.advice.join('\n')).toContain('key prefixes do not protect them');
  });

  it('2,000 jobs that all restore caches: every path is cut at MAX_TAMPER_CONSUMERS, holders first, quickly', () => {
    const n = 2000;
    const many: Job[] = Array.from({ length: n }, (_, i) =>
      makeJob({ id: `j${i}`, deploys: i === n - 1, consumes: [{ via: 'cache', name: `k${i}-x`, pos: pos(i + 1) }] }),
    );
    const p = makePipeline({ jobs: many });
    const resolved = resolvedAll(p);
    const started = Date.now();
    for (const job of many) {
      const [cache] = tamperPaths(job, p, resolved, [p]);
      expect(cache?.consumers).toHaveLength(MAX_TAMPER_CONSUMERS);
      if (job !== many[n - 1]) expect(cache?.consumers[0]).toEqual({ job: `j${n - 1}`, holds: ['deploys'] });
    }
    expect(Date.now() - started).toBeLessThan(4000);
  });
});
