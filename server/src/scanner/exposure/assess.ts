/**
 * assessJob: runs every exposure rule for one affected job and builds its Finding — exposure (names
 * only), tamper paths with their consumers, the verdict with reasons, and hardening advice.
 */
import type { ChainLink, Finding, Match, Pipeline, ResolvedJob } from '../model';
import { contextsRule } from './contexts';
import { deployRule } from './deploy';
import { oidcRule } from './oidc';
import { permissionsRule } from './permissions';
import { platformRule } from './platform';
import type { ExposureRule, RuleResult, Signals } from './rule';
import { secretsRule } from './secrets';
import { selfHostedRule } from './self-hosted';
import { tamperRule } from './tamper';
import { triggerRule } from './trigger';
import { emptySignals, verdictOf, verdictReason } from './verdict';

/** Every exposure rule, in the order their reasons appear. */
export const EXPOSURE_RULES: readonly ExposureRule[] = [platformRule, contextsRule, secretsRule, oidcRule, permissionsRule, selfHostedRule, triggerRule, deployRule, tamperRule];

const SHA = /^[0-9a-f]{40}$/i;

/** The last link: the indicator's component as the job reaches it. */
function target(chain: readonly ChainLink[]): ChainLink | undefined {
  return chain[chain.length - 1];
}

function pinAdvice(match: Match): string | undefined {
  const first = match.chain[0];
  if (!first) return undefined;
  const last = target(match.chain);
  switch (first.kind) {
    case 'gha-action':
    case 'gha-reusable-workflow': {
      const ref = first.ref.split('@')[1];
      if (ref !== undefined && SHA.test(ref)) return undefined;
      return `Least privilege over the code you run: pin \`${first.ref.split('@')[0]}\` to a full commit SHA of a reviewed release (a tag can be moved, as in this incident).`;
    }
    case 'orb':
    case 'orb-element':
      return `Pin the orb behind \`${first.ref}\` to an exact reviewed version (never \`@volatile\` or a major-only range), and review its source for fetched scripts.`;
    case 'gitlab-include':
      return `Pin the include \`${first.ref}\` to a commit SHA (\`ref:\`), not a branch or tag.`;
    case 'script-url':
      return `Do not pipe \`${last?.ref ?? first.ref}\` into a shell: download a pinned release, verify its checksum or signature, then run it.`;
    case 'image':
      return `Pin the image \`${first.ref}\` by digest (\`@sha256:…\`).`;
    default:
      return undefined;
  }
}

/** Builds the finding of one match of one job. */
export function assessJob(resolved: ResolvedJob, pipeline: Pipeline, resolvedJobs: readonly ResolvedJob[], match: Match): Finding {
  const job = resolved.job;
  const platformIncident = match.indicator.kind === 'platform';
  const input = { resolved, job, pipeline, jobs: resolvedJobs, match, platformIncident };
  const results: RuleResult[] = EXPOSURE_RULES.map((r) => r.check(input));

  const signals: Signals = emptySignals();
  for (const r of results) Object.assign(signals, Object.fromEntries(Object.entries(r.signals).filter(([, v]) => v === true)));

  const exposure: Finding['exposure'] = { contexts: [], secrets: [], permissions: 'not applicable', oidc: false, selfHosted: false, triggers: [] };
  for (const r of results) {
    const e = r.exposure;
    if (e.contexts) exposure.contexts = [...new Set([...exposure.contexts, ...e.contexts])];
    if (e.secrets) exposure.secrets = [...new Set([...exposure.secrets, ...e.secrets])];
    if (e.permissions !== undefined) exposure.permissions = e.permissions;
    if (e.oidc !== undefined) exposure.oidc = exposure.oidc || e.oidc;
    if (e.selfHosted !== undefined) exposure.selfHosted = exposure.selfHosted || e.selfHosted;
    if (e.triggers) exposure.triggers = [...new Set([...exposure.triggers, ...e.triggers])];
  }

  const first = match.chain[0];
  const where = first?.file !== undefined && first.line !== undefined ? { file: first.file, line: first.line } : { file: job.pos.file, line: job.pos.line };
  const chainText = match.chain.map((l) => l.ref).join(' → ');
  const base = {
    repo: pipeline.repo,
    file: where.file,
    line: where.line,
    platform: pipeline.platform,
    workflow: job.workflow,
    job: job.name,
    chain: match.chain,
    exposure,
    indicator: match.indicator.id,
  };

  if (!match.affected) {
    return {
      ...base,
      affected: false,
      tamper: [],
      verdict: 'low',
      reasons: [`Not affected: ${match.refReason} (${where.file}:${where.line}, ${chainText}).`],
      advice: ['Keep the SHA pin, and update it only to reviewed commits.'],
    };
  }

  const verdict = verdictOf(signals);
  const tamper = results.flatMap((r) => r.tamper);
  const privilegedConsumers = [...new Set(tamper.flatMap((p) => p.consumers.filter((c) => c.holds.length > 0).map((c) => c.job)))];
  const unresolved = match.chain.filter((l) => l.unresolved).map((l) => l.ref);
  const reasons = [
    verdictReason(verdict, signals, privilegedConsumers),
    platformIncident ? `${match.refReason}.` : `Runs ${chainText} (${where.file}:${where.line}): ${match.refReason}.`,
    ...(unresolved.length > 0 ? [`The chain passes through unresolved component(s) ${unresolved.map((u) => `\`${u}\``).join(', ')}: what they run was not read.`] : []),
    ...results.flatMap((r) => r.reasons),
  ];
  const advice: string[] = [];
  const pin = platformIncident ? undefined : pinAdvice(match);
  if (pin) advice.push(pin);
  if (verdict === 'low') advice.push('Keep this job isolated: no contexts or secrets, a read-only token, and nothing other jobs consume.');
  for (const r of results) for (const a of r.advice) if (!advice.includes(a)) advice.push(a);
  return { ...base, affected: true, tamper, verdict, reasons: reasons.map((r) => r.replace(/\.\.$/, '.')), advice };
}
