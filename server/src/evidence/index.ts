/**
 * The bridge's EvidencePort: each exposed secret asked of the platform that stores it.
 *
 *   where.store          where.platform (lookup-evidence.ts)        asked of
 *   context              (CircleCI's)                               CircleCI
 *   project              circleci | gitlab-ci                       CircleCI | GitLab
 *   project              none (older sub-items): by the name        `project environment variables` → CircleCI,
 *                                                                   `CI/CD variables` → GitLab
 *   pipeline-config      gitlab-ci | circleci | jenkins             GitLab | CircleCI | nobody (unknown)
 *   pipeline-config      none or github-actions                     GitHub
 *   repository, environment, organisation                           GitHub
 *
 * A platform without its token answers `unknown`, naming the variable to set. Without any token there is
 * no port at all: every secret sub-item is manual (incidents/evidence.ts), as before.
 */
import type { ExposedSecret } from '../incidents/lookup';
import type { EvidencePort, SecretEvidence } from '../incidents/ports';
import { circleCiSecretEvidenceFromEnv, CIRCLECI_EVIDENCE_SOURCE, PROJECT_VARIABLES } from './circleci-secrets';
import { EVERY_CI_VARIABLE, GitLabSecretEvidence, gitlabSecretEvidenceFromEnv, GITLAB_EVIDENCE_SOURCE } from './gitlab-secrets';
import { githubSecretEvidenceFromEnv, GITHUB_EVIDENCE_SOURCE } from './github-secrets';

export type EvidencePlatform = 'github' | 'circleci' | 'gitlab';

/** Which platform stores the secret, or why none can be asked. Pure. */
export function platformOf(secret: ExposedSecret): EvidencePlatform | { none: string } {
  const { store, platform } = secret.where;
  switch (store) {
    case 'context':
      return 'circleci';
    case 'project':
      if (platform === 'circleci') return 'circleci';
      if (platform === 'gitlab-ci') return 'gitlab';
      if (platform === undefined && secret.name === PROJECT_VARIABLES) return 'circleci';
      if (platform === undefined && secret.name === EVERY_CI_VARIABLE) return 'gitlab';
      return { none: `no platform known for project settings${platform === undefined ? '' : ` of ${platform}`}` };
    case 'pipeline-config':
      if (platform === undefined || platform === 'github-actions') return 'github';
      if (platform === 'gitlab-ci') return 'gitlab';
      if (platform === 'circleci') return 'circleci';
      return { none: 'Jenkins credentials: no platform evidence is read for them' };
    case 'repository':
    case 'environment':
    case 'organisation':
      return 'github';
  }
}

const TOKEN_OF: Record<EvidencePlatform, { source: string; token: string }> = {
  github: { source: GITHUB_EVIDENCE_SOURCE, token: 'GITHUB_TOKEN' },
  circleci: { source: CIRCLECI_EVIDENCE_SOURCE, token: 'CIRCLECI_TOKEN' },
  gitlab: { source: GITLAB_EVIDENCE_SOURCE, token: 'GITLAB_TOKEN' },
};

/** Routes each secret to its platform's port. */
export class CompositeSecretEvidence implements EvidencePort {
  constructor(private readonly ports: Readonly<Partial<Record<EvidencePlatform, EvidencePort>>>) {}

  secretRotatedSince(secret: ExposedSecret, since: number): Promise<SecretEvidence> {
    const platform = platformOf(secret);
    if (typeof platform !== 'string') return Promise.resolve({ state: 'unknown', source: 'platform evidence', reason: platform.none });
    const port = this.ports[platform];
    if (!port) {
      const { source, token } = TOKEN_OF[platform];
      return Promise.resolve({ state: 'unknown', source, reason: `no ${source} token (${token}): tick it by hand once rotated` });
    }
    return port.secretRotatedSince(secret, since);
  }
}

/**
 * The port from the environment: GitHub with GITHUB_TOKEN (GITHUB_API_URL), CircleCI with CIRCLECI_TOKEN
 * (CIRCLECI_URL), GitLab with GITLAB_TOKEN (GITLAB_URL and the configured `gitlab:` instances) — each only
 * when its token is set; undefined when none is. `sources`: the configured `scan.sources` (which CircleCI
 * VCS and which GitLab instance a repository is on).
 */
export function secretEvidenceFromEnv(env: Readonly<Record<string, string | undefined>>, sources: readonly string[] = []): EvidencePort | undefined {
  const ports: Partial<Record<EvidencePlatform, EvidencePort>> = {};
  const github = githubSecretEvidenceFromEnv(env);
  if (github) ports.github = github;
  const circleci = circleCiSecretEvidenceFromEnv(env, sources);
  if (circleci) ports.circleci = circleci;
  const gitlab = gitlabSecretEvidenceFromEnv(env, sources);
  if (gitlab) ports.gitlab = gitlab;
  if (Object.keys(ports).length === 0) return undefined;
  // GitLab's answer does not depend on a token (it keeps no time): said even when GITLAB_TOKEN is not set.
  ports.gitlab ??= new GitLabSecretEvidence(undefined, { instanceOf: () => undefined });
  return new CompositeSecretEvidence(ports);
}
