import { anyGlobMatcher, globBase, globDepth, globMatcher, isGlob } from './glob';

describe('globMatcher', () => {
  it.each([
    ['.github/workflows/*.yml', '.github/workflows/ci.yml', true],
    ['.github/workflows/*.yml', '.github/workflows/nested/ci.yml', false],
    ['.github/workflows/*.y?ml', '.github/workflows/ci.yaml', true],
    ['.github/workflows/*.y?ml', '.github/workflows/ci.yml', false],
    ['ci/*.yml', 'ci/a.yml', true],
    ['ci/*.yml', 'ci/a/b.yml', false],
    ['ci/**/*.yml', 'ci/a.yml', true],
    ['ci/**/*.yml', 'ci/a/b/c.yml', true],
    ['ci/**/*.yml', 'cia.yml', false],
    ['ci/**', 'ci/a/b', true],
    ['**/action.yml', 'action.yml', true],
    ['**/action.yml', 'a/b/action.yml', true],
    ['**/action.yml', 'a/b/xaction.yml', false],
    ['.github/**/action.yml', '.github/action.yml', true],
    ['.github/**/action.yml', '.github/actions/setup/action.yml', true],
    ['a**b', 'a/x/b', true],
    ['dist-*', 'dist-linux', true],
    ['dist-*', 'dist-linux/x', false],
    ['file?.txt', 'file1.txt', true],
    ['file?.txt', 'file/.txt', false],
    ['*', '', true],
    ['*.Jenkinsfile', 'release.Jenkinsfile', true],
    ['Jenkinsfile', 'Jenkinsfile', true],
    ['Jenkinsfile', 'jenkinsfile', false],
    ['a.b', 'axb', false],
    ['(x)+[y]', '(x)+[y]', true],
    // The literal head and tail of a pattern must not overlap in the text.
    ['a*a', 'a', false],
    ['a*a', 'aa', true],
    ['ab*ba', 'aba', false],
    ['ab?ba', 'ab/ba', false],
    ['ab**ba', 'ab/ba', true],
  ])('%s ~ %s → %s', (pattern, text, expected) => {
    expect(globMatcher(pattern)(text)).toBe(expected);
  });

  it('compares case-insensitively when asked', () => {
    expect(globMatcher('.GitHub/Workflows/*.YML', { nocase: true })('.github/workflows/ci.yml')).toBe(true);
    expect(globMatcher('.GitHub/Workflows/*.YML')('.github/workflows/ci.yml')).toBe(false);
  });

  it('stays linear on patterns that make a backtracking matcher explode', () => {
    const pattern = `${'*a'.repeat(40)}b`;
    const text = 'a'.repeat(5000);
    const started = Date.now();
    expect(globMatcher(pattern)(text)).toBe(false);
    expect(globMatcher(`${'**a'.repeat(40)}b`)(`${text}`)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('any of several patterns', () => {
    const m = anyGlobMatcher(['.gitlab-ci.yml', '.gitlab-ci.yaml']);
    expect(m('.gitlab-ci.yaml')).toBe(true);
    expect(m('gitlab-ci.yaml')).toBe(false);
  });
});

describe('glob helpers', () => {
  it.each([
    ['ci/jobs/*.yml', 'ci/jobs', 1],
    ['*.yml', '', 1],
    ['.github/**/action.yml', '.github', Infinity],
    ['Jenkinsfile', '', 1],
    ['a/b/c', 'a/b', 1],
    ['*/Jenkinsfile', '', 2],
  ])('%s: base %s, depth %s', (pattern, base, depth) => {
    expect(globBase(pattern)).toBe(base);
    expect(globDepth(pattern)).toBe(depth);
  });

  it('isGlob', () => {
    expect(isGlob('a/*.yml')).toBe(true);
    expect(isGlob('a/b?.yml')).toBe(true);
    expect(isGlob('.gitlab-ci.yml')).toBe(false);
  });
});
