/**
 * Source specs to sources: git URLs, local paths, the provider registry (a provider plugs in with one
 * entry), unregistered providers as a clear usage error, and only the named variables passed on.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../../test/helpers/tmp';
import type { ComponentFetcher, RepoSource } from './source';
import { providerFetchers, resolveSources, resolveSourceSpec, type SourceEnv, sourceEnv, type SourceProvider } from './resolve-source';

const OPTIONS = { dataDir: '.ci-exposure-test' };

describe('resolveSourceSpec', () => {
  it('git URLs become git sources, named without credentials', () => {
    const r = resolveSourceSpec('https://user:secret@example.com/acme/app.git', {}, OPTIONS, []);
    expect(r).toMatchObject({ kind: 'remote', source: { id: 'https://***@example.com/acme/app.git' } });
  });

  it('a registered provider gets the rest of the spec, the env and the options; its error is a usage error', () => {
    const seen: Array<[string, SourceEnv]> = [];
    const fake: SourceProvider = {
      prefix: 'github',
      usage: 'github:ORG | github:OWNER/REPO',
      create(rest, env) {
        seen.push([rest, env]);
        if (rest === '') return { error: 'github: give an organisation (github:ORG) or a repository (github:OWNER/REPO)' };
        return { id: `github:${rest}`, versions: async function* () {} } satisfies RepoSource;
      },
    };
    expect(resolveSourceSpec('github:acme', { GITHUB_TOKEN: 't' }, OPTIONS, [fake])).toMatchObject({ kind: 'remote', source: { id: 'github:acme' } });
    expect(resolveSourceSpec('github:', {}, OPTIONS, [fake])).toEqual({ kind: 'error', message: 'github: give an organisation (github:ORG) or a repository (github:OWNER/REPO)' });
    expect(seen).toEqual([
      ['acme', { GITHUB_TOKEN: 't' }],
      ['', {}],
    ]);
  });

  it.each(['github:acme', 'gitlab:https://gitlab.example.com/group', 'circleci:gh/acme'])('%s without its provider registered: "no … source registered"', (spec) => {
    const prefix = spec.split(':')[0] ?? '';
    expect(resolveSourceSpec(spec, {}, OPTIONS, [])).toEqual({ kind: 'error', message: `no ${prefix} source registered: ${spec} cannot be read by this build` });
  });

  it('a web URL that is not a git URL, an unknown prefix and a local path', () => {
    expect(resolveSourceSpec('https://github.com/acme/app', {}, OPTIONS, [])).toEqual({ kind: 'error', message: 'not a git URL: https://github.com/acme/app (a URL is read with git when it ends in .git, or written git+URL)' });
    expect(resolveSourceSpec('bitbucket:acme', {}, OPTIONS, [])).toEqual({ kind: 'error', message: 'unknown source "bitbucket:acme" (one of PATH, a git URL)' });
    expect(resolveSourceSpec('./repos', {}, OPTIONS, [])).toEqual({ kind: 'local', path: './repos' });
  });
});

describe('resolveSources', () => {
  it('local paths are one local source, first; missing paths are listed; remote says whether anything is remote', () => {
    const tmp = makeTempDir('cix-resolve-');
    try {
      mkdirSync(join(tmp.dir, 'a', '.github', 'workflows'), { recursive: true });
      const r = resolveSources([join(tmp.dir, 'a'), join(tmp.dir, 'nope'), 'file:///srv/acme/app.git'], {}, OPTIONS, []);
      expect(r.sources.map((s) => s.id)).toEqual([join(tmp.dir, 'a'), 'file:///srv/acme/app.git']);
      expect(r.missing).toEqual([join(tmp.dir, 'nope')]);
      expect(r.errors).toEqual([]);
      expect(r.remote).toBe(true);
      expect(resolveSources([join(tmp.dir, 'a')], {}, OPTIONS, []).remote).toBe(false);
    } finally {
      tmp.cleanup();
    }
  });
});

describe('environment and fetchers', () => {
  it('only the tokens and base URLs reach a provider', () => {
    expect(sourceEnv({ GITHUB_TOKEN: 'a', GITLAB_URL: 'http://127.0.0.1:1', HOME: '/root', AWS_SECRET_ACCESS_KEY: 'x', CIRCLECI_TOKEN: '' })).toEqual({ GITHUB_TOKEN: 'a', GITLAB_URL: 'http://127.0.0.1:1' });
  });

  it('every registered provider’s fetchers, in registry order', () => {
    const fetcher = (id: string): ComponentFetcher => ({ id, canFetch: () => false, fetch: () => Promise.resolve({ ok: false, reason: 'no' }) });
    const providers: SourceProvider[] = [
      { prefix: 'github', usage: 'github:ORG', create: () => ({ error: 'x' }), fetchers: () => [fetcher('github-actions')] },
      { prefix: 'gitlab', usage: 'gitlab:GROUP', create: () => ({ error: 'x' }) },
      { prefix: 'circleci', usage: 'circleci:VCS/ORG', create: () => ({ error: 'x' }), fetchers: () => [fetcher('circleci-orbs')] },
    ];
    // Then the Jenkins library fetcher (no provider prefix: the libraries come from the scan's mapping).
    expect(providerFetchers({}, OPTIONS, providers).map((f) => f.id)).toEqual(['github-actions', 'circleci-orbs', 'jenkins-library']);
  });
});
