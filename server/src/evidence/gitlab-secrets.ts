/**
 * The EvidencePort (incidents/ports.ts) over GitLab: GitLab keeps no created or updated time for a CI/CD
 * variable, so whether one was rotated cannot be read — every answer is `unknown` and its sub-item stays
 * for a person to tick, saying why. With GITLAB_TOKEN the variable KEYS of the project and its ancestor
 * groups are listed (values are dropped by the engine's parse), so the reason says where the variable is
 * kept, or that it was not found.
 *
 * Which instance: the configured `gitlab:` source whose group holds the repository (a self-hosted
 * `gitlab:https://gitlab.example.com/group`), else GITLAB_URL, else gitlab.com — the token goes to no
 * other host. Reading variables needs the Maintainer role on the project (Owner on a group) and
 * `read_api`.
 */
import { DEFAULT_GITLAB_URL, GitLabClient, parseGitLabSpec, variableInventory, type VariableInventory } from '@ci-exposure/engine';
import type { ExposedSecret } from '../incidents/lookup';
import type { EvidencePort, SecretEvidence } from '../incidents/ports';

export const GITLAB_EVIDENCE_SOURCE = 'GitLab';
export const GITLAB_NO_TIME = 'GitLab gives no change time for CI/CD variables: tick it by hand once rotated';
/** The sub-item name lookup-evidence.ts gives the whole store. */
export const EVERY_CI_VARIABLE = 'CI/CD variables';

const SHOWN = 10;

export interface GitLabEvidenceOptions {
  /** The instance a repository (project path) lives on; undefined: none the token may be sent to. */
  instanceOf: (repo: string) => string | undefined;
  /** A client per instance (tests); default the engine's GitLabClient with the token. */
  clientFor?: (baseUrl: string) => GitLabClient;
}

/** Where a project lives: the configured `gitlab:` source whose group holds it, else GITLAB_URL, else gitlab.com. */
export function gitlabInstanceResolver(sources: readonly string[], env: Readonly<Record<string, string | undefined>>): (repo: string) => string | undefined {
  const groups: Array<{ group: string; baseUrl: string }> = [];
  for (const spec of sources) {
    if (!spec.startsWith('gitlab:')) continue;
    const parsed = parseGitLabSpec(spec, env);
    if (parsed.ok) groups.push({ group: parsed.group.toLowerCase(), baseUrl: parsed.baseUrl });
  }
  const fallback = (env.GITLAB_URL?.trim() || DEFAULT_GITLAB_URL).replace(/\/+$/, '');
  return (repo) => {
    const path = repo.toLowerCase();
    const hit = groups.filter((g) => path.startsWith(`${g.group}/`)).sort((a, b) => b.group.length - a.group.length)[0];
    return hit?.baseUrl ?? fallback;
  };
}

export class GitLabSecretEvidence implements EvidencePort {
  private readonly clients = new Map<string, GitLabClient>();

  /** `token` undefined: nothing is listed (the answer is the same, without where the variable is kept). */
  constructor(
    private readonly token: string | undefined,
    private readonly options: GitLabEvidenceOptions,
  ) {}

  async secretRotatedSince(secret: ExposedSecret, _since: number): Promise<SecretEvidence> {
    const unknown = (detail?: string): SecretEvidence => ({ state: 'unknown', source: GITLAB_EVIDENCE_SOURCE, reason: detail === undefined ? GITLAB_NO_TIME : `${GITLAB_NO_TIME} (${detail})` });
    const repo = secret.where.repo;
    if (repo === undefined || this.token === undefined) return unknown();
    const baseUrl = this.options.instanceOf(repo);
    if (baseUrl === undefined) return unknown();
    const inventory = await variableInventory(this.client(baseUrl), repo);
    return unknown(describe(secret.name, inventory));
  }

  private client(baseUrl: string): GitLabClient {
    let c = this.clients.get(baseUrl);
    if (!c) {
      c = this.options.clientFor?.(baseUrl) ?? new GitLabClient({ baseUrl, ...(this.token === undefined ? {} : { token: this.token }) });
      this.clients.set(baseUrl, c);
    }
    return c;
  }
}

/** Where the variable (or, for the whole store, which variables) GitLab lists: keys only, never a value. */
export function describe(name: string, inv: VariableInventory): string {
  const gaps = inv.unavailable.length > 0 ? `; not listed: ${inv.unavailable[0] ?? ''}${inv.unavailable.length > 1 ? ` and ${inv.unavailable.length - 1} more` : ''}` : '';
  if (name === EVERY_CI_VARIABLE) {
    const keys = [...new Set(inv.variables.map((v) => v.key))];
    const shown = keys.slice(0, SHOWN).join(', ') + (keys.length > SHOWN ? `, … (+${keys.length - SHOWN})` : '');
    return `${keys.length === 0 ? 'no variable listed' : `${keys.length} listed: ${shown}`}${gaps}`;
  }
  const hits = inv.variables.filter((v) => v.key === name);
  if (hits.length === 0) return `${name} is not among the variables listed${gaps}`;
  const where = hits.map((v) => `${v.scope} ${v.where}${v.environmentScope === '*' ? '' : ` (environment ${v.environmentScope})`}`).join(', ');
  return `${name} is kept in ${where}${gaps}`;
}

/** The port when GITLAB_TOKEN is set (instances from the configured sources and GITLAB_URL), else undefined. */
export function gitlabSecretEvidenceFromEnv(env: Readonly<Record<string, string | undefined>>, sources: readonly string[] = []): EvidencePort | undefined {
  const token = env.GITLAB_TOKEN?.trim();
  if (token === undefined || token === '') return undefined;
  return new GitLabSecretEvidence(token, { instanceOf: gitlabInstanceResolver(sources, env) });
}
