/**
 * assessJob: runs every exposure rule for one affected job and builds its Finding — exposure (names
 * only), tamper paths with their consumers, the verdict with reasons, and hardening advice.
 */
import { INCLUDE_TAKES_NOTHING } from '../indicators/match';
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
import { emptySignals, platformVerdictReason, verdictOf, verdictReason } from './verdict';

/** Every exposure rule, in the order their reasons appear. */
export const EXPOSURE_RULES: readonly ExposureRule[] = [platformRule, contextsRule, secretsRule, oidcRule, permissionsRule, selfHostedRule, triggerRule, deployRule, tamperRule];

const SHA = /^[0-9a-f]{40}$/i;

/** The last link: the indicator's component as the job reaches it. */
function target(chain: readonly ChainLink[]): ChainLink | undefined {
  return chain[chain.length - 1];
}

/** Links that are the repository's own files (local actions, workflows, includes): nothing to pin there. */
function isLocal(link: ChainLink): boolean {
  return link.kind === 'gha-local-action' || link.kind === 'gha-local-workflow' || (link.kind === 'gitlab-include' && !link.ref.includes('@') && !/^https?:/i.test(link.ref));
}

function pinAdvice(match: Match): string[] {
  // The first reference that is somebody else's code: through a local composite action, the action it uses.
  const first = match.chain.find((l) => !isLocal(l));
  if (!first) return [];
  const last = target(match.chain);
  const where = first !== match.chain[0] && first.file !== undefined && first.line !== undefined ? ` (${first.file}:${first.line})` : '';
  if (last?.kind === 'script-url') {
    // The script is fetched at run time: pinning what fetches it does not pin the script.
    const url = match.component.kind === 'script-url' ? match.component.id : last.ref;
    const script = `Do not pipe \`${url}\` into a shell: download a pinned release, verify its checksum or signature, then run it.`;
    return first === last ? [script] : [script, `\`${first.ref}\`${where} fetches that script at run time, so pinning it does not pin the script: move to a version that verifies what it downloads, or replace it.`];
  }
  switch (first.kind) {
    case 'gha-action':
    case 'gha-reusable-workflow': {
      const ref = first.ref.split('@')[1];
      if (ref !== undefined && SHA.test(ref)) return [];
      return [`Least privilege over the code you run: pin \`${first.ref.split('@')[0]}\`${where} to a full commit SHA of a reviewed release (a tag can be moved, as in this incident).`];
    }
    case 'orb':
    case 'orb-element':
      return [`Pin the orb behind \`${first.ref}\`${where} to an exact reviewed version (never \`@volatile\` or a major-only range), and review its source for fetched scripts.`];
    case 'gitlab-include':
      return [`Pin the include \`${first.ref}\`${where} to a commit SHA (\`ref:\`), not a branch or tag.`];
    case 'image':
      return [`Pin the image \`${first.ref}\`${where} by digest (\`@sha256:…\`).`];
    default:
      return [];
  }
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
 * Where a finding points (its `file:line`), one rule for every platform:
 *  - component incidents: the pipeline's own reference that leads to the component — the first link of
 *    the chain (a step's `uses:`, an orb command or orb job, an `include:` entry, the step whose shell
 *    text fetches the script), even when the component itself sits deeper (in an orb or action file);
 *    a GitLab job that takes an included template through `extends:` points at that `extends:` line
 *    (`ComponentUse.usedAt`), while its chain still starts at the `include:` entry;
 *  - job-level incidents (platform breach, pushed workflow, runner label), whose chain names no use: the
 *    job's own position — its entry under `workflows.<name>.jobs` on CircleCI (where its contexts are
 *    attached), its key under `jobs:` on GitHub, its top-level key on GitLab.
 * So one CircleCI job can be listed at its `codecov/upload` step for the Codecov incident and at its
 * workflow entry for the CircleCI breach: each line is where the reader checks that incident's claim.
 */
export function findingPosition(match: Match, job: ResolvedJob['job']): { file: string; line: number } {
  const first = match.chain[0];
  if (first?.file === undefined || first.line === undefined) return { file: job.pos.file, line: job.pos.line };
  const taken = takenAt(first, job);
  return taken ?? { file: first.file, line: first.line };
}

/**
 * Where the job takes the use of chain link `link` in, when the parser says it is elsewhere than the use
 * (`ComponentUse.usedAt`: a GitLab job's `extends:` line for the include that defines its template).
 */
function takenAt(link: ChainLink, job: ResolvedJob['job']): { file: string; line: number } | undefined {
  let index = TAKEN_AT.get(job);
  if (!index) {
    index = new Map();
    for (const use of [...job.uses, ...job.steps.flatMap((s) => s.from ?? [])]) {
      const key = `${use.ref.kind}\u0000${use.ref.raw}\u0000${use.pos.file}\u0000${use.pos.line}`;
      if (use.usedAt && !index.has(key)) index.set(key, { file: use.usedAt.file, line: use.usedAt.line });
    }
    TAKEN_AT.set(job, index);
  }
  return index.get(`${link.kind}\u0000${link.ref}\u0000${link.file ?? ''}\u0000${link.line ?? ''}`);
}

/** Per job, where it takes each use that it takes elsewhere than the use (built once per job). */
const TAKEN_AT = new WeakMap<ResolvedJob['job'], Map<string, { file: string; line: number }>>();

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

  const where = findingPosition(match, job);
  const first = match.chain[0];
  // A GitLab job that takes an included template through `extends:` is found at that line; say where the include is too.
  const whereText =
    first?.file !== undefined && first.line !== undefined && (first.file !== where.file || first.line !== where.line)
      ? `${where.file}:${where.line}, through the include at ${first.file}:${first.line}`
      : `${where.file}:${where.line}`;
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
      advice: [notAffectedAdvice(match)],
    };
  }

  const verdict = verdictOf(signals);
  const tamper = results.flatMap((r) => r.tamper);
  const privilegedConsumers = [...new Set(tamper.flatMap((p) => p.consumers.filter((c) => c.holds.length > 0).map((c) => c.job)))];
  const unresolved = match.chain.filter((l) => l.unresolved).map((l) => l.ref);
  const reasons = [
    platformIncident ? platformVerdictReason(verdict, exposure.secrets, signals) : verdictReason(verdict, signals, privilegedConsumers, exposure.secrets.length > 0),
    platformIncident ? `${match.refReason.charAt(0).toUpperCase()}${match.refReason.slice(1)}.` : `Runs ${chainText} (${whereText}): ${match.refReason}.`,
    ...(unresolved.length > 0 ? [`The chain passes through unresolved component(s) ${unresolved.map((u) => `\`${u}\``).join(', ')}: what they run was not read.`] : []),
    ...results.flatMap((r) => r.reasons),
  ];
  const advice: string[] = [];
  if (!platformIncident) advice.push(...pinAdvice(match));
  if (verdict === 'low') advice.push('Keep this job isolated: no contexts or secrets, a read-only token, and nothing other jobs consume.');
  for (const r of results) for (const a of r.advice) if (!advice.includes(a)) advice.push(a);
  return { ...base, affected: true, tamper, verdict, reasons: reasons.map((r) => r.replace(/\.\.$/, '.')), advice };
}
