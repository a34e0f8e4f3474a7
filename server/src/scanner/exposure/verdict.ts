/**
 * The verdict of an affected job, from the rules' signals:
 *   critical  secrets reachable AND a path to release/deploy (it deploys, or a consumer of what it
 *             writes — or a job sharing its persistent runner — deploys or holds secrets; for a platform
 *             breach: it uses stored credentials a deploying job uses too)
 *   high      secrets or a write token reachable
 *   medium    a tamper path only
 *   low       isolated: no secrets, read-only token, nothing consumed downstream
 */
import type { Verdict } from '../model';
import type { Signals } from './rule';

export const VERDICT_RANK: Record<Verdict, number> = { critical: 0, high: 1, medium: 2, low: 3 };

export function emptySignals(): Signals {
  return { secrets: false, writeToken: false, deploys: false, tamper: false, tamperToPrivileged: false, forkOnly: false, deployCredentials: false };
}

export function verdictOf(s: Signals): Verdict {
  const secrets = s.secrets && !s.forkOnly;
  const writeToken = s.writeToken && !s.forkOnly;
  if (secrets && (s.deploys || s.tamperToPrivileged || s.deployCredentials)) return 'critical';
  if (secrets || writeToken) return 'high';
  if (s.tamper || s.tamperToPrivileged) return 'medium';
  return 'low';
}

/** The sentence that says why the verdict is what it is (details follow in the rules' reasons). */
/** What a medium/low job still exposes when its SECRETS are not empty. */
const LISTED = "no secrets of its own beyond those listed (what the platform gives every job, and the component's own credential)";

/**
 * `listed`: the finding's exposure still names secrets (project-level variables, the job token, the
 * component's own credential), so the sentence says they are the only ones rather than "no secrets".
 */
export function verdictReason(verdict: Verdict, s: Signals, privilegedConsumers: readonly string[] = [], listed = false): string {
  switch (verdict) {
    case 'critical': {
      const shown = privilegedConsumers.slice(0, 5).map((c) => `\`${c}\``);
      if (privilegedConsumers.length > 5) shown.push(`${privilegedConsumers.length - 5} more`);
      const which = privilegedConsumers.length === 1 ? 'which deploys or holds secrets' : 'which deploy or hold secrets';
      const via = privilegedConsumers.length > 0 ? `what it writes or leaves on its runner reaches ${shown.length > 1 ? `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1] ?? ''}` : shown.join('')}, ${which}` : 'what it writes or leaves on its runner reaches jobs that deploy or hold secrets';
      return `Critical: the job can read secrets and has a path to release or deploy (${[s.deploys ? 'it deploys itself' : '', s.tamperToPrivileged ? via : ''].filter((x) => x !== '').join('; ')}).`;
    }
    case 'high':
      return `High: ${[s.secrets ? 'the job can read secrets' : '', s.writeToken ? 'its token can (or may) write' : ''].filter((x) => x !== '').join(' and ')}; no path to a release or deploy was found in the config.`;
    case 'medium':
      return `Medium: the job reads ${listed ? LISTED : 'no secrets'} and its token cannot write, but other jobs consume what it writes (tamper path).`;
    case 'low':
      return `Low: isolated — ${listed ? LISTED : 'no secrets reachable'}, a read-only token (or none), and nothing it writes is consumed by another job.`;
  }
}

/**
 * The verdict sentence of a platform incident: the breach took the stored secrets whichever job ran, so
 * what ranks a job is whether those secrets deploy (it deploys with them) or only reach it.
 */
export function platformVerdictReason(verdict: Verdict, held: readonly string[], s: Signals): string {
  const what = held.length > 0 ? held.map((h) => `\`${h}\``).join(', ') : 'the project-level secrets';
  switch (verdict) {
    case 'critical':
      return s.deploys
        ? `Critical: the breach exposed the stored secrets this job deploys with (${what}); whoever holds them can release or deploy as this job does.`
        : `Critical: the breach exposed the stored secrets this job uses (${what}), and a deploying job uses the same context(s): whoever holds them can deploy.`;
    case 'high':
      return `High: the breach exposed the stored secrets this job uses (${what}); it does not deploy.`;
    case 'medium':
    case 'low':
      return `${verdict === 'medium' ? 'Medium' : 'Low'}: the breach exposed the project's stored secrets, but this job uses none of them.`;
  }
}

