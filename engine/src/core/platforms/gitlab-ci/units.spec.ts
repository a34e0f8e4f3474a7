/**
 * Table tests for the pure readers: images, variables, include entries, component refs, globs,
 * spec headers and trigger conditions.
 */
import { parseImage } from './image';
import { applySpecHeader, globMatcher, parseComponent, readIncludeEntries } from './include';
import { triggersOfCondition, triggersOfOnlyExcept, triggersOfRules } from './triggers';
import { expandVariables, isCredentialName, MAX_EXPANDED_LENGTH, readVariables, referencedVariables } from './variables';

describe('parseImage', () => {
  it.each([
    ['alpine', { name: 'alpine' }],
    ['alpine:3.19', { name: 'alpine', tag: '3.19' }],
    ['registry.example.com:5000/team/app', { name: 'registry.example.com:5000/team/app' }],
    ['registry.example.com:5000/team/app:1.2', { name: 'registry.example.com:5000/team/app', tag: '1.2' }],
    ['node:20@sha256:abcd', { name: 'node', tag: '20', digest: 'sha256:abcd' }],
    ['$CI_REGISTRY/img:$TAG', { name: '$CI_REGISTRY/img', tag: '$TAG' }],
  ])('%s', (raw, expected) => {
    expect(parseImage(raw)).toEqual({ kind: 'image', raw, ...expected });
  });

  it('empty is no image', () => {
    expect(parseImage('  ')).toBeUndefined();
  });
});

describe('variables', () => {
  it('reads plain and {value} forms', () => {
    expect([...readVariables({ A: 'a', B: { value: 'b', description: 'x' }, C: 1, D: null, E: [1] })]).toEqual([
      ['A', 'a'],
      ['B', 'b'],
      ['C', '1'],
      ['D', ''],
    ]);
  });

  it('expands defined variables (nested, bounded), keeps $$ and undefined ones', () => {
    const vars = new Map([
      ['HOST', 'codecov.io'],
      ['URL', 'https://${HOST}/bash'],
      ['SELF', '$SELF-x'],
    ]);
    expect(expandVariables('curl $URL | bash; echo $$URL $OTHER ${SELF}', vars)).toBe('curl https://codecov.io/bash | bash; echo $$URL $OTHER ${SELF}');
  });

  it('an exponential variable bomb stays bounded', () => {
    const vars = new Map<string, string>();
    for (let i = 0; i < 12; i++) vars.set(`V${i}`, Array(10).fill(`$V${i + 1}`).join(''));
    const out = expandVariables('$V0', vars);
    expect(out.length).toBeLessThanOrEqual(MAX_EXPANDED_LENGTH);
    expect(out.length).toBeGreaterThan(1000);
  });

  it('lists referenced names', () => {
    expect(referencedVariables('echo $A ${B_1} $$C $')).toEqual(['A', 'B_1']);
  });

  it.each([
    ['NPM_TOKEN', true],
    ['AWS_SECRET_ACCESS_KEY', true],
    ['DB_PASSWORD', true],
    ['SSH_PRIVATE_KEY', true],
    ['CI_DEPLOY_PASSWORD', true],
    ['TOKEN', true],
    ['CI_JOB_TOKEN', false],
    ['CI_COMMIT_SHA', false],
    ['KEYBOARD', false],
    ['SSH_PUBLIC_KEY', false],
    ['MONKEY', false],
    ['HOME', false],
  ])('isCredentialName(%s) = %s', (name, expected) => {
    expect(isCredentialName(name)).toBe(expected);
  });
});

describe('parseComponent', () => {
  it.each([
    ['$CI_SERVER_FQDN/acme/comp/upload@1.0', { project: 'acme/comp', file: 'upload', ref: '1.0' }],
    ['gitlab.com/group/sub/project/lint@~latest', { project: 'group/sub/project', file: 'lint', ref: '~latest' }],
    ['gitlab.com/acme/comp/upload', { project: 'acme/comp', file: 'upload' }],
  ])('%s', (raw, expected) => {
    expect(parseComponent(raw)).toEqual({ kind: 'gitlab-include', include: 'component', raw, ...expected });
  });

  it('needs host, project and name', () => {
    expect(parseComponent('acme/upload@1')).toBeUndefined();
  });
});

describe('readIncludeEntries', () => {
  const none = new Map<string, string>();

  it('reads string, map and list forms with their paths', () => {
    expect(readIncludeEntries('ci/a.yml', none).entries).toEqual([{ ref: { kind: 'gitlab-include', include: 'local', file: 'ci/a.yml', raw: 'ci/a.yml' }, path: ['include'] }]);
    const list = readIncludeEntries([{ remote: 'https://x.example/a.yml' }, 'https://x.example/b.yml', { template: 'Auto-DevOps.gitlab-ci.yml' }], none);
    expect(list.entries.map((e) => [e.ref.include, e.path])).toEqual([
      ['remote', ['include', 0]],
      ['remote', ['include', 1]],
      ['template', ['include', 2]],
    ]);
    expect(list.problems).toEqual([]);
  });

  it('a project include without ref leaves the ref undefined (the default branch: mutable)', () => {
    expect(readIncludeEntries({ project: '/acme/tpl', file: 'a.yml' }, none).entries[0]!.ref).toEqual({ kind: 'gitlab-include', include: 'project', project: 'acme/tpl', file: 'a.yml', raw: 'acme/tpl' });
  });

  it('nested local includes of a project file stay in that project', () => {
    const parent = { kind: 'gitlab-include', include: 'project', project: 'acme/tpl', ref: 'v1', file: 'a.yml', raw: 'acme/tpl@v1' } as const;
    expect(readIncludeEntries({ local: '/b.yml' }, none, parent).entries[0]!.ref).toEqual({ ...parent, file: 'b.yml' });
  });

  it('keeps include inputs as strings', () => {
    expect(readIncludeEntries({ component: 'h/a/b/c@1', inputs: { n: 1, list: ['a'] } }, none).entries[0]!.inputs).toEqual({ n: '1', list: '["a"]' });
  });
});

describe('globMatcher', () => {
  it.each([
    ['ci/*.yml', 'ci/a.yml', true],
    ['ci/*.yml', 'ci/sub/a.yml', false],
    ['ci/**/*.yml', 'ci/sub/a.yml', true],
    ['ci/**.yml', 'ci/sub/deeper/a.yml', true],
    ['/ci/?.yml', 'ci/a.yml', true],
    ['ci/a.yml', 'ci/aXyml', false],
    [`${'**/'.repeat(20)}x.yml`, `${'a/'.repeat(40)}y.yml`, false],
  ])('%s ~ %s = %s', (pattern, p, expected) => {
    expect(globMatcher(pattern)(p)).toBe(expected);
  });
});

describe('applySpecHeader', () => {
  it('blanks the header (lines stay where they were) and fills inputs from the use or defaults', () => {
    const text = ['spec:', '  inputs:', '    stage:', '      default: test', '    url:', '      default: "https://d.example"', '---', 'job:', '  stage: $[[ inputs.stage ]]', '  script: [curl $[[ inputs.url | expand_vars ]]]'].join('\n');
    const out = applySpecHeader(text, { url: 'https://given.example' });
    expect(out.text.split('\n')).toEqual(['', '', '', '', '', '', '', 'job:', '  stage: test', '  script: [curl https://given.example]']);
  });

  it('leaves files without a header alone (and unknown inputs as written)', () => {
    expect(applySpecHeader('a: $[[ inputs.x ]]\n', undefined).text).toBe('a: $[[ inputs.x ]]\n');
  });
});

describe('triggers', () => {
  it.each([
    ['$CI_PIPELINE_SOURCE == "merge_request_event"', ['merge_request']],
    ["$CI_PIPELINE_SOURCE == 'schedule'", ['schedule']],
    ['$CI_PIPELINE_SOURCE =~ /^(api|trigger)$/', ['api', 'api']],
    ['$CI_PIPELINE_SOURCE == "web"', ['workflow_dispatch']],
    ['$CI_COMMIT_TAG', ['tag']],
    ['$CI_COMMIT_TAG =~ /^v\\d+/', ['tag']],
    ['$CI_COMMIT_TAG == null', ['push']],
    ['$CI_MERGE_REQUEST_IID', ['merge_request']],
    ['$CI_PIPELINE_SOURCE != "merge_request_event"', ['push']],
    ['$CI_COMMIT_BRANCH == "main" || $CI_COMMIT_TAG', ['push', 'tag']],
    ['$CI_PIPELINE_SOURCE =~ /(/', ['push']],
  ])('%s', (condition, kinds) => {
    expect(triggersOfCondition(condition).map((t) => t.kind)).toEqual(kinds);
  });

  it('rules: when:never skips, no if matches anything; not a list → undefined', () => {
    expect(triggersOfRules([{ if: '$CI_COMMIT_TAG', when: 'never' }, { when: 'always' }])).toEqual([{ kind: 'push' }]);
    expect(triggersOfRules(undefined)).toBeUndefined();
  });

  it('only/except keywords and refs', () => {
    expect(triggersOfOnlyExcept(['tags', 'api', 'web', 'release/*'], undefined)).toEqual([{ kind: 'tag' }, { kind: 'api' }, { kind: 'workflow_dispatch' }, { kind: 'push', detail: 'release/*' }]);
    expect(triggersOfOnlyExcept(undefined, ['tags'])).toEqual([{ kind: 'push' }]);
    expect(triggersOfOnlyExcept({ variables: ['$X'] }, undefined)).toBeUndefined();
  });
});
