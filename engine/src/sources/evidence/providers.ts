/**
 * IMPERATIVE SHELL: the evidence providers of one scan, from the environment exactly as the sources read
 * it (resolve-source.ts SOURCE_ENV_NAMES): GITHUB_TOKEN + GITHUB_API_URL, GITLAB_TOKEN + GITLAB_URL (and
 * the instance a `gitlab:https://HOST/GROUP` source names), CIRCLECI_TOKEN + CIRCLECI_URL. Every provider
 * is made, token or not: without a token each answers `unavailable` with the token it needs (never
 * not-run). A GitLab token goes only to the instances the sources name (or GITLAB_URL), as the GitLab
 * source sends it.
 */
import { CircleCiClient } from '../circleci/client';
import { CircleCiEvidence } from '../circleci/evidence';
import { clientOptionsFromEnv, GitHubClient } from '../github/client';
import { GitHubEvidence, secretInventory } from '../github/evidence';
import { GitLabClient } from '../gitlab/client';
import { GitLabEvidence } from '../gitlab/evidence';
import { parseGitLabSpec } from '../gitlab/parse-spec';
import { sourceEnv } from '../resolve-source';
import type { EvidenceProviders, GitLabEvidenceFor } from './attach';

export interface EvidenceProviderOptions {
  /** The clock of log readings (default Date.now). */
  now?: () => number;
}

/** GitHub, GitLab and CircleCI evidence from the sources' environment variables (no other name is read). */
export function evidenceProvidersFromEnv(environment: Readonly<Record<string, string | undefined>>, options: EvidenceProviderOptions = {}): EvidenceProviders {
  const env = sourceEnv(environment);
  const now = options.now ?? Date.now;

  const gh = clientOptionsFromEnv(env);
  const ghClient = new GitHubClient(gh);
  const hasGitHubToken = gh.token !== undefined;

  const gitlabToken = env.GITLAB_TOKEN?.trim() || undefined;
  const gitlab = new Map<string, GitLabEvidence>();
  const evidenceFor: GitLabEvidenceFor = (spec) => {
    // `gitlab:_` stands for "a group on the default instance": its base URL is GITLAB_URL's (or gitlab.com).
    const parsed = parseGitLabSpec(spec ?? 'gitlab:_', env);
    if (!parsed.ok) return { reason: `the GitLab instance is not known: ${parsed.message}` };
    let ev = gitlab.get(parsed.baseUrl);
    if (!ev) {
      ev = new GitLabEvidence(new GitLabClient({ baseUrl: parsed.baseUrl, ...(gitlabToken === undefined ? {} : { token: gitlabToken }) }), gitlabToken !== undefined, { now });
      gitlab.set(parsed.baseUrl, ev);
    }
    return ev;
  };

  const circleciClient = new CircleCiClient(env);
  return {
    github: {
      evidence: new GitHubEvidence(ghClient, hasGitHubToken, { now }),
      // Visibility from the secret inventory: a public repository whose log carried the payload is urgent.
      ...(hasGitHubToken ? { visibilityOf: async (repo: string) => (await secretInventory(ghClient, repo)).visibility } : {}),
    },
    gitlab: { evidenceFor },
    circleci: { evidence: new CircleCiEvidence(circleciClient) },
    facts: { circleci: circleciClient, ...(hasGitHubToken ? { github: ghClient } : {}) },
  };
}
