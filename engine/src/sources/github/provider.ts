/**
 * IMPERATIVE SHELL: `github:` in the source registry (resolve-source.ts): `github:ORG` and
 * `github:OWNER/REPO` make GitHub sources, and one fetcher serves actions and reusable workflows. Sources
 * and the fetcher of one run share a client, so they share what GitHub said about the rate limit.
 */
import type { SourceEnv, SourceProvider } from '../resolve-source';
import { GitHubClient, clientOptionsFromEnv } from './client';
import { createGitHubFetcher } from './fetcher';
import { createGitHubSource, parseGitHubSpec } from './repo-source';

/** A provider with one client per token and base URL (one per run: SOURCE_PROVIDERS holds one). */
export function createGitHubProvider(): SourceProvider {
  const clients = new Map<string, GitHubClient>();
  const clientFor = (env: SourceEnv): GitHubClient => {
    const options = clientOptionsFromEnv(env);
    const key = JSON.stringify([options.apiUrl ?? '', options.token ?? '']);
    let client = clients.get(key);
    if (!client) {
      client = new GitHubClient(options);
      clients.set(key, client);
    }
    return client;
  };
  return {
    prefix: 'github',
    usage: 'github:ORG | github:OWNER/REPO',
    create(rest, env) {
      const spec = `github:${rest}`;
      if (!parseGitHubSpec(spec)) return { error: `not a GitHub source: ${spec} (github:ORG or github:OWNER/REPO)` };
      return createGitHubSource(spec, env, { client: clientFor(env) });
    },
    fetchers: (env, options) => [createGitHubFetcher(env, { client: clientFor(env), ...(options.window === undefined ? {} : { window: options.window }) })],
  };
}

export const githubProvider: SourceProvider = createGitHubProvider();
