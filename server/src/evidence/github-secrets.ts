/**
 * The EvidencePort (incidents/ports.ts) over GitHub: whether an exposed secret was changed after the
 * incident started, read from the Actions secret's `updated_at` (names and dates only — GitHub returns no
 * values) through the engine's GitHub client. Which GitHub store a secret is looked for in:
 *
 *   pipeline-config / repository (with a repo)   the repository's secrets, else the organisation's shared with it
 *   environment (with a repo and a scope)        that environment's, else the repository's, else the organisation's
 *   organisation (with a repo)                   the organisation's shared with that repository
 *   anything else (CircleCI context, project…)   unknown: not a GitHub store
 *
 * Needs a token that may list Actions secrets (classic `repo`; fine-grained "Secrets: read").
 */
import { GitHubClient, githubClientOptionsFromEnv, secretRotatedSince, type SecretWhere } from '@ci-exposure/engine';
import type { ExposedSecret } from '../incidents/lookup';
import type { EvidencePort, SecretEvidence } from '../incidents/ports';

export const GITHUB_EVIDENCE_SOURCE = 'GitHub';

function whereOf(secret: ExposedSecret): SecretWhere | string {
  const repo = secret.where.repo;
  if (repo === undefined || !/^[^/\s]+\/[^/\s]+$/.test(repo)) return 'no GitHub repository named for it';
  switch (secret.where.store) {
    case 'pipeline-config':
    case 'repository':
      return { repo, scope: 'repository' };
    case 'environment':
      return secret.where.scope ? { repo, scope: 'environment', environment: secret.where.scope } : 'no environment named for it';
    case 'organisation':
      return { repo, scope: 'organisation' };
    default:
      return `a ${secret.where.store} secret is not stored in GitHub`;
  }
}

/** GitHub's answer about one secret, as the port says it. */
export class GitHubSecretEvidence implements EvidencePort {
  constructor(private readonly client: GitHubClient) {}

  async secretRotatedSince(secret: ExposedSecret, since: number): Promise<SecretEvidence> {
    const where = whereOf(secret);
    if (typeof where === 'string') return { state: 'unknown', source: GITHUB_EVIDENCE_SOURCE, reason: where };
    const e = await secretRotatedSince(this.client, secret.name, where, since);
    if (e.state === 'unknown') return { state: 'unknown', source: GITHUB_EVIDENCE_SOURCE, reason: e.reason };
    const changedAt = Date.parse(e.changedAt);
    return e.state === 'verified' ? { state: 'verified', source: `${GITHUB_EVIDENCE_SOURCE} (${e.where})`, changedAt } : { state: 'not-yet', source: `${GITHUB_EVIDENCE_SOURCE} (${e.where})`, changedAt };
  }
}

/** The port when GITHUB_TOKEN is set (GITHUB_API_URL for GitHub Enterprise Server or a simulator), else undefined. */
export function githubSecretEvidenceFromEnv(env: Readonly<Record<string, string | undefined>>): EvidencePort | undefined {
  const options = githubClientOptionsFromEnv(env);
  if (options.token === undefined) return undefined;
  return new GitHubSecretEvidence(new GitHubClient(options));
}
