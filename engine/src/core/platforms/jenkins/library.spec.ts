import { cacheKey, describeCacheLookup } from '../../resolve/cache-key';
import { libraryCacheKey, libraryStepRef, parseLibrarySpec } from './library';

describe('parseLibrarySpec', () => {
  it.each([
    ['ci-lib@v1', { name: 'ci-lib', ref: 'v1', raw: 'ci-lib@v1' }],
    ['ci-lib', { name: 'ci-lib', raw: 'ci-lib' }],
    ['ci-lib@feature/x', { name: 'ci-lib', ref: 'feature/x', raw: 'ci-lib@feature/x' }],
    [' pipeline-library@1.2.3 ', { name: 'pipeline-library', ref: '1.2.3', raw: 'pipeline-library@1.2.3' }],
    ['ci-lib@', undefined],
    ['a b@v1', undefined],
    ['ci-lib@v1 extra', undefined],
    ['', undefined],
  ])('%j → %j', (text, expected) => {
    expect(parseLibrarySpec(text)).toEqual(expected);
  });
});

describe('the cache layout of shared libraries', () => {
  const lib = { name: 'ci-lib', ref: 'v1', raw: 'ci-lib@v1' };

  it.each([
    [libraryStepRef(lib, 'codecov'), 'vars/codecov.groovy', 'jenkins/libraries/ci-lib@v1/vars/codecov.groovy'],
    [libraryStepRef(lib, 'codecov'), '', 'jenkins/libraries/ci-lib@v1/vars/codecov.groovy'],
    [libraryStepRef({ name: 'ci-lib', raw: 'ci-lib' }, 'x'), 'vars/x.groovy', 'jenkins/libraries/ci-lib@HEAD/vars/x.groovy'],
    [libraryStepRef({ name: 'ci-lib', ref: 'feature/y', raw: 'ci-lib@feature/y' }, 'x'), 'vars/x.groovy', 'jenkins/libraries/ci-lib@feature/y/vars/x.groovy'],
    [libraryStepRef({ name: 'ci-lib', ref: '../../etc', raw: 'ci-lib@../../etc' }, 'x'), 'vars/x.groovy', undefined],
    [libraryStepRef(lib, 'x'), '../secret', undefined],
    [libraryStepRef(lib, 'x'), '/abs', undefined],
  ])('%j %s → %s', (ref, path, key) => {
    expect(libraryCacheKey(ref, path)).toBe(key);
    // The engine's one layout function delegates to the platform that expands the kind.
    expect(cacheKey(ref, path)).toBe(key);
  });

  it('names where it looked, for unresolved messages', () => {
    expect(describeCacheLookup(libraryStepRef(lib, 'codecov'), 'cache')).toBe('looked for cache path jenkins/libraries/ci-lib@v1/vars/codecov.groovy');
  });

  it('the ref of a method of a global variable', () => {
    expect(libraryStepRef(lib, 'codecov', 'upload')).toEqual({ kind: 'jenkins-library-step', library: lib, step: 'codecov', method: 'upload', raw: 'ci-lib@v1/codecov.upload' });
  });
});
