/**
 * Secrets the job can read by name: `secrets.X`, `secrets: inherit`, `toJSON(secrets)`, `environment:`,
 * CI variables, secrets its components read, and what the incident's payload read of them.
 */
import type { Job, Match, ResolvedJob, SecretRef } from '../model';
import { at, hit, jobLabel, names, type ExposureRule, type RuleMeta } from './rule';
import { componentSecrets, credentials, onlyForkTriggers, secretLabel } from './holdings';

export const secretsMeta: RuleMeta = {
  id: 'secrets',
  description: 'Secrets the job can read (by name), and which of them the incident payload could read',
  severity: 'high',
  confidence: 'high',
};

/** `during the incident window (a – b)`, or, for an open window (an indicator built from --component), `while the component could have been compromised`. */
export function windowText(indicator: { windowStart: string; windowEnd: string }): string {
  const open = indicator.windowStart.startsWith('1970-01-01') && indicator.windowEnd.startsWith('9999-');
  return open ? 'while the component could have been compromised (no incident window was given)' : `during the incident window (${indicator.windowStart} – ${indicator.windowEnd})`;
}

/** Does the payload read the whole environment / process memory (everything injected as env)? */
function readsWholeEnvironment(scope: string): boolean {
  return /\benv(ironment)?\b|memory|all (job )?secrets|secrets of the job|everything/i.test(scope);
}

/**
 * Names of the secrets read only by the affected component itself (the Codecov orb's CODECOV_TOKEN):
 * that component's own credential, reported and to be rotated, but not one the job exposes beyond it.
 */
export function componentOwnSecrets(job: Job, resolved: ResolvedJob, match: Match): Set<string> {
  const chainRefs = new Set(match.chain.map((l) => l.ref));
  return new Set(
    componentSecrets(resolved.components)
      .filter(({ secret, via }) => chainRefs.has(via.use.ref.raw) && !job.secrets.some((j) => j.name === secret.name))
      .map(({ secret }) => secret.name),
  );
}

/** The credentials (not contexts) the job exposes beyond the affected component's own. */
export function exposingCredentials(job: Job, resolved: ResolvedJob, match: Match): SecretRef[] {
  const ownOnly = componentOwnSecrets(job, resolved, match);
  return credentials(job, resolved.components).filter((s) => s.kind !== 'context' && !ownOnly.has(s.name));
}

export const secretsRule: ExposureRule = {
  meta: secretsMeta,
  check({ job, resolved, match, platformIncident }) {
    const creds = credentials(job, resolved.components).filter((s) => s.kind !== 'context');
    const ownOnly = componentOwnSecrets(job, resolved, match);
    // (exposingCredentials, from what is already at hand.)
    const exposing = ownOnly.size === 0 ? creds : creds.filter((s) => !ownOnly.has(s.name));
    const tokens = job.secrets.filter((s) => s.kind === 'ci-token').map((s) => s.name);
    const projectEnv = job.secrets.filter((s) => s.kind === 'project-env').map(secretLabel);
    const seen = new Set<string>();
    const labels: string[] = [];
    for (const label of [creds.map(secretLabel), tokens, projectEnv].flat()) {
      if (seen.has(label)) continue;
      seen.add(label);
      labels.push(label);
    }
    const h = hit(secretsMeta).exposure({ secrets: labels });
    if (creds.length === 0) return h.build();
    if (onlyForkTriggers(job) && !platformIncident) {
      h.reason(`${jobLabel(job)} references ${names(creds.map(secretLabel))}, but it only runs for fork pull requests, which get no secrets.`);
      return h.build();
    }
    if (exposing.length > 0) h.signal('secrets');
    for (const s of creds) {
      const where = at(s.pos, job.pos);
      switch (s.kind) {
        case 'inherit':
          h.reason(`${jobLabel(job)} passes \`secrets: inherit\` (${where}): every secret of the calling repository and organisation reaches the called workflow.`);
          break;
        case 'all-secrets':
          h.reason(`${jobLabel(job)} serialises every secret with \`toJSON(secrets)\` (${where}): all repository, organisation and environment secrets are in its memory.`);
          break;
        case 'environment':
          h.reason(`${jobLabel(job)} deploys to environment \`${s.name}\` (${where}): the environment's secrets are available to every step.`);
          break;
        default:
          break;
      }
    }
    const plain = exposing.filter((s) => s.kind === 'secret' || s.kind === 'variable' || s.kind === 'id-token');
    if (plain.length > 0) {
      const first = plain.find((s) => s.pos)?.pos;
      h.reason(`${jobLabel(job)} can read ${names(plain.map(secretLabel))} (first at ${at(first, job.pos)}).`);
    }
    for (const { secret, via } of componentSecrets(resolved.components)) {
      h.reason(
        ownOnly.has(secret.name)
          ? `\`${via.use.ref.raw}\` reads its own credential \`${secret.name}\` (${at(secret.pos, via.use.pos)}): rotate it, but on its own it does not widen what the job exposes.`
          : `\`${via.use.ref.raw}\` reads \`${secret.name}\` itself (${at(secret.pos, via.use.pos)}).`,
      );
    }
    const scope = match.indicator.exposureScope;
    if (/^unknown\b/i.test(scope)) {
      h.reason(`What the payload of ${match.indicator.title} read is not known: assume it read everything the job can read, in this job ${names(labels)}.`);
    } else if (scope) {
      const whole = readsWholeEnvironment(scope);
      h.reason(
        whole
          ? `The payload of ${match.indicator.title} read ${scope.replace(/\.$/, '')}: in this job that is ${names(labels)}.`
          : `The payload of ${match.indicator.title} read ${scope.replace(/\.$/, '')}; the job's secrets are ${names(labels)}.`,
      );
    }
    const component = match.chain[0]?.ref;
    if (exposing.length > 0 && component !== undefined && !platformIncident) {
      h.advice(`Separation of privileges: run \`${component}\` in a job that gets no secrets, and pass only its output (not its environment) to the jobs that hold ${names(exposing.map(secretLabel), 4)}.`);
    }
    // OIDC tokens are short-lived: nothing to rotate (the oidc rule says to review the role assumptions).
    const rotate = creds.filter((s) => s.kind !== 'id-token');
    if (rotate.length > 0 && !platformIncident) h.advice(`Rotate ${names(rotate.map(secretLabel))} if the job ran ${windowText(match.indicator)}.`);
    return h.build();
  },
};
