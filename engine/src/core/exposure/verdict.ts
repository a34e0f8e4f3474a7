/**
 * The verdict of an affected job, from the rules' signals:
 *   critical  it releases or deploys itself with a credential that can publish (deploy.ts); or secrets
 *             reachable AND a path to release/deploy (a consumer of what it writes — or a job sharing
 *             its persistent runner — deploys or holds secrets; for a platform breach: it uses stored
 *             credentials a deploying job uses too)
 *   high      secrets or a write token reachable, or it releases/deploys with no credential found
 *             (how it authenticates is not in the config: not a reason to rank it lower)
 *   medium    a tamper path only
 *   low       isolated: no secrets, read-only token, nothing consumed downstream, no release
 * The headline (verdictReason) is written from the same signals, so that it never contradicts the
 * rules' reasons: it never says "no path to a release" of a job that releases or feeds one.
 */
import type { ExposureVerdict, Verdict } from '../model';
import type { Signals } from './rule';

/** A finding that did not run in the window (exposure/run-verdict.ts) comes after every static verdict. */
export const VERDICT_RANK: Record<Verdict, number> = { critical: 0, high: 1, medium: 2, low: 3, 'not-run': 4 };

export function emptySignals(): Signals {
  return { secrets: false, writeToken: false, deploys: false, publishCredential: false, tamper: false, tamperToPrivileged: false, forkOnly: false, deployCredentials: false };
}

/** The signals that count: a job that only runs for fork pull requests gets no secrets, a read-only token and releases nothing. */
function effective(s: Signals): { secrets: boolean; writeToken: boolean; deploys: boolean; canPublish: boolean } {
  const secrets = s.secrets && !s.forkOnly;
  const deploys = s.deploys && !s.forkOnly;
  return { secrets, writeToken: s.writeToken && !s.forkOnly, deploys, canPublish: secrets || (s.publishCredential && !s.forkOnly) };
}

export function verdictOf(s: Signals): ExposureVerdict {
  const e = effective(s);
  if (e.deploys && e.canPublish) return 'critical';
  if (e.secrets && (s.tamperToPrivileged || s.deployCredentials)) return 'critical';
  if (e.secrets || e.writeToken || e.deploys) return 'high';
  if (s.tamper || s.tamperToPrivileged) return 'medium';
  return 'low';
}

/**
 * The signals that decide each verdict, most telling first: the rule that set the first of them (in
 * rule order) is the finding's deciding rule (assess.ts puts its id first in `ruleIds`).
 */
export function decidingSignals(verdict: ExposureVerdict, s: Signals): Array<keyof Signals> {
  const e = effective(s);
  switch (verdict) {
    case 'critical':
      return e.deploys && e.canPublish ? ['deploys'] : ['deployCredentials', 'tamperToPrivileged'];
    case 'high':
      return ['secrets', 'writeToken', 'deploys'];
    case 'medium':
      return ['tamperToPrivileged', 'tamper'];
    case 'low':
      return [];
  }
}

/** What a medium/low job still exposes when its SECRETS are not empty. */
const LISTED = "no secrets of its own beyond those listed (what the platform gives every job, and the component's own credential)";

/** What the headline names besides the signals. */
export interface HeadlineFacts {
  /** Consumers of what the job writes (or jobs on its runner) that deploy or hold secrets. */
  privilegedConsumers?: readonly string[];
  /** The finding's exposure still names secrets (project-level variables, the job token, the component's own credential). */
  listed?: boolean;
  /** How the job releases or deploys (deploy.ts `releasePaths`). */
  releases?: readonly string[];
  /** What it can publish with (deploy.ts `publishCredentials`). */
  publishWith?: readonly string[];
}

/** `a`, `a and b`, `a, b and c`, at most `max` then how many more. */
function list(items: readonly string[], max: number, quote = false): string {
  const shown = items.slice(0, max).map((i) => (quote ? `\`${i}\`` : i));
  if (items.length > max) shown.push(`${items.length - max} more`);
  return shown.length <= 1 ? shown.join('') : `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1] ?? ''}`;
}

/** The sentence that says why the verdict is what it is (details follow in the rules' reasons). */
export function verdictReason(verdict: ExposureVerdict, s: Signals, facts: HeadlineFacts = {}): string {
  const e = effective(s);
  const consumers = facts.privilegedConsumers ?? [];
  const releases = list(facts.releases ?? [], 3) || 'what it releases';
  const reaches =
    consumers.length > 0
      ? `what it writes or leaves on its runner reaches ${list(consumers, 5, true)}, ${consumers.length === 1 ? 'which deploys or holds secrets' : 'which deploy or hold secrets'}`
      : 'what it writes or leaves on its runner reaches jobs that deploy or hold secrets';
  switch (verdict) {
    case 'critical': {
      const publishWith = facts.publishWith ?? [];
      const paths = [
        e.deploys && e.canPublish ? `it releases or deploys itself — ${releases} — with ${publishWith.length > 0 ? list(publishWith, 4) : 'the secrets it can read'}` : '',
        e.secrets && s.tamperToPrivileged ? reaches : '',
        e.secrets && s.deployCredentials ? 'it uses the stored credentials of a deploying job' : '',
      ].filter((x) => x !== '');
      const who = e.secrets ? 'the job can read secrets and has a path to release or deploy' : 'the job can publish and has a path to release or deploy';
      return `Critical: ${who} (${paths.join('; ')}).`;
    }
    case 'high': {
      const holds = [e.secrets ? 'the job can read secrets' : '', e.writeToken ? 'its token can (or may) write' : ''].filter((x) => x !== '').join(' and ');
      let path = 'no path to a release or deploy was found in the config';
      if (e.deploys) {
        path = `it releases or deploys (${releases}), but no credential it could publish with was found in the config: how it authenticates is not known`;
      } else if (s.tamperToPrivileged) {
        path = `${reaches}: a tamper path toward a release, though the job reads no secrets of its own`;
      }
      return holds === '' ? `High: ${path.charAt(0).toUpperCase()}${path.slice(1)}.` : `High: ${holds}; ${path}.`;
    }
    case 'medium':
      return `Medium: the job reads ${facts.listed === true ? LISTED : 'no secrets'} and its token cannot write, but other jobs consume what it writes (tamper path${s.tamperToPrivileged ? `; ${reaches}` : ''}).`;
    case 'low':
      return `Low: isolated — ${facts.listed === true ? LISTED : 'no secrets reachable'}, a read-only token (or none), nothing it writes is consumed by another job, and it releases nothing.`;
  }
}

/**
 * The verdict sentence of a platform incident: the breach took the stored secrets whichever job ran, so
 * what ranks a job is whether those secrets deploy (it deploys with them) or only reach it.
 */
export function platformVerdictReason(verdict: ExposureVerdict, held: readonly string[], s: Signals): string {
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

