/**
 * The job itself releases or deploys: a payload there reaches users directly. What it releases is a
 * tamper entry of its own (`release: the image pushed at build.yaml:70`), and the credentials it can
 * publish with are named: a job that releases with one is critical (verdict.ts).
 */
import type { ArtifactFlow, Job, Match, ResolvedJob, TamperPath } from '../model';
import { hit, jobLabel, names, type ExposureRule, type RuleMeta } from './rule';
import { onlyForkTriggers, permissionsText, secretLabel } from './holdings';
import { exposingCredentials } from './secrets';

export const deployMeta: RuleMeta = {
  id: 'deploy',
  description: 'The job releases or deploys (environment, release/publish steps, deploy commands): a direct path to users',
  severity: 'critical',
  confidence: 'medium',
};

/** Release flows named in a reason or a headline, at most. */
const MAX_RELEASES = 4;

/** GitHub token scopes that publish: releases and tags, packages and images, deployments, Pages. */
const PUBLISHING_SCOPES = ['contents', 'packages', 'deployments', 'pages'] as const;

/** What a release flow publishes, as read: `the image pushed`, `the package published`, `the release uploaded`. */
function releasePhrase(flow: ArtifactFlow): string {
  const name = flow.name ?? '';
  if (/docker|image|buildx|kaniko|buildah|podman|\bko\b/i.test(name)) return 'the image pushed';
  if (/publish|npm|yarn|pnpm|twine|pypi|cargo|gem|maven|gradle|package|semantic-release|changeset|lerna/i.test(name)) return 'the package published';
  if (/release|goreleaser/i.test(name)) return 'the release uploaded';
  if (/pages/i.test(name)) return 'the site deployed';
  // Image tags as written (`docker/build-push-action` records its `tags:`): `ghcr.io/acme/app:1.2`.
  if (/^[\w.-]+(?::\d+)?\/[\w./-]+(?::[\w.-]+)?(?:,\s*\S+)*$/.test(name)) return 'the image pushed';
  return 'what it publishes';
}

/**
 * The paths by which the job releases or deploys, one sentence each: `the image pushed at
 * .github/workflows/build.yaml:70 (docker push)`; a job that deploys without a release step: its
 * environment, or the job itself.
 */
export function releasePaths(job: Job): string[] {
  const releases = job.produces.filter((f) => f.via === 'release');
  if (releases.length > 0) {
    const texts = releases.map((f) => {
      const phrase = releasePhrase(f);
      const how = f.name === undefined || f.name === '' ? '' : ` (${f.name})`;
      return `${phrase} at ${f.pos.file}:${f.pos.line}${how}`;
    });
    return [...new Set(texts)];
  }
  if (job.environment) return [`the deployment to environment \`${job.environment}\` (${job.pos.file}:${job.pos.line})`];
  return [`what it deploys (${job.pos.file}:${job.pos.line}, by its name or what it runs)`];
}

/**
 * The credentials the job can release or deploy with, by name: the secrets it exposes (not the
 * affected component's own), OIDC, a GITHUB_TOKEN whose scopes publish (or may: the repository
 * default), and what the platform gives every job (CircleCI project variables, GitLab CI/CD variables
 * and CI_JOB_TOKEN, which pushes to the project's registries and creates releases). Empty for a job
 * that only runs for fork pull requests.
 */
export function publishCredentials(job: Job, resolved: ResolvedJob, match: Match): string[] {
  if (onlyForkTriggers(job)) return [];
  const out = exposingCredentials(job, resolved, match).map(secretLabel);
  for (const c of job.contexts) out.push(`context ${c}`);
  if (job.oidc && !out.some((o) => o.includes('OIDC'))) out.push('OIDC token');
  const p = job.permissions;
  if (p.kind === 'write-all') out.push('GITHUB_TOKEN (write-all)');
  else if (p.kind === 'default') out.push('GITHUB_TOKEN (repository default, which may be write)');
  else if (p.kind === 'scopes') {
    const publishing = PUBLISHING_SCOPES.filter((s) => p.scopes[s] === 'write');
    if (publishing.length > 0) out.push(`GITHUB_TOKEN (${publishing.map((s) => `${s}: write`).join(', ')})`);
  }
  for (const s of job.secrets) {
    if (s.kind === 'project-env') out.push(secretLabel(s));
    else if (s.kind === 'ci-token' && s.name === 'CI_JOB_TOKEN') out.push('CI_JOB_TOKEN');
  }
  return [...new Set(out)];
}

export const deployRule: ExposureRule = {
  meta: deployMeta,
  check({ job, resolved, match, platformIncident }) {
    const h = hit(deployMeta);
    if (!job.deploys || onlyForkTriggers(job)) return h.build();
    if (platformIncident) {
      // The breach ran no code in the job: what matters is that the credentials it deploys with leaked.
      return h.signal('deploys').reason(`${jobLabel(job)} deploys: the stored credentials it deploys with were exposed by the breach.`).build();
    }
    const releases = job.produces.filter((f) => f.via === 'release');
    const what =
      releases.length > 0
        ? `releases (${releases
            .slice(0, MAX_RELEASES)
            .map((f) => `${f.name ?? 'release'} at ${f.pos.file}:${f.pos.line}`)
            .join('; ')})`
        : job.environment
          ? `deploys to environment \`${job.environment}\``
          : 'deploys (by its name or what it runs)';
    const paths: TamperPath[] = releasePaths(job)
      .slice(0, MAX_RELEASES)
      .map((name) => ({ via: 'release', name, consumers: [] }));
    const credentials = publishCredentials(job, resolved, match);
    h.signal('deploys')
      .tamper(paths)
      .reason(`${jobLabel(job)} ${what}: code running in it can change what is released.`)
      .advice('Separation of privileges: keep third-party components out of the release/deploy job; build in an unprivileged job and let the deploy job verify what it ships (checksums, attestations).');
    if (credentials.length > 0) {
      h.signal('publishCredential').reason(`It can publish with ${names(credentials, 8)}: a payload can release or deploy its own code with them.`);
    } else {
      h.reason(
        `No credential it could publish with was found in the config (no secrets, token permissions \`${permissionsText(job.permissions)}\`): check how it authenticates — a login kept on a self-hosted runner, a credential helper, variables set outside the config.`,
      );
    }
    return h.build();
  },
};
