/**
 * The compromised component itself: the job runs a component the incident names, at a ref that could
 * be the bad code. Says where (the pipeline's own reference), through which chain and why the ref is
 * affected, whether the chain passes through components that could not be read, and how to pin what
 * the job runs. Every affected finding has this rule; it alone decides a `low` (isolated) verdict.
 */
import type { ChainLink, Match, ResolvedJob } from '../model';
import { hit, type ExposureRule, type RuleMeta } from './rule';

export const componentMeta: RuleMeta = {
  id: 'compromised-component',
  description: 'The job runs a component named by the incident at a ref that could resolve to the bad code (the chain from the pipeline\'s own reference to it)',
  severity: 'low',
  confidence: 'high',
};

const SHA = /^[0-9a-f]{40}$/i;

/** The last link: the indicator's component as the job reaches it. */
function target(chain: readonly ChainLink[]): ChainLink | undefined {
  return chain[chain.length - 1];
}

/** Links that are the repository's own files (local actions, workflows, includes, scripts, Dockerfiles): nothing to pin there. */
function isLocal(link: ChainLink): boolean {
  return link.kind === 'gha-local-action' || link.kind === 'gha-local-workflow' || link.kind === 'repo-file' || (link.kind === 'gitlab-include' && !link.ref.includes('@') && !/^https?:/i.test(link.ref));
}

export function pinAdvice(match: Match): string[] {
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

/** `a → b → c`: the chain as the refs written at each link. */
export function chainRefs(match: Match): string {
  return match.chain.map((l) => l.ref).join(' → ');
}

export const componentRule: ExposureRule = {
  meta: componentMeta,
  check({ job, match, platformIncident }) {
    const h = hit(componentMeta);
    if (!match.affected) return h.build();
    if (platformIncident) {
      // The breach ran no code: the match says why the platform's stored secrets are exposed.
      return h.reason(`${match.refReason.charAt(0).toUpperCase()}${match.refReason.slice(1)}.`).build();
    }
    const where = findingPosition(match, job);
    const first = match.chain[0];
    // A GitLab job that takes an included template through `extends:` is found at that line; say where the include is too.
    const whereText =
      first?.file !== undefined && first.line !== undefined && (first.file !== where.file || first.line !== where.line)
        ? `${where.file}:${where.line}, through the include at ${first.file}:${first.line}`
        : `${where.file}:${where.line}`;
    h.reason(`Runs ${chainRefs(match)} (${whereText}): ${match.refReason}.`);
    const unresolved = match.chain.filter((l) => l.unresolved).map((l) => `\`${l.ref}\``);
    if (unresolved.length > 0) h.reason(`The chain passes through unresolved component(s) ${unresolved.join(', ')}: what they run was not read.`);
    for (const a of pinAdvice(match)) h.advice(a);
    return h.build();
  },
};
