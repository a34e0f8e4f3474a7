/** Self-hosted runners: a payload can persist on the machine and read later jobs' secrets. */
import type { ResolvedJob } from '../model';
import { hit, jobLabel, names, type ExposureRule, type RuleMeta } from './rule';
import { holds, privileged } from './holdings';

export const selfHostedMeta: RuleMeta = {
  id: 'self-hosted-runner',
  description: 'The job runs on a self-hosted runner: persistence on the runner, and the secrets of other jobs that run there later',
  severity: 'high',
  confidence: 'medium',
};

function sharesRunner(a: ResolvedJob['job'], b: ResolvedJob['job']): boolean {
  if (!b.runner.selfHosted) return false;
  const own = a.runner.labels.filter((l) => l !== 'self-hosted');
  const theirs = b.runner.labels.filter((l) => l !== 'self-hosted');
  if (own.length === 0 || theirs.length === 0) return true;
  return theirs.every((l) => own.includes(l)) || own.every((l) => theirs.includes(l));
}

export const selfHostedRule: ExposureRule = {
  meta: selfHostedMeta,
  check({ job, jobs }) {
    const h = hit(selfHostedMeta).exposure({ selfHosted: job.runner.selfHosted });
    if (!job.runner.selfHosted) return h.build();
    const neighbours = jobs.filter((r) => r.job !== job && sharesRunner(job, r.job) && privileged(r.job, r));
    h.signal('secrets')
      .reason(
        `${jobLabel(job)} runs on a self-hosted runner (${names(job.runner.labels)}): a payload can persist on the machine and read the secrets of jobs that run on it later, including other repositories' jobs that share it.`,
      )
      .advice('Defence in depth: use ephemeral self-hosted runners (one job per machine) for jobs that run third-party components; re-image this runner and rotate the secrets of every job that ran on it since the window start.');
    if (neighbours.length > 0) {
      h.signal('tamperToPrivileged').reason(
        `Jobs on the same runner labels hold secrets or deploy: ${neighbours
          .slice(0, 8)
          .map((r) => `\`${r.job.name}\` (${holds(r.job, r).join(', ')})`)
          .join('; ')}.`,
      );
    }
    return h.build();
  },
};
