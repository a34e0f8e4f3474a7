/**
 * `gitlab:` through the source registry: a self-hosted group by URL becomes a source, and the one GitLab
 * fetcher takes project includes and `$CI_SERVER_FQDN` components from that instance — unless sources
 * on several instances make that a guess; another host's component is fetched without the token.
 */
import type { ComponentRef } from '../../core/model';
import { type GitLabSimulator, startGitLabSimulator } from '../../../test/simulators/gitlab/server';
import { providerFetchers, resolveSources, SOURCE_PROVIDERS } from '../resolve-source';
import { isRepoFailure, type ComponentCacheWriter } from '../source';
import { createGitLabProvider, gitlabProvider } from './provider';

const TOKEN = 'glpat-provider-token';

describe('gitlab: in the source registry', () => {
  let sim: GitLabSimulator;
  let other: GitLabSimulator;
  beforeAll(async () => {
    sim = await startGitLabSimulator(
      {
        projects: [
          { path: 'corp/app', commits: [{ date: '2025-01-01T00:00:00Z', files: { '.gitlab-ci.yml': 'include:\n  - project: corp/templates\n    file: ci.yml\n' } }] },
          { path: 'corp/templates', commits: [{ date: '2025-01-01T00:00:00Z', files: { 'ci.yml': 'job:\n  script: [make]\n' } }] },
        ],
      },
      { tokens: [TOKEN] },
    );
    other = await startGitLabSimulator({ projects: [{ path: 'components/sast', commits: [{ date: '2025-01-01T00:00:00Z', files: { 'templates/scan.yml': 'sast:\n  script: [scan]\n' } }], refs: { '2.0.0': 0 } }] });
  });
  afterAll(async () => {
    await sim.close();
    await other.close();
  });

  it('is registered', () => {
    expect(SOURCE_PROVIDERS).toContain(gitlabProvider);
  });

  it('a group by URL is a source; its project includes come from that instance, with the token', async () => {
    const provider = createGitLabProvider();
    const env = { GITLAB_TOKEN: TOKEN };
    const resolved = resolveSources([`gitlab:${sim.url}/corp`], env, { dataDir: '/nonexistent' }, [provider]);
    expect(resolved.errors).toEqual([]);
    expect(resolved.sources.map((s) => s.id)).toEqual([`gitlab:${sim.url}/corp`]);
    const repos: string[] = [];
    for await (const item of resolved.sources[0]?.versions(undefined) ?? []) if (!isRepoFailure(item)) repos.push(item.repo);
    expect(repos.sort()).toEqual(['corp/app', 'corp/templates']);

    const [fetcher] = providerFetchers(env, { dataDir: '/nonexistent' }, [provider]);
    const written: string[] = [];
    const into: ComponentCacheWriter = { write: (_ref, path, text) => void written.push(`${path}=${text}`) };
    const include: ComponentRef = { kind: 'gitlab-include', include: 'project', project: 'corp/templates', file: 'ci.yml', raw: 'corp/templates' };
    expect(fetcher?.canFetch(include)).toBe(true);
    expect(await fetcher?.fetch(include, into)).toEqual({ ok: true, files: ['gitlab/corp/templates@HEAD/ci.yml'] });
    // The file, and the commit GitLab read it at (`.resolved-commit`).
    expect(written).toEqual(['ci.yml=job:\n  script: [make]\n', expect.stringMatching(/^\.resolved-commit=[0-9a-f]{40}\n$/)]);

    // A component of another host: fetched from there, without the token.
    const host = new URL(other.url).host;
    const component: ComponentRef = { kind: 'gitlab-include', include: 'component', project: 'components/sast', file: 'scan', ref: '2.0.0', raw: `${host}/components/sast/scan@2.0.0` };
    expect(fetcher?.canFetch(component)).toBe(true);
    // The simulator is http; the fetcher of a foreign host speaks https, so this one cannot be reached.
    const outcome = await fetcher?.fetch(component, into);
    expect(outcome).toMatchObject({ ok: false, reason: expect.stringContaining(`GitLab at https://${host} could not be reached`) });
    expect(other.requests).toEqual([]);
    expect(sim.requests.every((r) => r.auth === 'private-token')).toBe(true);
  });

  it('a bad spec is a usage error; with sources on two instances a project include is not fetched', () => {
    const provider = createGitLabProvider();
    expect(resolveSources(['gitlab:https://gitlab.example.com/'], {}, { dataDir: '/x' }, [provider]).errors).toEqual(['gitlab:https://gitlab.example.com/ names no group (expected gitlab:https://host/group)']);
    resolveSources([`gitlab:${sim.url}/corp`, 'gitlab:https://gitlab.example.com/acme'], {}, { dataDir: '/x' }, [provider]);
    const [fetcher] = providerFetchers({}, { dataDir: '/x' }, [provider]);
    const include: ComponentRef = { kind: 'gitlab-include', include: 'project', project: 'corp/templates', file: 'ci.yml', raw: 'corp/templates' };
    expect(fetcher?.canFetch(include)).toBe(false);
    const named: ComponentRef = { kind: 'gitlab-include', include: 'component', project: 'g/p', file: 'c', ref: '1.0.0', raw: 'gitlab.example.com/g/p/c@1.0.0' };
    expect(fetcher?.canFetch(named)).toBe(true);
  });
});
