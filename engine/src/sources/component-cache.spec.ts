import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ComponentRef } from '../core/model';
import { makeTempDir } from '../../test/helpers/tmp';
import { componentCacheSource, isSafeKey } from './component-cache';

function write(root: string, rel: string, text: string): void {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
}

const orb = (namespace: string, name: string, version?: string): ComponentRef => ({ kind: 'orb', namespace, name, version, raw: `${namespace}/${name}@${version ?? ''}` });
const action = (owner: string, repo: string, ref?: string, path?: string): ComponentRef => ({ kind: 'gha-action', owner, repo, ref, path, raw: `${owner}/${repo}@${ref ?? ''}` });

describe('componentCacheSource', () => {
  let tmp: { dir: string; cleanup: () => void };
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => tmp.cleanup());

  it('reads orbs, actions (with sub-paths) and project includes in the cache layout, memoised', () => {
    const cache = join(tmp.dir, 'cache');
    write(cache, 'circleci/orbs/codecov/codecov@1.1.1.yml', 'orb: 1\n');
    write(cache, 'circleci/orbs/codecov/codecov@volatile.yml', 'orb: volatile\n');
    write(cache, 'github/actions/checkout@v4/action.yml', 'name: checkout\n');
    write(cache, 'github/o/r@v1/sub/dir/action.yml', 'name: sub\n');
    write(cache, 'gitlab/acme/ci@main/templates/x.yml', 'x: 1\n');
    const src = componentCacheSource(cache);
    expect(src.read(orb('codecov', 'codecov', '1.1.1'), '')).toBe('orb: 1\n');
    expect(src.read(orb('codecov', 'codecov'), '')).toBe('orb: volatile\n');
    expect(src.read(action('actions', 'checkout', 'v4'), 'action.yml')).toBe('name: checkout\n');
    expect(src.read(action('o', 'r', 'v1', 'sub/dir'), 'action.yml')).toBe('name: sub\n');
    expect(src.read({ kind: 'gitlab-include', include: 'project', project: 'acme/ci', ref: 'main', file: '/templates/x.yml', raw: 'x' }, 'templates/x.yml')).toBe('x: 1\n');
    expect(src.read(action('actions', 'checkout', 'v3'), 'action.yml')).toBeUndefined();
    src.read(orb('codecov', 'codecov', '1.1.1'), '');
    expect(src.reads.filter((k) => k === 'circleci/orbs/codecov/codecov@1.1.1.yml')).toHaveLength(2);
    expect(src.describe(orb('x', 'y', '1.0.0'))).toContain('circleci/orbs/x/y@1.0.0.yml');
  });

  it('never reads outside the cache folder', () => {
    const cache = join(tmp.dir, 'cache');
    write(tmp.dir, 'secret.yml', 'SECRET\n');
    write(tmp.dir, 'outside/action.yml', 'SECRET\n');
    mkdirSync(join(cache, 'github/evil'), { recursive: true });
    symlinkSync(join(tmp.dir, 'outside'), join(cache, 'github/evil/x@v1'));
    const src = componentCacheSource(cache);
    expect(src.read(action('..', '..', 'v1'), 'secret.yml')).toBeUndefined();
    expect(src.read(action('a', 'b', 'v1'), '../../../../secret.yml')).toBeUndefined();
    expect(src.read(action('a', 'b', 'v1'), '/etc/passwd')).toBeUndefined();
    expect(src.read(action('evil', 'x', 'v1'), 'action.yml')).toBeUndefined();
    expect(src.read(orb('..', '..', '1'), '')).toBeUndefined();
  });

  it('skips files that are too large or not text', () => {
    const cache = join(tmp.dir, 'cache');
    write(cache, 'circleci/orbs/a/big@1.yml', '');
    truncateSync(join(cache, 'circleci/orbs/a/big@1.yml'), 1024);
    write(cache, 'circleci/orbs/a/ok@1.yml', 'ok: 1\n');
    const src = componentCacheSource(cache, { maxFileBytes: 100 });
    expect(src.read(orb('a', 'big', '1'), '')).toBeUndefined();
    expect(src.read(orb('a', 'ok', '1'), '')).toBe('ok: 1\n');
  });

  it('a missing cache folder has nothing', () => {
    expect(componentCacheSource(join(tmp.dir, 'none')).read(orb('a', 'b', '1'), '')).toBeUndefined();
  });

  it.each([
    ['circleci/orbs/a/b@1.yml', true],
    ['../x', false],
    ['a/../../x', false],
    ['/etc/passwd', false],
    ['C:/x', false],
    ['a\\b', false],
    ['a//b', false],
    ['', false],
  ])('isSafeKey(%j) = %s', (key, ok) => {
    expect(isSafeKey(key)).toBe(ok);
  });
});
