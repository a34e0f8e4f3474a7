import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isLocalFolder } from './local-source';
import { resolveSourceSpec, SOURCE_PROVIDERS, sourceEnv } from './resolve-source';
import { isPathSpec } from './spec-kind';

describe('isPathSpec', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'cix-spec-kind-'));
  // Folders whose names look like other kinds of spec: only resolveSourceSpec's rules say which they are.
  for (const name of ['org', 'github:acme', 'foo:bar', 'repo.git']) mkdirSync(path.join(tmp, name), { recursive: true });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const cwd = process.cwd();
  beforeAll(() => process.chdir(tmp));
  afterAll(() => process.chdir(cwd));

  it('says local exactly when resolveSourceSpec reads a spec as a local folder', () => {
    const specs = [
      'org',
      './org',
      path.join(tmp, 'org'),
      'github:acme',
      'GitHub:acme',
      'gitlab:group/sub',
      'circleci:gh/acme',
      'foo:bar',
      'foo:missing',
      'repo.git',
      'missing-folder',
      'https://example.com/a/b.git',
      'git+https://example.com/a/b',
      'git+file:///x',
      'ssh://git@example.com/a/b.git',
      'git@example.com:a/b.git',
      'file:///srv/repo.git',
      'C:\\work\\org',
    ];
    const env = sourceEnv({});
    for (const spec of specs) {
      const r = resolveSourceSpec(spec, env, { dataDir: path.join(tmp, 'data') }, SOURCE_PROVIDERS);
      const resolvedLocal = r.kind === 'local' && isLocalFolder(r.path);
      expect({ spec, local: isPathSpec(spec) && isLocalFolder(spec) }).toEqual({ spec, local: resolvedLocal });
    }
    // The folders named like specs: `github:acme` is GitHub's, `foo:bar` and `repo.git` are folders.
    expect(isPathSpec('github:acme')).toBe(false);
    expect(isPathSpec('foo:bar') && isLocalFolder('foo:bar')).toBe(true);
  });

  it('takes other registered prefixes as providers too', () => {
    expect(isPathSpec('foo:bar', ['foo'])).toBe(false);
    expect(isPathSpec('foo:bar', ['baz'])).toBe(true);
  });
});
