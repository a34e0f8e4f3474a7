import { CATALOG, catalogIndicator } from './indicators/catalog';
import type { Indicator, PlatformModule, RepoInput } from './model';
import { scan, scanMany, type ScanOptions } from './scan';
import { PLATFORMS } from './platforms';
import { makeIndicator, makeJob, makePipeline, makeStep, makeUse, memorySource, pos } from './testing';

function indicator(id: string): Indicator {
  const found = catalogIndicator(id);
  if (!found) throw new Error(`catalog has no ${id}`);
  return found;
}

const CODECOV_ORB = `version: 2.1
commands:
  upload:
    parameters:
      token:
        type: string
        default: \${CODECOV_TOKEN}
      url:
        type: string
        default: "https://codecov.io/bash"
    steps:
      - run:
          name: Upload Coverage Results
          command: |
            curl -s << parameters.url >> | bash -s -- -t "<< parameters.token >>"
`;

const CIRCLE_CONFIG = `version: 2.1
orbs:
  codecov: codecov/codecov@1.1.1
  # old: codecov/codecov@1.0.2
  missing: acme/missing@2.0.0
jobs:
  coverage:
    docker:
      - image: cimg/node:16.13
    steps:
      - checkout
      - codecov/upload
  test-and-package:
    docker:
      - image: cimg/node:16.13
    steps:
      - checkout
      - codecov/upload
      - persist_to_workspace:
          root: .
          paths: [dist]
  deploy:
    docker:
      - image: cimg/python:3.9
    steps:
      - attach_workspace:
          at: .
      - run:
          name: Deploy
          command: aws s3 sync dist s3://example --delete
  uses-missing:
    docker:
      - image: cimg/node:16.13
    steps:
      - missing/do-thing
  ok-lint:
    docker:
      - image: cimg/node:16.13
    steps:
      - run: echo "# curl https://codecov.io/bash | bash"
workflows:
  main:
    jobs:
      - coverage
      - test-and-package:
          context: aws-prod
      - deploy:
          context: aws-prod
          requires: [test-and-package]
      - uses-missing
      - ok-lint
`;

const GITHUB_WORKFLOW = `name: CI
on: [push]
permissions:
  contents: read
jobs:
  coverage:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: bash <(curl -s https://codecov.io/bash)
  release:
    runs-on: ubuntu-latest
    environment: production
    permissions:
      contents: write
    steps:
      - uses: octo-org/composite@v1
      - run: npm publish
        env:
          NODE_AUTH_TOKEN: \${{ secrets.NPM_TOKEN }}
  sha-pinned:
    runs-on: ubuntu-latest
    steps:
      - uses: codecov/codecov-action@0123456789abcdef0123456789abcdef01234567
`;

const COMPOSITE = `name: composite
runs:
  using: composite
  steps:
    - run: curl -fsSL https://codecov.io/bash | bash
      shell: bash
`;

const GITLAB_CI = `stages: [test, deploy]
include:
  - project: acme/ci-templates
    ref: v1
    file: coverage.yml
test:
  stage: test
  image: node:20
  script:
    - npm test
  artifacts:
    paths: [dist]
deploy:
  stage: deploy
  image: alpine
  environment: production
  variables:
    DEPLOY_TOKEN: $PROD_TOKEN
  script:
    - ./deploy.sh
`;

const GITLAB_TEMPLATE = `coverage:
  stage: test
  image: node:20
  script:
    - bash <(curl -s https://codecov.io/bash)
  artifacts:
    paths: [coverage]
`;

const repos: RepoInput[] = [
  { repo: 'acme/circle', files: [{ path: '.circleci/config.yml', text: CIRCLE_CONFIG }] },
  { repo: 'acme/gha', files: [{ path: '.github/workflows/ci.yml', text: GITHUB_WORKFLOW }] },
  { repo: 'acme/gitlab', files: [{ path: '.gitlab-ci.yml', text: GITLAB_CI }] },
];
const source = memorySource({
  'circleci/orbs/codecov/codecov@1.1.1.yml': CODECOV_ORB,
  'github/octo-org/composite@v1/action.yml': COMPOSITE,
  'gitlab/acme/ci-templates@v1/coverage.yml': GITLAB_TEMPLATE,
});

describe('scan end to end (real parsers, in-memory repositories)', () => {
  const result = scan(repos, indicator('codecov-bash-uploader-2021'), source);
  const byJob = (repo: string, job: string) => result.findings.filter((f) => f.repo === repo && f.job === job);

  it('summarises', () => {
    expect(result.indicator.id).toBe('codecov-bash-uploader-2021');
    expect(result.summary).toMatchObject({ repos: 3, files: 3 });
    expect(result.summary.jobs).toBeGreaterThanOrEqual(10);
    // Affected counts jobs: a job reached through two chains (orb, and the script below it) counts once.
    const jobs = new Set(result.findings.filter((f) => f.affected).map((f) => `${f.repo}/${f.file}/${f.job}`));
    expect(result.summary.affected).toBe(jobs.size);
  });

  it('CircleCI: the isolated coverage job is low; the one sharing a context with deploy is critical', () => {
    const [coverage] = byJob('acme/circle', 'coverage');
    expect(coverage).toMatchObject({ affected: true, verdict: 'low', platform: 'circleci' });
    expect(coverage?.reasons.join(' ')).toContain('reads its own credential `CODECOV_TOKEN`');
    const [tp] = byJob('acme/circle', 'test-and-package');
    expect(tp).toMatchObject({ affected: true, verdict: 'critical', exposure: { contexts: ['aws-prod'] } });
    expect(tp?.tamper).toEqual([expect.objectContaining({ via: 'workspace', consumers: [expect.objectContaining({ job: 'deploy' })] })]);
    expect(tp?.chain.map((l) => l.kind)).toEqual(expect.arrayContaining(['orb-element', 'script-url']));
    expect(byJob('acme/circle', 'ok-lint')).toEqual([]);
    expect(byJob('acme/circle', 'deploy')).toEqual([]);
  });

  it('GitHub: a direct fetched script and one inside a composite action', () => {
    expect(byJob('acme/gha', 'coverage')[0]).toMatchObject({ affected: true, verdict: 'low' });
    const [release] = byJob('acme/gha', 'release');
    expect(release).toMatchObject({ affected: true, verdict: 'critical' });
    expect(release?.chain[0]?.ref).toContain('octo-org/composite@v1');
    expect(release?.exposure.secrets).toContain('NPM_TOKEN');
  });

  it('GitLab: a job defined by a project include', () => {
    const [coverage] = byJob('acme/gitlab', 'coverage');
    expect(coverage).toMatchObject({ affected: true, platform: 'gitlab-ci', verdict: 'medium' });
    expect(coverage?.chain[0]).toMatchObject({ kind: 'gitlab-include', file: '.gitlab-ci.yml', line: 3 });
    expect(coverage?.tamper).toEqual([expect.objectContaining({ via: 'artifact', consumers: [expect.objectContaining({ job: 'deploy', holds: expect.arrayContaining(['deploys (environment production)']) })] })]);
  });

  it('reports unresolved components even in jobs that did not match, saying they might hide it', () => {
    const missing = result.unresolved.filter((u) => u.ref.includes('missing'));
    expect(missing.length).toBeGreaterThan(0);
    expect(missing.some((u) => u.reason.includes('might hide the indicator'))).toBe(true);
    expect(result.summary.unresolved).toBe(result.unresolved.length);
  });

  it('sorts by verdict, then repository, file and line', () => {
    const rank = { critical: 0, high: 1, medium: 2, low: 3, 'not-run': 4 };
    const ranks = result.findings.map((f) => rank[f.verdict]);
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
  });
});

describe('scan end to end: other incidents', () => {
  it('a stable one-line form of the codecov findings', () => {
    const r = scan(repos, indicator('codecov-bash-uploader-2021'), source);
    const lines = [...new Set(r.findings.map((f) => `${f.verdict} ${f.affected ? 'affected' : 'not-affected'} ${f.repo} ${f.file}:${f.line} ${f.job}`))];
    expect(lines).toEqual([
      'critical affected acme/circle .circleci/config.yml:18 test-and-package',
      'critical affected acme/gha .github/workflows/ci.yml:17 release',
      'medium affected acme/gitlab .gitlab-ci.yml:3 coverage',
      'low affected acme/circle .circleci/config.yml:12 coverage',
      'low affected acme/gha .github/workflows/ci.yml:10 coverage',
      'low affected acme/gha .github/workflows/ci.yml:24 sha-pinned',
    ]);
  });

  it('a SHA pin of codecov-action is not taken as safe: its v1 releases fetched the script at run time', () => {
    const r = scan(repos, indicator('codecov-bash-uploader-2021'), source);
    const pinned = r.findings.find((f) => f.job === 'sha-pinned');
    expect(pinned?.affected).toBe(true);
    expect(pinned?.reasons.join(' ')).toMatch(/pinned to commit 0123456789abcdef0123456789abcdef01234567, but releases of codecov\/codecov-action .* download https:\/\/codecov\.io\/bash at run time/);
  });

  it('a platform breach exposes the stored secrets of every CircleCI job, whichever ran', () => {
    const r = scan(repos, indicator('circleci-platform-2023'), source);
    const circle = r.findings.filter((f) => f.platform === 'circleci');
    expect(new Set(circle.map((f) => f.job))).toEqual(new Set(['coverage', 'test-and-package', 'deploy', 'uses-missing', 'ok-lint']));
    for (const f of circle) {
      expect(f.exposure.secrets).toEqual(expect.arrayContaining(['project environment variables']));
      expect(f.advice.join(' ')).toContain('Rotate every stored secret');
    }
    expect(circle.find((f) => f.job === 'deploy')?.verdict).toBe('critical');
    expect(r.findings.filter((f) => f.platform !== 'circleci')).toEqual([]);
  });

  it('tj-actions: a mutable tag in a job with secrets is high; nothing matches elsewhere', () => {
    const workflow = `on: push
jobs:
  changed:
    runs-on: ubuntu-latest
    steps:
      - uses: tj-actions/changed-files@v45
        with:
          token: \${{ secrets.BOT_TOKEN }}
  ok-other:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
`;
    const r = scan([{ repo: 'acme/tj', files: [{ path: '.github/workflows/changed.yml', text: workflow }] }], indicator('tj-actions-changed-files-2025'), memorySource({}));
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ job: 'changed', affected: true, verdict: 'high', line: 6, exposure: { permissions: 'repository default' } });
    expect(r.findings[0]?.exposure.secrets).toContain('BOT_TOKEN');
    expect(r.findings[0]?.advice[0]).toContain('full commit SHA');
  });
});

describe("GitHub's self-repository syntax ($/path)", () => {
  it('follows a local composite action named with $/ to the component it runs', () => {
    const workflow = 'on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: $/.github/actions/coverage\n        with:\n          token: ${{ secrets.CODECOV_TOKEN }}\n';
    const action = 'runs:\n  using: composite\n  steps:\n    - uses: codecov/codecov-action@v1\n';
    const r = scan(
      [{ repo: 'acme/self', files: [{ path: '.github/workflows/ci.yml', text: workflow }, { path: '.github/actions/coverage/action.yml', text: action }] }],
      indicator('codecov-bash-uploader-2021'),
      memorySource({}),
    );
    expect(r.errors).toEqual([]);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ affected: true, job: 'test', line: 6 });
    expect(r.findings[0]?.chain.map((l) => l.ref)).toEqual(['$/.github/actions/coverage', 'codecov/codecov-action@v1']);
  });
});

describe('a SHA pin of an action that fetches a script at run time, with its code in the cache', () => {
  const V1 = '1111111111111111111111111111111111111111';
  const V2 = '2222222222222222222222222222222222222222';
  const JS_ACTION = 'name: Codecov\nruns:\n  using: node12\n  main: dist/index.js\n';
  const workflow = (sha: string) => `on: push\njobs:\n  cover:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: codecov/codecov-action@${sha}\n`;
  const cache = memorySource({
    [`github/codecov/codecov-action@${V1}/action.yml`]: JS_ACTION,
    [`github/codecov/codecov-action@${V1}/dist/index.js`]: 'const url = "https://codecov.io/bash";\nexec(`curl -s ${url} | bash`);\n',
    [`github/codecov/codecov-action@${V2}/action.yml`]: JS_ACTION,
    [`github/codecov/codecov-action@${V2}/dist/index.js`]: 'const uploader = "https://uploader.codecov.io/latest/linux/codecov";\n',
  });
  const run = (sha: string) => scan([{ repo: 'acme/pin', files: [{ path: '.github/workflows/ci.yml', text: workflow(sha) }] }], indicator('codecov-bash-uploader-2021'), cache);

  it('affected when the code at that commit downloads the script', () => {
    const [f] = run(V1).findings;
    expect(f).toMatchObject({ affected: true, job: 'cover', line: 6 });
    expect(f?.reasons.join(' ')).toContain(`pinned to commit ${V1}, whose code (read from the component cache) downloads https://codecov.io/bash at run time`);
  });

  it('not affected when the code at that commit does not', () => {
    const r = run(V2);
    expect(r.summary.affected).toBe(0);
    expect(r.findings[0]).toMatchObject({ affected: false });
    expect(r.findings[0]?.reasons[0]).toContain(`pinned to a safe SHA: the code of codecov/codecov-action at commit ${V2} (read from the component cache) does not download https://codecov.io/bash`);
  });

  it('still affected when the action metadata is cached but its code is not (not all of it was read)', () => {
    const partial = memorySource({ [`github/codecov/codecov-action@${V2}/action.yml`]: JS_ACTION });
    const r = scan([{ repo: 'acme/pin', files: [{ path: '.github/workflows/ci.yml', text: workflow(V2) }] }], indicator('codecov-bash-uploader-2021'), partial);
    expect(r.findings[0]).toMatchObject({ affected: true });
    expect(r.findings[0]?.reasons.join(' ')).toContain('the code at this commit was not read');
  });
});

describe('scan orchestration (builders)', () => {
  const script = makeUse({ kind: 'script-url', url: 'https://codecov.io/bash', how: 'pipe', raw: 'curl https://codecov.io/bash | bash' }, pos(4, 'ci.yml'));
  const fake = (over: Partial<PlatformModule> = {}): PlatformModule => ({
    id: 'github-actions',
    displayName: 'Fake',
    discovery: { pipelines: ['ci.yml'] },
    matches: (p) => p === 'ci.yml',
    stored: [],
    expands: ['gha-action'],
    expand: () => ({ status: 'unresolved', reason: 'not in the cache', uses: [], scripts: [], secrets: [], errors: [] }),
    parse: (repo) => {
      const hit = makeJob({ id: 'hit', pos: pos(2, 'ci.yml'), steps: [makeStep({ uses: script })] });
      const miss = makeJob({ id: 'miss', pos: pos(8, 'ci.yml'), steps: [makeStep({ uses: makeUse({ kind: 'gha-action', owner: 'o', repo: 'r', ref: 'v1', raw: 'o/r@v1' }, pos(9, 'ci.yml')) })] });
      const p = makePipeline({ repo: repo.repo, file: 'ci.yml', jobs: [hit, miss], errors: [{ repo: repo.repo, file: 'ci.yml', line: 12, code: 'yaml-syntax', message: 'bad' }] });
      return { pipelines: [p], errors: [] };
    },
    ...over,
  });
  const repo: RepoInput = { repo: 'acme/x', files: [{ path: 'ci.yml', text: '' }, { path: 'README.md', text: '' }] };

  it('counts, finds, and reports unresolved components and parse errors', () => {
    const r = scan([repo], makeIndicator(), memorySource({}), { platforms: [fake()] });
    expect(r.summary).toEqual({ repos: 1, files: 1, jobs: 2, affected: 1, unresolved: 1, errors: 1 });
    expect(r.findings.map((f) => f.job)).toEqual(['hit']);
    expect(r.unresolved[0]).toMatchObject({ repo: 'acme/x', file: 'ci.yml', line: 9, ref: 'o/r@v1', reason: expect.stringContaining('not in the cache') });
    expect(r.errors[0]).toMatchObject({ code: 'yaml-syntax', line: 12 });
  });

  it('includes not-affected matches as low findings without counting them', () => {
    const r = scan([repo], makeIndicator(), memorySource({}), {
      platforms: [fake()],
      match: (resolved, _p, ind) =>
        resolved.job.id === 'hit' ? [{ indicator: ind, component: ind.components[0]!, chain: [{ kind: 'gha-action', ref: 'o/r@' + 'a'.repeat(40), file: 'ci.yml', line: 4 }], refReason: 'pinned to a safe SHA', affected: false }] : [],
    });
    expect(r.summary.affected).toBe(0);
    expect(r.findings).toEqual([expect.objectContaining({ affected: false, verdict: 'low', reasons: [expect.stringContaining('pinned to a safe SHA')] })]);
  });

  it('turns a throwing parser into a located error and goes on', () => {
    const r = scan([repo], makeIndicator(), memorySource({}), {
      platforms: [
        fake({
          parse: () => {
            throw new Error('boom');
          },
        }),
      ],
    });
    expect(r.errors).toEqual([expect.objectContaining({ repo: 'acme/x', file: 'ci.yml', line: 1, code: 'internal-error' })]);
    expect(r.findings).toEqual([]);
  });

  it('skips platforms with no matching file', () => {
    const r = scan([{ repo: 'acme/empty', files: [{ path: 'README.md', text: '' }] }], makeIndicator(), memorySource({}), { platforms: [fake()] });
    expect(r.summary).toEqual({ repos: 1, files: 0, jobs: 0, affected: 0, unresolved: 0, errors: 0 });
  });
});

describe('scanMany: parse and resolve once, match per indicator', () => {
  it('gives, for every catalog incident, exactly what one scan per incident gives', () => {
    const many = scanMany(repos, CATALOG, source);
    expect(many.map((r) => r.indicator.id)).toEqual(CATALOG.map((i) => i.id));
    CATALOG.forEach((ind, i) => expect(many[i]).toEqual(scan(repos, ind, source)));
    // Not vacuous: several incidents find something here.
    expect(many.filter((r) => r.findings.length > 0).length).toBeGreaterThanOrEqual(2);
  });

  it('keeps per-indicator matching errors and unresolved hints apart', () => {
    const a = makeIndicator({ id: 'a' });
    const b = makeIndicator({ id: 'b' });
    const throwing: ScanOptions['match'] = (_resolved, _pipeline, ind) => {
      if (ind.id === 'b') throw new Error('bad b');
      return [];
    };
    const [ra, rb] = scanMany(repos, [a, b], source, { match: throwing });
    expect(ra?.errors.some((e) => e.code === 'internal-error')).toBe(false);
    expect(rb?.errors.filter((e) => e.code === 'internal-error').length).toBe(rb?.summary.jobs);
  });

  it('parses each repository once whatever the number of indicators', () => {
    let parses = 0;
    const counting: PlatformModule[] = PLATFORMS.map((p) => ({
      ...p,
      parse: (repo, src) => {
        parses++;
        return p.parse(repo, src);
      },
    }));
    scanMany(repos, CATALOG, source, { platforms: counting });
    expect(parses).toBe(3);
    expect(scanMany(repos, [], source)).toEqual([]);
  });
});

describe('where a finding points (one rule for every platform)', () => {
  const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

  it('a component incident points at the use; a platform incident at the job entry that carries the contexts', () => {
    const codecov = scan(repos, indicator('codecov-bash-uploader-2021'), source).findings.find((f) => f.repo === 'acme/circle' && f.job === 'test-and-package');
    const breach = scan(repos, indicator('circleci-platform-2023'), source).findings.find((f) => f.repo === 'acme/circle' && f.job === 'test-and-package');
    const useLine = CIRCLE_CONFIG.split('\n').findIndex((l, i) => i > lineOf(CIRCLE_CONFIG, 'test-and-package:') && l.includes('- codecov/upload')) + 1;
    expect(codecov).toMatchObject({ file: '.circleci/config.yml', line: useLine });
    expect(codecov?.chain[0]).toMatchObject({ file: '.circleci/config.yml', line: useLine });
    expect(breach).toMatchObject({ file: '.circleci/config.yml', line: lineOf(CIRCLE_CONFIG, '- test-and-package:') });
    expect(breach?.reasons.join(' ')).toContain(`(.circleci/config.yml:${lineOf(CIRCLE_CONFIG, '- test-and-package:')})`);
  });

  it('GitHub: a job-level match (runner label) points at the job key, a step match at its uses', () => {
    const wf = `on: push
jobs:
  build:
    runs-on: [self-hosted, SHA1HULUD]
    steps:
      - uses: tj-actions/changed-files@v45
`;
    const r = [{ repo: 'acme/r', files: [{ path: '.github/workflows/ci.yml', text: wf }] }];
    const label = scan(r, makeIndicator({ components: [{ kind: 'runner-label', id: 'SHA1HULUD', affectedRefs: ['*'], safeRefs: [], maliciousShas: [] }] }), memorySource({}));
    expect(label.findings[0]).toMatchObject({ line: 3 });
    const tj = scan(r, indicator('tj-actions-changed-files-2025'), memorySource({}));
    expect(tj.findings[0]).toMatchObject({ line: 6 });
  });
});
