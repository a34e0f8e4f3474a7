/**
 * assessJob: runs every exposure rule for one affected job and builds its Finding — exposure (names
 * only), tamper paths with their consumers, the verdict with reasons, and hardening advice.
 */
import { INCLUDE_TAKES_NOTHING } from '../indicators/match';
import type { Finding, Job, Match, Pipeline, ResolvedJob, TamperPath } from '../model';
import { chainRefs, componentRule, findingPosition } from './component';
import { contextsRule } from './contexts';
import { deployRule, publishCredentials, releasePaths } from './deploy';
import { oidcRule } from './oidc';
import { permissionsRule } from './permissions';
import { platformRule } from './platform';
import type { ExposureRule, RuleResult, Signals } from './rule';
import { secretsRule } from './secrets';
import { selfHostedRule } from './self-hosted';
import { tamperRule } from './tamper';
import { triggerRule } from './trigger';
import { decidingSignals, emptySignals, platformVerdictReason, verdictOf, verdictReason } from './verdict';

export { findingPosition } from './component';

/** Every exposure rule, in the order their reasons appear. */
export const EXPOSURE_RULES: readonly ExposureRule[] = [componentRule, platformRule, contextsRule, secretsRule, oidcRule, permissionsRule, selfHostedRule, triggerRule, deployRule, tamperRule];

/** A rule fired when it said something about the finding: a reason, a signal or a tamper path. */
function fired(r: RuleResult): boolean {
  return r.reasons.length > 0 || r.tamper.length > 0 || Object.values(r.signals).some((v) => v === true);
}

/**
 * The ids of the rules that fired, the one that decided the verdict first: the first rule (in rule
 * order) that set the verdict's most telling signal; for an isolated (`low`) job, the component rule.
 */
function ruleIdsOf(results: readonly RuleResult[], deciding: ReadonlyArray<keyof Signals>): string[] {
  const ids = results.filter(fired).map((r) => r.rule.id);
  let first: string | undefined;
  for (const signal of deciding) {
    first = results.find((r) => r.signals[signal] === true)?.rule.id;
    if (first !== undefined) break;
  }
  first ??= componentRule.meta.id;
  return [first, ...ids.filter((id) => id !== first)];
}

/** What to do about a use that is not affected, by why it is not. */
function notAffectedAdvice(match: Match): string {
  if (match.refReason.startsWith(INCLUDE_TAKES_NOTHING)) {
    return 'Nothing of the include runs in this job today; it would if the job came to extend its templates or the include added `default:` or `variables:` — pin the include to a reviewed commit SHA.';
  }
  if (match.refReason.startsWith('pinned to a safe SHA')) return 'Keep the SHA pin, and update it only to reviewed commits.';
  return 'This ref is outside the affected refs: stay on it (better, pin it to a full commit SHA or digest) and do not move to an affected ref.';
}

/**
 * Builds the finding of one match of one job. `resolvedJobs` are the repository's jobs on the same
 * platform, `pipelines` the pipelines they belong to (default: only `pipeline`).
 */
export function assessJob(resolved: ResolvedJob, pipeline: Pipeline, resolvedJobs: readonly ResolvedJob[], match: Match, pipelines: readonly Pipeline[] = [pipeline]): Finding {
  const job = resolved.job;
  const platformIncident = match.indicator.kind === 'platform';
  const input = { resolved, job, pipeline, jobs: resolvedJobs, pipelines, match, platformIncident };
  const results: RuleResult[] = EXPOSURE_RULES.map((r) => r.check(input));

  const signals: Signals = emptySignals();
  for (const r of results) {
    const s = r.signals;
    for (const k in s) if (s[k as keyof Signals] === true) signals[k as keyof Signals] = true;
  }

  const exposure: Finding['exposure'] = { contexts: [], secrets: [], permissions: 'not applicable', oidc: false, selfHosted: false, triggers: [] };
  for (const r of results) {
    const e = r.exposure;
    if (e.contexts) exposure.contexts = union(exposure.contexts, e.contexts);
    if (e.secrets) exposure.secrets = union(exposure.secrets, e.secrets);
    if (e.permissions !== undefined) exposure.permissions = e.permissions;
    if (e.oidc !== undefined) exposure.oidc = exposure.oidc || e.oidc;
    if (e.selfHosted !== undefined) exposure.selfHosted = exposure.selfHosted || e.selfHosted;
    if (e.triggers) exposure.triggers = union(exposure.triggers, e.triggers);
  }

  const where = findingPosition(match, job);
  if (!match.affected) {
    return findingOf(pipeline, job, where, match, exposure, {
      affected: false,
      tamper: [],
      verdict: 'low',
      ruleIds: [],
      reasons: [`Not affected: ${match.refReason} (${where.file}:${where.line}, ${chainRefs(match)}).`],
      advice: [notAffectedAdvice(match)],
    });
  }

  const verdict = verdictOf(signals);
  const tamper: TamperPath[] = [];
  for (const r of results) for (const t of r.tamper) tamper.push(t);
  const privilegedConsumers = [...new Set(tamper.flatMap((p) => p.consumers.filter((c) => c.holds.length > 0).map((c) => c.job)))];
  const headline = platformIncident
    ? platformVerdictReason(verdict, exposure.secrets, signals)
    : verdictReason(verdict, signals, {
        privilegedConsumers,
        listed: exposure.secrets.length > 0,
        releases: signals.deploys ? releasePaths(job) : [],
        publishWith: signals.deploys ? publishCredentials(job, resolved, match) : [],
      });
  // (A sentence ending in a name that ends with a period keeps one period.)
  const reasons = [oneFinalPeriod(headline)];
  for (const r of results) for (const x of r.reasons) reasons.push(oneFinalPeriod(x));
  // The component rule's advice (pin what runs) first, then keeping an isolated job isolated, then the other rules'.
  const advice: string[] = [];
  for (const r of results) {
    for (const a of r.advice) if (!advice.includes(a)) advice.push(a);
    if (r.rule === componentRule.meta && verdict === 'low') advice.push('Keep this job isolated: no contexts or secrets, a read-only token, and nothing other jobs consume.');
  }
  return findingOf(pipeline, job, where, match, exposure, { affected: true, tamper, verdict, ruleIds: ruleIdsOf(results, decidingSignals(verdict, signals)), reasons, advice });
}

/** A finding: one object literal, its keys in the report's order (no spread of a shared base). */
function findingOf(
  pipeline: Pipeline,
  job: Job,
  where: { file: string; line: number },
  match: Match,
  exposure: Finding['exposure'],
  decided: Pick<Finding, 'affected' | 'tamper' | 'verdict' | 'ruleIds' | 'reasons' | 'advice'>,
): Finding {
  return {
    repo: pipeline.repo,
    file: where.file,
    line: where.line,
    platform: pipeline.platform,
    workflow: job.workflow,
    job: job.name,
    jobId: job.id,
    jobFile: job.pos.file,
    chain: match.chain,
    exposure,
    indicator: match.indicator.id,
    affected: decided.affected,
    tamper: decided.tamper,
    verdict: decided.verdict,
    ruleIds: decided.ruleIds,
    reasons: decided.reasons,
    advice: decided.advice,
  };
}

/** `…..` → `….` (as `replace(/\.\.$/, '.')`). */
function oneFinalPeriod(s: string): string {
  return s.endsWith('..') ? s.slice(0, -1) : s;
}

/** `a` then the items of `b` not in it, each once (as `[...new Set([...a, ...b])]`). */
function union(a: readonly string[], b: readonly string[]): string[] {
  if (b.length === 0) return a.length === 0 ? [] : [...new Set(a)];
  return [...new Set(a.length === 0 ? b : [...a, ...b])];
}
