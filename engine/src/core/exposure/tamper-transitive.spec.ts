/**
 * Tamper paths followed transitively, through the real parsers of each platform: a job poisons
 * something, the job that reads it passes it on (another flow kind), and the final consumer deploys.
 */
import { catalogIndicator } from '../indicators/catalog';
import type { Indicator, Job, Pipeline, RepoInput, ResolvedJob } from '../model';
import { PLATFORMS } from '../platforms';
import { scan } from '../scan';
import { makeJob, makePipeline, memorySource, pos } from '../testing';
import { MAX_TAMPER_CONSUMERS, MAX_TAMPER_HOPS, tamperPaths } from './tamper';

function indicator(id: string): Indicator {
  const found = catalogIndicator(id);
  if (!found) throw new Error(`catalog has no ${id}`);
  return found;
}

function parsed(repo: RepoInput): { pipelines: Pipeline[]; jobs: ResolvedJob[] } {
  const platform = PLATFORMS.find((p) => repo.files.some((f) => p.matches(f.path)));
  if (!platform) throw new Error('no platform');
  const { pipelines } = platform.parse(repo, memorySource({}));
  return { pipelines, jobs: pipelines.flatMap((p) => p.jobs.map((job) => ({ job, components: [] }))) };
}

function pathsOf(repo: RepoInput, jobId: string) {
  const { pipelines, jobs } = parsed(repo);
  const pipeline = pipelines.find((p) => p.jobs.some((j) => j.id === jobId));
  const job = pipeline?.jobs.find((j) => j.id === jobId);
  if (!pipeline || !job) throw new Error(`no job ${jobId}`);
  return tamperPaths(job, pipeline, jobs, pipelines);
}

describe('CircleCI: cache → workspace → deploy', () => {
  const config = `version: 2.1
jobs:
  lint:
    docker: [{ image: cimg/node:20.0 }]
    steps:
      - checkout
      - run: curl -s https://codecov.io/bash | bash
      - save_cache:
          key: v1-deps-{{ checksum "package-lock.json" }}
          paths: [node_modules]
  build:
    docker: [{ image: cimg/node:20.0 }]
    steps:
      - checkout
      - restore_cache:
          keys: [v1-deps-]
      - run: npm run build
      - save_cache:
          key: v1-deps-{{ checksum "package-lock.json" }}
          paths: [node_modules]
      - persist_to_workspace:
          root: .
          paths: [dist]
  deploy:
    docker: [{ image: cimg/aws:2023.09 }]
    steps:
      - attach_workspace:
          at: .
      - run: aws s3 sync dist s3://bucket
workflows:
  main:
    jobs:
      - lint
      - build
      - deploy:
          context: aws-prod
          requires: [build]
`;
  const repo: RepoInput = { repo: 'acme/cc', files: [{ path: '.circleci/config.yml', text: config }] };

  it('names the final consumer through the job in between, with what it holds; the cache cycle ends', () => {
    const cache = pathsOf(repo, 'lint').find((p) => p.via === 'cache');
    expect(cache?.consumers).toEqual([
      { job: 'build', holds: [] },
      { job: 'deploy (through build: workspace)', holds: ['context aws-prod', 'deploys'], through: [{ job: 'build', via: 'workspace', name: '.: dist' }] },
    ]);
    // A direct consumer has no route.
    expect(cache?.consumers[0]).not.toHaveProperty('through');
  });

  it('the verdict sees the deploy reached that way', () => {
    const r = scan([repo], indicator('codecov-bash-uploader-2021'), memorySource({}));
    const lint = r.findings.find((f) => f.job === 'lint');
    // No secrets of its own (project env only): the path to deploy makes it medium, and says where.
    expect(lint?.verdict).toBe('medium');
    expect(lint?.reasons.join(' ')).toContain('`deploy (through build: workspace)` (holds context aws-prod, deploys)');
  });
});

describe('GitHub Actions: cache → artifact → publish, and cache → push', () => {
  const workflow = `name: CI
on: push
permissions:
  contents: read
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/cache@v4
        with:
          path: ~/.npm
          key: npm-\${{ hashFiles('package-lock.json') }}
      - uses: tj-actions/changed-files@v45
        with:
          token: \${{ secrets.BOT_TOKEN }}
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/cache/restore@v4
        with:
          path: ~/.npm
          key: npm-\${{ hashFiles('package-lock.json') }}
      - run: npm ci && npm run build
      - uses: actions/upload-artifact@v4
        with:
          name: dist
          path: dist
  publish:
    runs-on: ubuntu-latest
    needs: build
    environment: npm
    steps:
      - uses: actions/download-artifact@v4
        with:
          name: dist
      - run: npm publish
        env:
          NODE_AUTH_TOKEN: \${{ secrets.NPM_TOKEN }}
`;
  const repo: RepoInput = { repo: 'acme/gh', files: [{ path: '.github/workflows/ci.yml', text: workflow }] };

  it('names publish through build (artifact)', () => {
    const cache = pathsOf(repo, 'lint').find((p) => p.via === 'cache');
    expect(cache?.consumers.map((c) => c.job)).toEqual(['build', 'publish (through build: artifact)']);
    expect(cache?.consumers[1]?.holds).toEqual(expect.arrayContaining(['secret NPM_TOKEN', 'deploys (environment npm)']));
    expect(cache?.consumers[1]?.through).toEqual([{ job: 'build', via: 'artifact', name: 'dist' }]);
  });

  it('the verdict is critical: secrets, and a deploy reached through another job', () => {
    const r = scan([repo], indicator('tj-actions-changed-files-2025'), memorySource({}));
    const lint = r.findings.find((f) => f.job === 'lint');
    expect(lint).toMatchObject({ affected: true, verdict: 'critical' });
    expect(lint?.reasons[0]).toContain('publish (through build: artifact)');
  });

  it('a consumer that can push passes it on to the privileged jobs that run on pushes (other workflow)', () => {
    const bump = `on: push
permissions:
  contents: write
jobs:
  bump:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/cache/restore@v4
        with:
          path: ~/.npm
          key: npm-x
      - run: npm version patch && git push
`;
    const release = `on:
  push:
    tags: ['v*']
jobs:
  release:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: ./release.sh
`;
    const withPush: RepoInput = {
      repo: 'acme/gh',
      files: [...repo.files, { path: '.github/workflows/bump.yml', text: bump }, { path: '.github/workflows/release.yml', text: release }],
    };
    const cache = pathsOf(withPush, 'lint').find((p) => p.via === 'cache');
    expect(cache?.consumers.map((c) => c.job)).toEqual(
      expect.arrayContaining(['bump (.github/workflows/bump.yml)', 'release (.github/workflows/release.yml) (through bump (.github/workflows/bump.yml): push)']),
    );
    // The route as data names the job in between with its file, as the label does.
    expect(cache?.consumers.find((c) => c.job.startsWith('release'))?.through).toEqual([{ job: 'bump (.github/workflows/bump.yml)', via: 'push', name: 'git push' }]);
  });
});

describe('GitLab CI: cache → artifact → deploy', () => {
  const ci = `stages: [test, build, deploy]
coverage:
  stage: test
  image: golang:1.22
  cache:
    key: gomod
    paths: [.go/]
  script:
    - curl -s https://codecov.io/bash | bash
build:
  stage: build
  image: golang:1.22
  cache:
    key: gomod
    paths: [.go/]
  script:
    - make build
  artifacts:
    paths: [dist/]
deploy:
  stage: deploy
  image: alpine
  needs: [build]
  environment: production
  variables:
    KUBE: $KUBE_CONFIG
  script:
    - ./deploy.sh
`;
  const repo: RepoInput = { repo: 'acme/gl', files: [{ path: '.gitlab-ci.yml', text: ci }] };

  it('names deploy through build (artifact); the shared cache does not loop', () => {
    const cache = pathsOf(repo, 'coverage').find((p) => p.via === 'cache');
    expect(cache?.consumers.map((c) => c.job)).toEqual(['build', 'deploy (through build: artifact)']);
    expect(cache?.consumers[1]?.holds).toEqual(expect.arrayContaining(['deploys (environment production)']));
    // GitLab names an artifact after the job that writes it.
    expect(cache).toMatchObject({ name: 'gomod', consumers: [{ job: 'build' }, { job: 'deploy (through build: artifact)', through: [{ job: 'build', via: 'artifact', name: 'build' }] }] });
  });
});

describe('bounds', () => {
  it('a long chain stops after MAX_TAMPER_HOPS jobs; a ring of caches terminates', () => {
    const n = MAX_TAMPER_HOPS + 4;
    // CircleCI: a cache is read by the jobs restoring its key (on GitHub any job reaches every cache reader in one hop).
    const jobs: Job[] = Array.from({ length: n }, (_, i) =>
      makeJob({
        permissions: { kind: 'not-applicable' },
        id: `j${i}`,
        produces: [{ via: 'cache', name: `key-${i}-x`, pos: pos(i + 1) }],
        // each reads the previous one's cache; j0 reads the last one (a ring)
        consumes: [{ via: 'cache', name: `key-${(i + n - 1) % n}-x`, pos: pos(i + 1) }],
      }),
    );
    const pipeline = makePipeline({ platform: 'circleci', file: '.circleci/config.yml', jobs });
    const first = jobs[0];
    if (!first) throw new Error('no job');
    const [path] = tamperPaths(first, pipeline, jobs.map((job) => ({ job, components: [] })), [pipeline]);
    expect(path?.consumers).toHaveLength(MAX_TAMPER_HOPS);
    expect(path?.consumers[0]?.job).toBe('j1');
    expect(path?.consumers.map((c) => c.job).some((j) => j.startsWith('j0'))).toBe(false);
    // Long routes are shortened: the first jobs, how many more, the last one.
    expect(path?.consumers[MAX_TAMPER_HOPS - 1]?.job).toBe(`j${MAX_TAMPER_HOPS} (through j1: cache, j2: cache, … ${MAX_TAMPER_HOPS - 4} more, j${MAX_TAMPER_HOPS - 1}: cache)`);
    // …but the structured route keeps every job in between, in order.
    expect(path?.consumers[MAX_TAMPER_HOPS - 1]?.through).toEqual(Array.from({ length: MAX_TAMPER_HOPS - 1 }, (_, i) => ({ job: `j${i + 1}`, via: 'cache', name: `key-${i + 1}-x` })));
  });

  it('every job sharing one cache with every other: each path names at most MAX_TAMPER_CONSUMERS jobs, quickly', () => {
    const n = MAX_TAMPER_CONSUMERS + 50;
    const jobs: Job[] = Array.from({ length: n }, (_, i) =>
      makeJob({ id: `j${i}`, produces: [{ via: 'cache', name: 'npm-x', pos: pos(i + 1) }], consumes: [{ via: 'cache', name: 'npm-x', pos: pos(i + 1) }] }),
    );
    const pipeline = makePipeline({ jobs });
    const resolved = jobs.map((job) => ({ job, components: [] }));
    const started = Date.now();
    for (const job of jobs) {
      const [path] = tamperPaths(job, pipeline, resolved, [pipeline]);
      expect(path?.consumers).toHaveLength(MAX_TAMPER_CONSUMERS);
    }
    // The direct consumers of each job are computed once for the whole list, not once per affected job.
    expect(Date.now() - started).toBeLessThan(4000);
  });
});
