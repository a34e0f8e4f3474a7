/**
 * A job that takes an included template through `extends:` is found at its `extends:` line: the parser
 * marks the include use (and the steps' `from` chain) with `usedAt`, the finding points there, and the
 * chain still starts at the `include:` entry. `ok-*`: jobs defined in the include, or extending only
 * local templates, keep the include's own position.
 */
import { catalogIndicator } from '../../indicators/catalog';
import type { Job, Pipeline } from '../../model';
import { scan } from '../../scan';
import { lines, memorySource } from '../../testing';
import { gitlabCi } from './index';
import { extendedTemplates } from './parse';


const MAIN = lines(
  'include:', //                                   1
  '  - project: acme/ci-templates', //             2
  '    ref: v1', //                                3
  '    file: coverage.yml', //                     4
  '.local-base:', //                               5
  '  extends: .codecov', //                        6
  '  stage: test', //                              7
  'coverage:', //                                  8
  '  extends: .codecov', //                        9
  'nested:', //                                    10
  '  extends: [.lint, .local-base]', //            11
  'ok-local:', //                                  12
  '  extends: .lint', //                           13
  '.lint:', //                                     14
  '  script: [make lint]', //                      15
);
const TEMPLATE = lines('.codecov:', '  script:', '    - curl -s https://codecov.io/bash | bash', 'included-job:', '  script:', '    - bash <(curl -s https://codecov.io/bash)');
const CACHE = { 'gitlab/acme/ci-templates@v1/coverage.yml': TEMPLATE };

function parse(): Pipeline {
  const { pipelines } = gitlabCi.parse({ repo: 'acme/app', files: [{ path: '.gitlab-ci.yml', text: MAIN }] }, memorySource(CACHE));
  expect(pipelines).toHaveLength(1);
  return pipelines[0]!;
}

function job(p: Pipeline, id: string): Job {
  const found = p.jobs.find((j) => j.id === id);
  if (!found) throw new Error(`no job ${id}`);
  return found;
}

const includeUse = (j: Job) => j.uses.find((u) => u.ref.kind === 'gitlab-include');

describe('extendedTemplates', () => {
  it('follows extends at any depth, once each, cycles included', () => {
    const entries = new Map(
      Object.entries({ a: { extends: ['b', 'c'] }, b: { extends: 'd' }, c: {}, d: { extends: 'a' } }).map(([k, value]) => [k, { value, origin: { file: 'f', line: 1, from: [], owner: k }, keys: new Map() }]),
    );
    expect([...extendedTemplates('a', entries)].sort()).toEqual(['b', 'c', 'd']);
    expect([...extendedTemplates('c', entries)]).toEqual([]);
  });
});

describe('GitLab: the extends position of an included template', () => {
  const p = parse();

  it('marks the include use and the steps’ from chain with the job’s extends line; the include keeps its position', () => {
    const use = includeUse(job(p, 'coverage'));
    expect(use).toMatchObject({ pos: { file: '.gitlab-ci.yml', line: 2 }, usedAt: { file: '.gitlab-ci.yml', line: 9 } });
    const script = job(p, 'coverage').steps.find((s) => s.name === 'script');
    expect(script?.from?.[0]).toMatchObject({ pos: { line: 2 }, usedAt: { line: 9 } });
  });

  it('through a local template that extends the included one: the job’s own extends line', () => {
    expect(includeUse(job(p, 'nested'))?.usedAt).toEqual({ file: '.gitlab-ci.yml', line: 11 });
  });

  it('ok-local / ok-defined-in-the-include: no usedAt', () => {
    expect(includeUse(job(p, 'ok-local'))?.usedAt).toBeUndefined();
    expect(includeUse(job(p, 'included-job'))?.usedAt).toBeUndefined();
  });

  it('the finding points at the extends line; the chain starts at the include; the reason names both', () => {
    const indicator = catalogIndicator('codecov-bash-uploader-2021');
    if (!indicator) throw new Error('catalog has no codecov-bash-uploader-2021');
    const result = scan([{ repo: 'acme/app', files: [{ path: '.gitlab-ci.yml', text: MAIN }] }], indicator, memorySource(CACHE));
    const byJob = (id: string) => result.findings.filter((f) => f.job === id && f.affected);
    const [coverage] = byJob('coverage');
    expect(coverage).toMatchObject({ file: '.gitlab-ci.yml', line: 9, chain: [{ kind: 'gitlab-include', file: '.gitlab-ci.yml', line: 2 }, { kind: 'script-url' }] });
    expect(coverage?.reasons.join(' ')).toContain('(.gitlab-ci.yml:9, through the include at .gitlab-ci.yml:2)');
    expect(byJob('nested')[0]).toMatchObject({ line: 11 });
    // Defined in the include itself: found at the include entry, as before.
    expect(byJob('included-job')[0]).toMatchObject({ line: 2, chain: [{ kind: 'gitlab-include', line: 2 }, { kind: 'script-url' }] });
    expect(byJob('ok-local')).toEqual([]);
  });
});
