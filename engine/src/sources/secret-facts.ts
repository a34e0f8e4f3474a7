/**
 * IMPERATIVE SHELL: `--evidence` — what credentials an affected job really had, from the platforms
 * (names only). It reads, then the core decides (core/exposure/stored-secrets.ts `withStoredSecrets`):
 *
 *   CircleCI  per project (slug from the finding's repository: `acme/app` → `gh/acme/app` unless the caller
 *             knows better): the environment variable names (circleci/evidence.ts `projectEnvVars`), the
 *             checkout keys (type, fingerprint); per context the job names, and per context its runs in the
 *             window used (`runs.contexts`, evidence/attach.ts): its variable names and who may use it
 *             (`contextFacts`). Additional SSH keys: no endpoint in the published API, said so.
 *   GitHub    per repository, for findings whose job and workflow set no `permissions:`: the default
 *             workflow permission of GITHUB_TOKEN (github/evidence.ts `workflowTokenDefault`); when the
 *             repository's is refused (403) but its organisation's is readable, the organisation default,
 *             named as such (a `read` organisation default binds its repositories; a `write` one may have
 *             been restricted by the repository, so it is counted as write).
 *
 * Fail closed: whatever is not read (no token, a refusal, a project not found) keeps the verdict and adds
 * `Not read: …` with the platform's reason. Values never come in: the schemas name only names.
 * Each project, context and repository is asked once per call, whatever the number of findings.
 */
import { withStoredSecrets, type CheckoutKeyFact, type ContextFacts, type NotRead, type StoredSecretFacts } from '../core/exposure/stored-secrets';
import type { Finding, ScanResult } from '../core/model';
import type { CircleCiClient } from './circleci/client';
import { checkoutKeys, contextFacts, projectEnvVars } from './circleci/evidence';
import type { GitHubClient } from './github/client';
import { workflowTokenDefault, type WorkflowTokenDefault } from './github/evidence';

export interface SecretFactSources {
  /** CircleCI (absent: CircleCI findings say it was not asked). A client without a token reads nothing. */
  circleci?: CircleCiClient;
  /** The CircleCI project slug of a repository; default `gh/<owner>/<name>`. Undefined: not known. */
  circleciSlugOf?: (repo: string) => string | undefined;
  /** GitHub, with a token (absent: GitHub findings say so). */
  github?: GitHubClient;
}

const NO_CIRCLECI_TOKEN = 'no CircleCI token (CIRCLECI_TOKEN)';

function memo<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let p = cache.get(key);
  if (!p) {
    p = make();
    cache.set(key, p);
  }
  return p;
}

interface ProjectFacts {
  projectVariables: string[] | NotRead;
  checkoutKeys: CheckoutKeyFact[] | NotRead;
}

/** The results with the platforms' facts on their affected CircleCI and GitHub Actions findings. */
export async function attachSecretFacts(results: readonly ScanResult[], sources: SecretFactSources): Promise<ScanResult[]> {
  const projects = new Map<string, Promise<ProjectFacts>>();
  const contexts = new Map<string, Promise<ContextFacts>>();
  const tokens = new Map<string, Promise<WorkflowTokenDefault>>();
  const slugOf = sources.circleciSlugOf ?? ((repo: string) => `gh/${repo}`);

  const circleFacts = async (f: Finding): Promise<StoredSecretFacts> => {
    const slug = slugOf(f.repo);
    const client = sources.circleci;
    // The contexts the configuration names and those the runs in the window really used (runs.contexts).
    const names = [...new Set([...f.exposure.contexts, ...(f.runs?.contexts ?? [])])].sort();
    if (slug === undefined || !client || !client.hasToken) {
      const why = slug === undefined ? `the CircleCI project of ${f.repo} is not known` : !client ? 'CircleCI was not asked' : NO_CIRCLECI_TOKEN;
      return {
        platform: 'circleci',
        project: slug ?? f.repo,
        projectVariables: { notRead: why },
        checkoutKeys: { notRead: why },
        contexts: names.map((name) => ({ name, variables: { notRead: why }, restrictions: { notRead: why } })),
      };
    }
    const project = await memo(projects, slug, async () => {
      const [vars, keys] = await Promise.all([projectEnvVars(client, slug), checkoutKeys(client, slug)]);
      return {
        projectVariables: vars.ok ? vars.items.map((v) => v.name).sort() : { notRead: vars.reason },
        checkoutKeys: keys.ok ? keys.items : { notRead: keys.reason },
      };
    });
    const org = slug.split('/').slice(0, 2).join('/');
    const ctx = await Promise.all(
      names.map((name) =>
        memo(contexts, `${org}\u0000${name}`, async () => {
          const [one] = await contextFacts(client, slug, [name]);
          return one ?? { name, variables: { notRead: 'not listed' }, restrictions: { notRead: 'not listed' } };
        }),
      ),
    );
    return { platform: 'circleci', project: slug, ...project, contexts: ctx };
  };

  const githubFacts = async (f: Finding): Promise<StoredSecretFacts> => {
    const d = await memo(tokens, f.repo.toLowerCase(), () => workflowTokenDefault(sources.github, f.repo));
    if (d.ok) return { platform: 'github-actions', repo: f.repo, defaultPermission: { value: d.value, canApprovePullRequests: d.canApprovePullRequests } };
    // The repository's setting refused (403: a token without its scope): the organisation's default, if readable.
    const org = f.repo.split('/')[0] ?? '';
    if (d.status !== 403 || org === '') return { platform: 'github-actions', repo: f.repo, defaultPermission: { notRead: d.reason } };
    const o = await memo(tokens, `org\u0000${org.toLowerCase()}`, () => workflowTokenDefault(sources.github, { org }));
    if (!o.ok) return { platform: 'github-actions', repo: f.repo, defaultPermission: { notRead: `${d.reason}; the organisation default of ${org}: ${o.reason}` } };
    return { platform: 'github-actions', repo: f.repo, defaultPermission: { value: o.value, canApprovePullRequests: o.canApprovePullRequests, source: { organisation: org, repositoryNotRead: d.reason } } };
  };

  const out: ScanResult[] = [];
  for (const result of results) {
    const platformIncident = result.indicator.kind === 'platform';
    const findings: Finding[] = [];
    for (const f of result.findings) {
      if (f.affected && f.platform === 'circleci') findings.push(withStoredSecrets(f, await circleFacts(f), { platformIncident }));
      else if (f.affected && f.platform === 'github-actions' && f.exposure.permissions === 'repository default') findings.push(withStoredSecrets(f, await githubFacts(f), { platformIncident }));
      else findings.push(f);
    }
    out.push({ ...result, findings });
  }
  return out;
}
