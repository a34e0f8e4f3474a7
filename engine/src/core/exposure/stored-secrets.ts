/**
 * FUNCTIONAL CORE: what the platform says a job really had, put on its finding. The shell
 * (sources/secret-facts.ts) reads the facts — names only — and this module decides what they change:
 *
 *   CircleCI   the project's environment variable NAMES replace the generic `project environment
 *              variables` label (`project variable NPM_TOKEN`); the job's contexts with their variable
 *              names and who may use them (restrictions); the checkout keys by type and fingerprint;
 *              additional SSH keys are not listed by CircleCI's published API and are said so.
 *   GitHub     a job without `permissions:` gets the repository's default workflow permission: `write`
 *              (GITHUB_TOKEN can push, tag, release) or `read` — or, when the repository's could not be
 *              read, its organisation's default, named as such (`organisation default (read|write)`).
 *
 * Verdicts (only on facts read, never on a fact that could not be read — that keeps the verdict and adds
 * a `Not read: …` reason):
 *   - CircleCI project variables present: every job of the project can read them, so a `low`/`medium`
 *     job can read secrets → `high`, or `critical` when what it writes reaches a job that deploys or
 *     holds secrets (the core's own verdict rules, exposure/verdict.ts).
 *   - CircleCI project variables and contexts absent: the verdict stays (additional SSH keys cannot be
 *     listed, so "no stored credential" is never fully known); the finding says exactly what was found.
 *   - GitHub default `read`: a `high` decided by the token alone (no secrets, no release) drops to
 *     `medium` (a tamper path) or `low`. Any other verdict stays: the rules' signals are not on the
 *     finding, and a verdict is lowered only where the finding shows the token was its only reason.
 *   - GitHub default `write`: the rule already counted the token as maybe-write; the reason now says it is.
 * Platform incidents (a breach of the platform's stores) keep their verdicts: the breach took the
 * stored secrets whichever job ran.
 */
import type { ExposureVerdict, Finding } from '../model';
import { VERDICT_RANK, emptySignals, verdictReason } from './verdict';
import type { Signals } from './rule';

/** The label the CircleCI platform gives a job's project environment variables (platforms/circleci/parse.ts). */
export const PROJECT_ENV_LABEL = 'project environment variables';
/** The label of one project environment variable, by name. */
export const projectVariableLabel = (name: string): string => `project variable ${name}`;

/** Something the platform did not answer: why (never a credential). */
export interface NotRead {
  notRead: string;
}

const isNotRead = (v: unknown): v is NotRead => typeof v === 'object' && v !== null && 'notRead' in v;

/** Who may use a CircleCI context (getContextRestrictions): a security group, a project, an expression. */
export interface ContextRestriction {
  type: 'group' | 'project' | 'expression';
  /** CircleCI's human-readable name (a project's or group's name), when it gives one. */
  name?: string;
  /** The group or project id, or the expression's text. */
  value: string;
}

export interface ContextFacts {
  name: string;
  /** Variable names (CircleCI never returns values). */
  variables: string[] | NotRead;
  /** Empty: unrestricted. */
  restrictions: ContextRestriction[] | NotRead;
}

export interface CheckoutKeyFact {
  /** `deploy-key` (this repository only) or `github-user-key` (a user's rights). */
  type: string;
  fingerprint: string;
}

export interface CircleCiStoredFacts {
  platform: 'circleci';
  /** The project slug the facts were read for (`gh/acme/app`). */
  project: string;
  projectVariables: string[] | NotRead;
  /** The job's contexts, as its configuration names them (and those its runs in the window used, when read). */
  contexts: ContextFacts[];
  checkoutKeys: CheckoutKeyFact[] | NotRead;
}

export interface GitHubTokenFacts {
  platform: 'github-actions';
  repo: string;
  /**
   * `source`: the repository's own setting could not be read (why), and this is its organisation's default.
   * A `read` organisation default binds every repository of it; a `write` one a repository may restrict.
   */
  defaultPermission: { value: 'read' | 'write'; canApprovePullRequests: boolean; source?: { organisation: string; repositoryNotRead: string } } | NotRead;
}

export type StoredSecretFacts = CircleCiStoredFacts | GitHubTokenFacts;

/** Why additional SSH keys are never listed (said on every CircleCI finding that gets facts). */
export const SSH_KEYS_NOT_LISTED =
  "Additional SSH keys: not read — CircleCI's published API (v2) has no endpoint that lists a project's additional SSH keys; check Project Settings → SSH Keys.";

function list(names: readonly string[], max = 12): string {
  const shown = names.slice(0, max).map((n) => `\`${n}\``);
  if (names.length > max) shown.push(`${names.length - max} more`);
  return shown.join(', ');
}

/** `restricted to security group deployers and pipelines matching \`…\``, or `unrestricted: …`. */
export function restrictionText(r: ContextRestriction[] | NotRead): string {
  if (isNotRead(r)) return `who may use it not read: ${r.notRead}`;
  if (r.length === 0) return "unrestricted: any project member's pipeline can use it (any project of the organisation)";
  const parts = r.map((x) => {
    switch (x.type) {
      case 'group':
        return `security group ${x.name ?? x.value}`;
      case 'project':
        return `project ${x.name ?? x.value}`;
      case 'expression':
        return `pipelines matching \`${x.value}\``;
    }
  });
  return `restricted to ${parts.join(' and ')}`;
}

function contextText(c: ContextFacts): string {
  const vars = isNotRead(c.variables) ? `variables not read (${c.variables.notRead})` : c.variables.length === 0 ? 'holds no variables' : `holds ${list(c.variables)}`;
  return `Context \`${c.name}\` ${vars}; ${restrictionText(c.restrictions)}.`;
}

function checkoutText(keys: CheckoutKeyFact[] | NotRead, project: string): string {
  if (isNotRead(keys)) return `Not read: the checkout keys of ${project}: ${keys.notRead}.`;
  if (keys.length === 0) return `${project} has no checkout key.`;
  const user = keys.some((k) => k.type === 'github-user-key');
  return `Checkout keys of ${project}: ${keys.map((k) => `${k.type} ${k.fingerprint}`).join(', ')}${user ? ' — a github-user-key acts with its user\'s GitHub rights (every repository that user can push to), not only this repository' : ''}.`;
}

/** The static exposure (kept in `exposureVerdict` when the verdict is `not-run`); undefined when lost. */
function staticOf(f: Finding): ExposureVerdict | undefined {
  return f.exposureVerdict ?? (f.verdict === 'not-run' ? undefined : f.verdict);
}

/**
 * The finding with another static verdict: its sentence is the first reason (exposure/assess.ts) and is
 * replaced. A `not-run` finding stays `not-run`, its `exposureVerdict` changes.
 */
function withVerdict(f: Finding, verdict: ExposureVerdict, signals: Signals, deciding: string, extra: string[]): Finding {
  const privilegedConsumers = [...new Set(f.tamper.flatMap((p) => p.consumers.filter((c) => c.holds.length > 0).map((c) => c.job)))];
  const headline = verdictReason(verdict, signals, { privilegedConsumers, listed: f.exposure.secrets.length > 0 });
  return {
    ...f,
    ...(f.verdict === 'not-run' ? { exposureVerdict: verdict } : { verdict }),
    ruleIds: [deciding, ...f.ruleIds.filter((id) => id !== deciding)],
    reasons: [headline, ...f.reasons.slice(1), ...extra],
  };
}

/** What the finding still shows of the signals the verdict is made of (tamper paths and who consumes them). */
function tamperSignals(f: Finding): Pick<Signals, 'tamper' | 'tamperToPrivileged'> {
  const privileged = f.tamper.some((p) => p.consumers.some((c) => c.holds.length > 0)) || f.ruleIds.includes('self-hosted-runner');
  return { tamper: f.tamper.some((p) => p.consumers.length > 0) || privileged, tamperToPrivileged: privileged };
}

function circleci(f: Finding, facts: CircleCiStoredFacts, platformIncident: boolean): Finding {
  const { project } = facts;
  const reasons: string[] = [];
  let secrets = f.exposure.secrets;
  const vars = facts.projectVariables;
  if (isNotRead(vars)) {
    reasons.push(`Not read: the environment variables of CircleCI project ${project}: ${vars.notRead}. They reach every job of the project: assume they hold credentials.`);
  } else {
    secrets = secrets.flatMap((s) => (s === PROJECT_ENV_LABEL ? vars.map(projectVariableLabel) : [s]));
    if (vars.length > 0) {
      reasons.push(`CircleCI project ${project} stores the environment variables ${list(vars)} (names read from CircleCI, values never): they reach every job of the project, this one included, whatever its contexts.`);
    } else {
      reasons.push(
        facts.contexts.length === 0
          ? `CircleCI project ${project} stores no environment variables and the job uses no context: no stored variable reaches it (read from CircleCI).`
          : `CircleCI project ${project} stores no environment variables (read from CircleCI); the job's variables come from its contexts only.`,
      );
    }
  }
  for (const c of facts.contexts) reasons.push(contextText(c));
  reasons.push(checkoutText(facts.checkoutKeys, project), SSH_KEYS_NOT_LISTED);
  const next: Finding = { ...f, exposure: { ...f.exposure, secrets: [...new Set(secrets)] } };
  const was = staticOf(f);
  if (platformIncident || isNotRead(vars) || vars.length === 0 || was === undefined || VERDICT_RANK[was] <= VERDICT_RANK.high) {
    return { ...next, reasons: [...next.reasons, ...reasons] };
  }
  // Stored variables reach the job: it can read secrets (exposure/verdict.ts).
  const signals: Signals = { ...emptySignals(), secrets: true, ...tamperSignals(f) };
  const verdict = signals.tamperToPrivileged ? 'critical' : 'high';
  return withVerdict(next, verdict, signals, 'secrets', [
    ...reasons,
    `Verdict raised from ${was} to ${verdict}: the project's environment variables are secrets every job of it can read.`,
  ]);
}

function github(f: Finding, facts: GitHubTokenFacts): Finding {
  // Only a job (and workflow) without `permissions:` gets the repository default.
  if (f.exposure.permissions !== 'repository default') return f;
  const d = facts.defaultPermission;
  if (isNotRead(d)) {
    return { ...f, reasons: [...f.reasons, `Not read: the default workflow permission of ${facts.repo}: ${d.notRead}. GITHUB_TOKEN is counted as may-write.`] };
  }
  const approve = d.canApprovePullRequests ? ' GitHub Actions may also approve pull requests in this repository: the token can approve a pull request that a payload opens.' : '';
  const org = d.source;
  if (d.value === 'write') {
    if (org !== undefined) {
      return {
        ...f,
        exposure: { ...f.exposure, permissions: 'organisation default (write)' },
        reasons: [
          ...f.reasons,
          `${facts.repo}'s own default workflow permission could not be read (${org.repositoryNotRead}); the organisation default of ${org.organisation} is write (read from GitHub): the repository may have restricted it to read, so it is counted as write — this job's GITHUB_TOKEN can push commits and tags and create releases.${approve}`,
        ],
      };
    }
    return {
      ...f,
      exposure: { ...f.exposure, permissions: 'repository default (write)' },
      reasons: [...f.reasons, `${facts.repo}'s default workflow permission is write (read from GitHub): this job's GITHUB_TOKEN can push commits and tags and create releases — a payload can change what the repository ships.${approve}`],
    };
  }
  const next: Finding = {
    ...f,
    exposure: { ...f.exposure, permissions: org === undefined ? 'repository default (read)' : 'organisation default (read)' },
    reasons: [
      ...f.reasons,
      org === undefined
        ? `${facts.repo}'s default workflow permission is read (read from GitHub): this job's GITHUB_TOKEN cannot push, tag or release.${approve}`
        : `${facts.repo}'s own default workflow permission could not be read (${org.repositoryNotRead}); the organisation default of ${org.organisation} is read (read from GitHub), which binds its repositories: this job's GITHUB_TOKEN cannot push, tag or release.${approve}`,
    ],
  };
  // Lowered only where the token alone decided a `high`: no secrets and no release (a release with the
  // default token would have been critical), as the deciding rule shows.
  if (staticOf(f) !== 'high' || f.ruleIds[0] !== 'token-permissions' || f.ruleIds.includes('deploy')) return next;
  const signals: Signals = { ...emptySignals(), ...tamperSignals(f) };
  const verdict = signals.tamper || signals.tamperToPrivileged ? 'medium' : 'low';
  const deciding = f.tamper.some((p) => p.consumers.length > 0) ? 'tamper' : f.ruleIds.includes('self-hosted-runner') ? 'self-hosted-runner' : 'compromised-component';
  return withVerdict(next, verdict, signals, deciding, [
    `Verdict lowered from high to ${verdict}: the token was its only reason, and the ${org === undefined ? "repository's" : "organisation's"} default gives it read access only.`,
  ]);
}

/**
 * The finding with the platform's facts about what it really had. Not affected findings and findings of
 * another platform come back as they are.
 */
export function withStoredSecrets(f: Finding, facts: StoredSecretFacts, options: { platformIncident?: boolean } = {}): Finding {
  if (!f.affected || f.platform !== facts.platform) return f;
  return facts.platform === 'circleci' ? circleci(f, facts, options.platformIncident === true) : github(f, facts);
}
