/**
 * IMPERATIVE SHELL: `gitlab:` in the source registry (resolve-source.ts): `gitlab:GROUP` and
 * `gitlab:https://HOST/GROUP` make GitLab sources, and one fetcher serves their includes and components.
 *
 * Which instance a component comes from: a project include names no host — it is a project of the
 * instance the pipeline runs on — and neither does `$CI_SERVER_FQDN`, so both are fetched from the
 * instance of the GitLab sources of this run (GITLAB_URL, default gitlab.com, when there are none); with
 * sources on several instances they are not fetched at all (the component cache does not say which
 * instance a project is on: fetching from a guess could read another project of the same name).
 * A component naming another host (`gitlab.com/components/…` from a self-hosted pipeline) is fetched
 * from that host without the token: GITLAB_TOKEN only ever goes to the instances the user named.
 */
import type { ComponentRef } from '../../core/model';
import type { SourceEnv, SourceProvider } from '../resolve-source';
import type { ComponentFetcher, TimeWindow } from '../source';
import { componentHost, createGitLabFetcher, HOST_VARIABLES } from './fetcher';
import { parseGitLabSpec } from './parse-spec';
import { createGitLabSource } from './source';

/** The one fetcher of every GitLab instance in play; `instances` is read at fetch time. */
function instancesFetcher(env: SourceEnv, instances: ReadonlyMap<string, string>, window: TimeWindow | undefined): ComponentFetcher {
  const fetchers = new Map<string, ComponentFetcher>();
  const fetcherFor = (base: string, withToken: boolean): ComponentFetcher => {
    let f = fetchers.get(base);
    if (!f) {
      f = createGitLabFetcher(withToken ? env : {}, window === undefined ? { baseUrl: base } : { baseUrl: base, window });
      fetchers.set(base, f);
    }
    return f;
  };
  const pick = (ref: ComponentRef): ComponentFetcher | undefined => {
    if (ref.kind !== 'gitlab-include' || !ref.project || (ref.include !== 'project' && ref.include !== 'component')) return undefined;
    const named = [...instances.values()];
    const bases = named.length > 0 ? named : [parseGitLabSpec('gitlab:_', env)].flatMap((p) => (p.ok ? [p.baseUrl] : []));
    const host = ref.include === 'component' ? componentHost(ref) : undefined;
    if (host === undefined || HOST_VARIABLES.test(host)) return bases.length === 1 ? fetcherFor(bases[0] as string, true) : undefined;
    const mine = bases.find((b) => new URL(b).host.toLowerCase() === host);
    if (mine !== undefined) return fetcherFor(mine, true);
    return /^[a-z0-9.-]+(:\d+)?$/.test(host) ? fetcherFor(`https://${host}`, false) : undefined;
  };
  return {
    id: 'gitlab',
    canFetch: (ref) => pick(ref)?.canFetch(ref) ?? false,
    fetch: async (ref, into) => {
      const f = pick(ref);
      return f ? f.fetch(ref, into) : { ok: false, reason: 'GitLab includes of projects on several GitLab instances: which instance holds this one is not known' };
    },
  };
}

/** A provider with its own record of the instances its sources read (one per run: SOURCE_PROVIDERS holds one). */
export function createGitLabProvider(): SourceProvider {
  const instances = new Map<string, string>();
  return {
    prefix: 'gitlab',
    usage: 'gitlab:GROUP | gitlab:https://HOST/GROUP',
    create(rest, env) {
      const spec = `gitlab:${rest}`;
      const parsed = parseGitLabSpec(spec, env);
      if (!parsed.ok) return { error: parsed.message };
      instances.set(parsed.baseUrl, parsed.baseUrl);
      return createGitLabSource(spec, env);
    },
    fetchers: (env, options) => [instancesFetcher(env, instances, options.window)],
  };
}

export const gitlabProvider: SourceProvider = createGitLabProvider();
