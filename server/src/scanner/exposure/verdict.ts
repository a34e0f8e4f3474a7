/**
 * The verdict of an affected job, from the rules' signals:
 *   critical  secrets reachable AND a path to release/deploy (it deploys, or a consumer of what it
 *             writes — or a job sharing its persistent runner — deploys or holds secrets)
 *   high      secrets or a write token reachable
 *   medium    a tamper path only
 *   low       isolated: no secrets, read-only token, nothing consumed downstream
 */
import type { Verdict } from '../model';
import type { Signals } from './rule';

export const VERDICT_RANK: Record<Verdict, number> = { critical: 0, high: 1, medium: 2, low: 3 };

export function emptySignals(): Signals {
  return { secrets: false, writeToken: false, deploys: false, tamper: false, tamperToPrivileged: false, forkOnly: false };
}

export function verdictOf(s: Signals): Verdict {
  const secrets = s.secrets && !s.forkOnly;
  const writeToken = s.writeToken && !s.forkOnly;
  if (secrets && (s.deploys || s.tamperToPrivileged)) return 'critical';
  if (secrets || writeToken) return 'high';
  if (s.tamper || s.tamperToPrivileged) return 'medium';
  return 'low';
}

/** The sentence that says why the verdict is what it is (details follow in the rules' reasons). */
export function verdictReason(verdict: Verdict, s: Signals, privilegedConsumers: readonly string[] = []): string {
  switch (verdict) {
    case 'critical': {
      const via = privilegedConsumers.length > 0 ? `what it writes or leaves on its runner reaches ${privilegedConsumers.map((c) => `\`${c}\``).join(', ')}, which deploy or hold secrets` : 'what it writes or leaves on its runner reaches jobs that deploy or hold secrets';
      return `Critical: the job can read secrets and has a path to release or deploy (${[s.deploys ? 'it deploys itself' : '', s.tamperToPrivileged ? via : ''].filter((x) => x !== '').join('; ')}).`;
    }
    case 'high':
      return `High: ${[s.secrets ? 'the job can read secrets' : '', s.writeToken ? 'its token can (or may) write' : ''].filter((x) => x !== '').join(' and ')}; no path to a release or deploy was found in the config.`;
    case 'medium':
      return 'Medium: the job reads no secrets and its token cannot write, but other jobs consume what it writes (tamper path).';
    case 'low':
      return 'Low: isolated — no secrets reachable, a read-only token (or none), and nothing it writes is consumed by another job.';
  }
}
