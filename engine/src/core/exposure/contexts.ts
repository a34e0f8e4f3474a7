/** CircleCI contexts on the workflow job entry: every variable stored in them is in the job's environment. */
import { at, hit, jobLabel, names, type ExposureRule, type RuleMeta } from './rule';
import { onlyForkTriggers } from './holdings';

export const contextsMeta: RuleMeta = {
  id: 'contexts',
  description: 'CircleCI contexts named on the job: all their variables are readable by every step of the job',
  severity: 'high',
  confidence: 'high',
};

export const contextsRule: ExposureRule = {
  meta: contextsMeta,
  check({ job, pipeline, platformIncident }) {
    const h = hit(contextsMeta).exposure({ contexts: [...job.contexts] });
    if (pipeline.platform === 'circleci') {
      h.reason(
        `CircleCI project environment variables reach ${jobLabel(job)} too, whatever its contexts; they are not in ${pipeline.file}: check Project Settings → Environment Variables for what they hold.`,
      );
    }
    if (job.contexts.length === 0) return h.build();
    const where = job.secrets.find((s) => s.kind === 'context')?.pos;
    if (onlyForkTriggers(job) && !platformIncident) {
      h.reason(`${jobLabel(job)} names context(s) ${names(job.contexts)} (${at(where, job.pos)}) but only runs for fork pull requests, where contexts are not passed by default.`);
      return h.build();
    }
    h.signal('secrets').reason(`${jobLabel(job)} runs with context(s) ${names(job.contexts)} (${at(where, job.pos)}): every variable stored in them is in the job's environment.`);
    // A platform breach took the contexts whichever job ran: where they are used changes nothing.
    if (platformIncident) return h.build();
    h.advice(
        `Separation of privileges: run the affected component in a job without contexts, and keep ${names(job.contexts)} only on the jobs that need them (restrict them with context security groups or expression restrictions).`,
      );
    return h.build();
  },
};
