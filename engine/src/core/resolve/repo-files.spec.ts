/**
 * What a job runs from its own repository, through the whole engine (parse → resolve → match → assess)
 * over in-memory repositories: scripts, Makefile targets, Dockerfiles, downloads across steps. Positives
 * with every chain link's file:line, `ok-*` jobs that must not fire, and the fail-closed cases.
 */
import { parseComponentSpec } from '../indicators';
import type { ChainLink, ComponentNode, Indicator, RepoFileReader, RepoInput, ScanResult } from '../model';
import { githubActions } from '../platforms/github-actions';
import { scan } from '../scan';
import { lines, makeIndicator, memorySource } from '../testing';
import { createResolver, walkNodes } from './resolver';
import { MAX_REPO_FILE_DEPTH } from './repo-files';

const CODECOV = makeIndicator();
/** A component cache with the checkout action every workflow here uses (nothing unresolved but what the test means). */
const SOURCE = memorySource({ 'github/actions/checkout@v4/action.yml': lines('runs:', '  using: node20', '  main: dist/index.js') });

function indicator(spec: string): Indicator {
  const r = parseComponentSpec(spec);
  if (!r.ok) throw new Error(r.error);
  return r.indicator;
}

/** A reader over `files` that records what was asked and answers `problems` for some paths. */
function memoryReader(files: Record<string, string>, problems: Record<string, { code: string; message: string }> = {}): RepoFileReader & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    read(path) {
      reads.push(path);
      const problem = problems[path];
      if (problem) return problem;
      const text = files[path];
      return text === undefined ? { missing: true } : { text };
    },
  };
}

/** A repository whose workflow is `workflow` and whose other files come through a reader. */
function repoOf(workflow: string, files: Record<string, string> = {}, problems: Record<string, { code: string; message: string }> = {}): RepoInput & { reader: ReturnType<typeof memoryReader> } {
  return { repo: 'acme/app', files: [{ path: '.github/workflows/ci.yml', text: workflow }], reader: memoryReader(files, problems) };
}

const workflow = (...steps: string[]): string => lines('on: push', 'jobs:', '  test:', '    runs-on: ubuntu-latest', '    steps:', '      - uses: actions/checkout@v4', ...steps);

const chainOf = (links: readonly ChainLink[]): string[] => links.map((l) => `${l.kind} ${l.ref} @${l.file ?? ''}:${l.line ?? ''}${l.unresolved ? ' (unresolved)' : ''}`);

function run(repo: RepoInput, ind: Indicator = CODECOV): ScanResult {
  return scan([repo], ind, SOURCE);
}

const COVER_SH = lines('#!/usr/bin/env bash', 'set -euo pipefail', 'go test -coverprofile=coverage.txt ./...', 'if [ "${1:-}" = --codecov ]; then', '  bash <(curl -s https://codecov.io/bash) -f coverage.txt', 'fi');
const MAKEFILE = lines('.PHONY: lint test coverage', 'lint:', '\tgolangci-lint run', 'test:', '\tgo test ./...', 'coverage: test', '\t./scripts/cover.sh --codecov');

describe('scripts a step runs', () => {
  it('make coverage → scripts/cover.sh → bash <(curl …): every link with its file:line; the finding at the step', () => {
    const result = run(repoOf(workflow('      - run: make coverage'), { Makefile: MAKEFILE, 'scripts/cover.sh': COVER_SH }));
    expect(result.findings).toHaveLength(1);
    const f = result.findings[0]!;
    expect(f).toMatchObject({ affected: true, file: '.github/workflows/ci.yml', line: 7, job: 'test' });
    expect(chainOf(f.chain)).toEqual([
      'repo-file make coverage @.github/workflows/ci.yml:7',
      'repo-file scripts/cover.sh @Makefile:7',
      'script-url bash <(curl -s https://codecov.io/bash) -f coverage.txt @scripts/cover.sh:5',
    ]);
    expect(f.reasons.some((r) => r.includes('make coverage → scripts/cover.sh → bash <(curl -s https://codecov.io/bash)'))).toBe(true);
    expect(result.unresolved).toEqual([]);
  });

  it('bash ci/coverage.sh and ./scripts/cover.sh, in a working-directory, through a sourced helper next to the script', () => {
    const repo = repoOf(
      workflow('      - run: bash ci/coverage.sh', '      - run: ./cover.sh', '        working-directory: scripts'),
      { 'ci/coverage.sh': lines('#!/bin/sh', '. "$(dirname "$0")/lib/upload.sh"'), 'ci/lib/upload.sh': lines('curl -s https://codecov.io/bash | bash'), 'scripts/cover.sh': COVER_SH },
    );
    const result = run(repo);
    expect(result.findings.map((f) => chainOf(f.chain))).toEqual([
      ['repo-file ci/coverage.sh @.github/workflows/ci.yml:7', 'repo-file ci/lib/upload.sh @ci/coverage.sh:2', 'script-url curl -s https://codecov.io/bash | bash @ci/lib/upload.sh:1'],
      ['repo-file scripts/cover.sh @.github/workflows/ci.yml:8', 'script-url bash <(curl -s https://codecov.io/bash) -f coverage.txt @scripts/cover.sh:5'],
    ]);
  });

  it('defaults.run.working-directory of the job (else of the workflow) is where run steps start', () => {
    const text = lines(
      'on: push',
      'defaults:',
      '  run:',
      '    working-directory: web',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    defaults:',
      '      run:',
      '        working-directory: api',
      '    steps:',
      '      - run: ./cover.sh',
      '  b:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: ./cover.sh',
    );
    const result = run(repoOf(text, { 'api/cover.sh': 'curl -s https://codecov.io/bash | bash\n', 'web/cover.sh': 'bash <(curl -s https://codecov.io/bash)\n' }));
    expect(result.findings.map((f) => `${f.job}: ${chainOf(f.chain).join(' → ')}`).sort()).toEqual([
      'a: repo-file api/cover.sh @.github/workflows/ci.yml:12 → script-url curl -s https://codecov.io/bash | bash @api/cover.sh:1',
      'b: repo-file web/cover.sh @.github/workflows/ci.yml:16 → script-url bash <(curl -s https://codecov.io/bash) @web/cover.sh:1',
    ]);
  });

  it('a script downloaded in one step and run in a later step is a use of its URL, at the download', () => {
    const result = run(repoOf(workflow('      - run: curl -sSLo codecov.sh https://codecov.io/bash', '      - run: echo tests', '      - run: bash codecov.sh -t "$CODECOV_TOKEN"')));
    expect(result.findings).toHaveLength(1);
    expect(chainOf(result.findings[0]!.chain)).toEqual([
      'script-url curl -sSLo codecov.sh https://codecov.io/bash … bash codecov.sh -t "$CODECOV_TOKEN" (.github/workflows/ci.yml:9) @.github/workflows/ci.yml:7',
    ]);
    // Nothing looked for codecov.sh in the repository: it is the downloaded file.
    expect(result.unresolved).toEqual([]);
  });

  it('the script files of a component the job runs are followed in the repository too (make in a composite action)', () => {
    const repo: RepoInput = {
      repo: 'acme/app',
      files: [
        { path: '.github/workflows/ci.yml', text: workflow('      - uses: ./.github/actions/cover') },
        { path: '.github/actions/cover/action.yml', text: lines('runs:', '  using: composite', '  steps:', '    - run: make coverage', '      shell: bash') },
        { path: 'Makefile', text: MAKEFILE },
        { path: 'scripts/cover.sh', text: COVER_SH },
      ],
    };
    const result = run(repo);
    expect(chainOf(result.findings[0]!.chain)).toEqual([
      'gha-local-action ./.github/actions/cover @.github/workflows/ci.yml:7',
      'repo-file make coverage @.github/actions/cover/action.yml:4',
      'repo-file scripts/cover.sh @Makefile:7',
      'script-url bash <(curl -s https://codecov.io/bash) -f coverage.txt @scripts/cover.sh:5',
    ]);
  });

  it.each<[string, string, Record<string, string>]>([
    ['ok-a script that fetches nothing', '      - run: ./scripts/test.sh', { 'scripts/test.sh': lines('#!/bin/bash', 'go test ./...', '# curl -s https://codecov.io/bash | bash') }],
    ['ok-another make target than the one that fetches', '      - run: make lint test', { Makefile: MAKEFILE, 'scripts/cover.sh': COVER_SH }],
    ['ok-a program of another language', '      - run: ./scripts/report.py', { 'scripts/report.py': lines('#!/usr/bin/env python3', 'print("curl -s https://codecov.io/bash | bash")') }],
    ['ok-the download is never run', '      - run: curl -sSLo codecov.sh https://codecov.io/bash\n      - run: sha256sum codecov.sh', {}],
  ])('%s', (_name, step, files) => {
    const result = run(repoOf(workflow(step), files));
    expect(result.findings).toEqual([]);
    expect(result.unresolved).toEqual([]);
    expect(result.errors).toEqual([]);
  });
});

describe('fail closed', () => {
  it('a script that is not in the repository is unresolved at the line that runs it', () => {
    const result = run(repoOf(workflow('      - run: ./scripts/cover.sh')));
    expect(result.findings).toEqual([]);
    expect(result.unresolved).toEqual([
      {
        repo: 'acme/app',
        file: '.github/workflows/ci.yml',
        line: 7,
        ref: 'scripts/cover.sh',
        reason: expect.stringMatching(/^no scripts\/cover\.sh in acme\/app \(made or downloaded while the job runs\?\) \(used by job test/),
      },
    ]);
  });

  it('a script the reader refuses (a symlink out of the repository) is unresolved, with a located error', () => {
    const result = run(repoOf(workflow('      - run: make'), { Makefile: lines('all:', '\tbash ci/up.sh') }, { 'ci/up.sh': { code: 'outside-repo', message: 'ci/up.sh is a symlink that points outside the repository; not read' } }));
    expect(result.unresolved).toMatchObject([{ file: 'Makefile', line: 2, ref: 'ci/up.sh', reason: expect.stringContaining('ci/up.sh could not be read (ci/up.sh is a symlink that points outside the repository; not read)') }]);
    expect(result.errors).toEqual([{ repo: 'acme/app', file: 'ci/up.sh', line: 1, code: 'outside-repo', message: 'ci/up.sh is a symlink that points outside the repository; not read' }]);
  });

  it('a path not known when reading, a Makefile with no such target, a recipe line a make function builds', () => {
    const repo = repoOf(workflow('      - run: bash "$TOOLS/upload.sh"', '      - run: make release coverage'), {
      Makefile: lines('release:', '\t$(foreach f,$(FILES),upload $(f);)'),
    });
    const result = run(repo);
    expect(result.unresolved.map((u) => `${u.file}:${u.line} ${u.ref}: ${u.reason.replace(/ \(used by .*$/, '')}`)).toEqual([
      '.github/workflows/ci.yml:7 $TOOLS/upload.sh: the path depends on $TOOLS, which is not known when reading',
      '.github/workflows/ci.yml:8 make coverage: no rule for coverage in Makefile',
      'Makefile:2 $(foreach f,$(FILES),upload $(f);): this recipe line of make release is not a plain shell line: `$(foreach …)` builds it',
    ]);
  });

  it('without a reader only the given files are known: a script is unresolved, not assumed clean', () => {
    const result = run({ repo: 'acme/app', files: [{ path: '.github/workflows/ci.yml', text: workflow('      - run: bash ci/x.sh') }] });
    expect(result.unresolved[0]?.reason).toMatch(/^no ci\/x\.sh in acme\/app \(only its CI files were given\)/);
  });

  it('cycles terminate; a chain deeper than MAX_REPO_FILE_DEPTH is unresolved, not a quiet stop', () => {
    const ring = run(repoOf(workflow('      - run: ./a.sh'), { 'a.sh': './b.sh\n', 'b.sh': './a.sh\ncurl -s https://codecov.io/bash | bash\n' }));
    expect(ring.findings.map((f) => chainOf(f.chain))).toEqual([['repo-file a.sh @.github/workflows/ci.yml:7', 'repo-file b.sh @a.sh:1', 'script-url curl -s https://codecov.io/bash | bash @b.sh:2']]);

    const files: Record<string, string> = {};
    for (let i = 0; i < 30; i++) files[`s${i}.sh`] = `./s${i + 1}.sh\n`;
    const deep = run(repoOf(workflow('      - run: ./s0.sh'), files));
    expect(deep.unresolved).toEqual([expect.objectContaining({ file: `s${MAX_REPO_FILE_DEPTH - 1}.sh`, ref: `s${MAX_REPO_FILE_DEPTH}.sh`, reason: expect.stringMatching(/^more than 12 repository files deep/) })]);
  });

  it('each file is read once per scan, however many jobs run it', () => {
    const jobs = ['a', 'b', 'c'].flatMap((id) => [`  ${id}:`, '    runs-on: ubuntu-latest', '    steps:', '      - run: make coverage']);
    const repo = repoOf(lines('on: push', 'jobs:', ...jobs), { Makefile: MAKEFILE, 'scripts/cover.sh': COVER_SH });
    expect(run(repo).findings).toHaveLength(3);
    expect(repo.reader.reads.filter((p) => p === 'scripts/cover.sh')).toHaveLength(1);
  });
});

describe('Dockerfiles a job builds', () => {
  const TRIVY = indicator('image:aquasec/trivy');

  it('docker build -f: the base image of the Dockerfile, multi-stage, with the build link', () => {
    const dockerfile = lines('FROM golang:1.22 AS build', 'RUN go build -o /out/app ./cmd/app', 'FROM aquasec/trivy:latest AS scan', 'FROM build', 'COPY --from=scan /usr/local/bin/trivy /usr/local/bin/trivy');
    const result = run(repoOf(workflow('      - run: docker build -f docker/Dockerfile -t ghcr.io/acme/app:latest .'), { 'docker/Dockerfile': dockerfile }), TRIVY);
    expect(result.findings.map((f) => chainOf(f.chain))).toEqual([['repo-file docker/Dockerfile @.github/workflows/ci.yml:7', 'image aquasec/trivy:latest @docker/Dockerfile:3']]);
    expect(result.findings[0]).toMatchObject({ affected: true, file: '.github/workflows/ci.yml', line: 7 });
  });

  it('docker/build-push-action: file: and build-args; the default Dockerfile in context:', () => {
    const steps = [
      '      - uses: docker/build-push-action@v6',
      '        with:',
      '          file: images/scan.Dockerfile',
      '          build-args: |',
      '            TRIVY=aquasec/trivy:0.69.4',
      '      - uses: docker/build-push-action@v6',
      '        with:',
      '          context: ./web',
    ];
    const files = { 'images/scan.Dockerfile': lines('ARG TRIVY=aquasec/trivy:0.69.3', 'FROM $TRIVY'), 'web/Dockerfile': lines('FROM ghcr.io/aquasecurity/trivy:latest') };
    const result = scan([repoOf(workflow(...steps), files)], indicator('image:aquasec/trivy'), SOURCE);
    expect(result.findings.map((f) => chainOf(f.chain))).toEqual([['repo-file images/scan.Dockerfile @.github/workflows/ci.yml:7', 'image aquasec/trivy:0.69.4 @images/scan.Dockerfile:2']]);
    const ghcr = scan([repoOf(workflow(...steps), files)], indicator('image:ghcr.io/aquasecurity/trivy'), SOURCE);
    expect(ghcr.findings.map((f) => chainOf(f.chain))).toEqual([['repo-file web/Dockerfile @.github/workflows/ci.yml:12', 'image ghcr.io/aquasecurity/trivy:latest @web/Dockerfile:1']]);
  });

  it('what a RUN fetches is a use of the URL (ADD of a URL then RUN of the file too)', () => {
    const dockerfile = lines('FROM alpine:3.20', 'ADD https://codecov.io/bash /usr/local/bin/codecov', 'RUN chmod +x /usr/local/bin/codecov && /usr/local/bin/codecov -h');
    const result = run(repoOf(workflow('      - run: docker build .'), { Dockerfile: dockerfile }));
    expect(result.findings.map((f) => chainOf(f.chain))).toEqual([
      ['repo-file Dockerfile @.github/workflows/ci.yml:7', 'script-url ADD https://codecov.io/bash /usr/local/bin/codecov … /usr/local/bin/codecov -h (Dockerfile:3) @Dockerfile:2'],
    ]);
  });

  it('a FROM whose argument has no value is unresolved at its line', () => {
    const result = run(repoOf(workflow('      - run: docker build .'), { Dockerfile: lines('ARG BASE', 'FROM ${BASE}') }), TRIVY);
    expect(result.findings).toEqual([]);
    expect(result.unresolved).toMatchObject([{ file: 'Dockerfile', line: 2, ref: '${BASE}', reason: expect.stringMatching(/^the image depends on ARG BASE, which has no default and no build argument/) }]);
  });

  it.each<[string, string, Record<string, string>]>([
    ['ok-a pinned safe tag', '      - run: docker build .', { Dockerfile: lines('FROM aquasec/trivy:0.69.3') }],
    ['ok-a stage named like nothing pulled', '      - run: docker build .', { Dockerfile: lines('FROM alpine AS trivy', 'FROM trivy') }],
    ['ok-a Dockerfile that is not built', '      - run: docker pull alpine', { Dockerfile: lines('FROM aquasec/trivy:latest') }],
  ])('%s', (_name, step, files) => {
    const result = run(repoOf(workflow(step), files), indicator('image:aquasec/trivy:latest'));
    expect(result.findings.filter((f) => f.affected)).toEqual([]);
    expect(result.unresolved).toEqual([]);
  });
});

describe('the resolver tree', () => {
  it('repository files are components of kind repo-file, resolved, with the file they are', () => {
    const repo = repoOf(workflow('      - run: make coverage'), { Makefile: MAKEFILE, 'scripts/cover.sh': COVER_SH });
    const pipeline = githubActions.parse(repo, SOURCE).pipelines[0]!;
    const tree = createResolver({ repo, source: SOURCE }, () => undefined).resolveJob(pipeline.jobs[0]!, pipeline).components;
    const shown = [...walkNodes(tree)].map(({ node }: { node: ComponentNode }) => `${node.status} ${node.use.ref.kind} ${node.use.ref.raw}`);
    expect(shown).toEqual([
      'leaf gha-action actions/checkout@v4',
      'resolved repo-file make coverage',
      'resolved repo-file make test',
      'resolved repo-file scripts/cover.sh',
      'leaf script-url bash <(curl -s https://codecov.io/bash) -f coverage.txt',
    ]);
  });
});
