import type { ComponentRef } from '../model';
import { memorySource } from '../testing';
import { cacheKey, cacheRoot } from './cache-key';

const orb = { kind: 'orb', namespace: 'codecov', name: 'codecov', version: '1.1.1', raw: 'codecov/codecov@1.1.1' } as const satisfies ComponentRef;

describe('cacheKey', () => {
  const cases: Array<[string, ComponentRef, string, string | undefined]> = [
    ['action at root', { kind: 'gha-action', owner: 'actions', repo: 'checkout', ref: 'v4', raw: 'actions/checkout@v4' }, 'action.yml', 'github/actions/checkout@v4/action.yml'],
    ['action with sub-path', { kind: 'gha-action', owner: 'github', repo: 'codeql-action', path: 'init', ref: 'v3', raw: 'github/codeql-action/init@v3' }, 'action.yml', 'github/github/codeql-action@v3/init/action.yml'],
    ['unpinned action reads HEAD', { kind: 'gha-action', owner: 'a', repo: 'b', raw: 'a/b' }, 'action.yml', 'github/a/b@HEAD/action.yml'],
    ['reusable workflow', { kind: 'gha-reusable-workflow', owner: 'o', repo: 'r', path: '.github/workflows/x.yml', ref: 'main', raw: 'o/r/.github/workflows/x.yml@main' }, '.github/workflows/x.yml', 'github/o/r@main/.github/workflows/x.yml'],
    ['orb ignores the path', orb, 'orb.yml', 'circleci/orbs/codecov/codecov@1.1.1.yml'],
    ['orb without version is volatile', { kind: 'orb', namespace: 'n', name: 'o', raw: 'n/o' }, '', 'circleci/orbs/n/o@volatile.yml'],
    ['orb element reads its orb', { kind: 'orb-element', orb, elementKind: 'command', element: 'upload', raw: 'codecov/upload' }, '', 'circleci/orbs/codecov/codecov@1.1.1.yml'],
    ['project include', { kind: 'gitlab-include', include: 'project', project: 'g/p', ref: 'v1', file: 'ci/a.yml', raw: 'g/p' }, 'ci/a.yml', 'gitlab/g/p@v1/ci/a.yml'],
    ['project include default ref', { kind: 'gitlab-include', include: 'project', project: 'g/sub/p', file: 'a.yml', raw: 'g/sub/p' }, 'a.yml', 'gitlab/g/sub/p@HEAD/a.yml'],
    ['template', { kind: 'gitlab-include', include: 'template', file: 'Auto-DevOps.gitlab-ci.yml', raw: 'Auto-DevOps.gitlab-ci.yml' }, 'Auto-DevOps.gitlab-ci.yml', 'gitlab/templates/Auto-DevOps.gitlab-ci.yml'],
    ['component', { kind: 'gitlab-include', include: 'component', project: 'g/p', ref: '1.0', file: 'build', raw: 'gitlab.com/g/p/build@1.0' }, 'build', 'gitlab/g/p@1.0/templates/build.yml'],
    ['component other file', { kind: 'gitlab-include', include: 'component', project: 'g/p', ref: '1.0', file: 'build', raw: 'x' }, 'templates/build/template.yml', 'gitlab/g/p@1.0/templates/build/template.yml'],
    ['remote', { kind: 'gitlab-include', include: 'remote', file: 'https://example.com/ci/base.yml', raw: 'https://example.com/ci/base.yml' }, '', 'gitlab/remote/example.com/ci/base.yml'],
    ['remote non-http', { kind: 'gitlab-include', include: 'remote', file: 'file:///etc/passwd', raw: 'x' }, '', undefined],
    ['remote dot segments are normalised by URL', { kind: 'gitlab-include', include: 'remote', file: 'https://e.com/a/%2e%2e/%2e%2e/x', raw: 'x' }, '', 'gitlab/remote/e.com/x'],
    ['remote encoded traversal', { kind: 'gitlab-include', include: 'remote', file: 'https://e.com/a%2F..%2F..%2Fx', raw: 'x' }, '', undefined],
    ['local include', { kind: 'gitlab-include', include: 'local', file: 'ci/a.yml', raw: 'ci/a.yml' }, 'ci/a.yml', undefined],
    ['image', { kind: 'image', name: 'node', tag: '20', raw: 'node:20' }, '', undefined],
    ['script', { kind: 'script-url', url: 'https://codecov.io/bash', how: 'pipe', raw: 'curl' }, '', undefined],
    ['package', { kind: 'package', ecosystem: 'npm', name: 'nx', raw: 'nx' }, '', undefined],
    ['local action', { kind: 'gha-local-action', path: './a', raw: './a' }, 'action.yml', undefined],
    ['traversal in path', { kind: 'gha-action', owner: 'a', repo: 'b', ref: 'v1', raw: 'a/b@v1' }, '../../etc/passwd', undefined],
    ['traversal in owner', { kind: 'gha-action', owner: '..', repo: 'b', ref: 'v1', raw: '../b@v1' }, 'action.yml', undefined],
    ['absolute path', { kind: 'gha-action', owner: 'a', repo: 'b', ref: 'v1', raw: 'a/b@v1' }, '/etc/passwd', undefined],
  ];
  it.each(cases)('%s', (_name, ref, path, expected) => {
    expect(cacheKey(ref, path)).toBe(expected);
  });

  it('names the root that was looked for', () => {
    expect(cacheRoot({ kind: 'gha-action', owner: 'o', repo: 'r', path: 'sub', ref: 'v1', raw: 'o/r/sub@v1' })).toBe('github/o/r@v1/sub');
    expect(memorySource({}).describe(orb)).toContain('circleci/orbs/codecov/codecov@1.1.1.yml');
    expect(memorySource({}).describe({ kind: 'image', name: 'n', raw: 'n' })).toContain('no definition');
  });
});

describe('memorySource', () => {
  it('reads by cache key and records reads', () => {
    const src = memorySource({ 'circleci/orbs/codecov/codecov@1.1.1.yml': 'version: 2.1' });
    expect(src.read(orb, 'orb.yml')).toBe('version: 2.1');
    expect(src.read({ ...orb, version: '1.2.0' }, '')).toBeUndefined();
    expect(src.reads).toEqual(['circleci/orbs/codecov/codecov@1.1.1.yml', 'circleci/orbs/codecov/codecov@1.2.0.yml']);
  });
});
