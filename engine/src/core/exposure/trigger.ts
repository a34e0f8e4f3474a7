/** Triggers: privileged events on untrusted input, fork pull requests without secrets, schedules, tags. */
import type { Trigger } from '../model';
import { hit, jobLabel, type ExposureRule, type RuleMeta } from './rule';
import { onlyForkTriggers } from './holdings';

export const triggerMeta: RuleMeta = {
  id: 'trigger',
  description: 'When the job runs: pull_request_target / workflow_run run with secrets on untrusted input; fork pull requests run without secrets',
  severity: 'medium',
  confidence: 'high',
};

export function triggerText(t: Trigger): string {
  return t.detail ? `${t.kind} (${t.detail})` : t.kind;
}

export const triggerRule: ExposureRule = {
  meta: triggerMeta,
  check({ job, pipeline }) {
    const triggers = job.triggers.length > 0 ? job.triggers : pipeline.triggers;
    const h = hit(triggerMeta).exposure({ triggers: [...new Set(triggers.map(triggerText))] });
    const kinds = new Set(triggers.map((t) => t.kind));
    if (onlyForkTriggers(job)) {
      h.signal('forkOnly').reason(`${jobLabel(job)} only runs for pull requests from forks: no secrets and a read-only token are given to it.`);
    }
    if (kinds.has('pull_request_target') || kinds.has('workflow_run')) {
      const which = ['pull_request_target', 'workflow_run'].filter((k) => kinds.has(k as Trigger['kind'])).map((k) => `\`${k}\``).join(' and ');
      h.reason(`${jobLabel(job)} runs on ${which}: it has the base repository's secrets and token while handling input from untrusted pull requests.`).advice(
        'Separation of privileges: run untrusted code in an unprivileged `pull_request` job and let the privileged job read only its results as data.',
      );
    }
    if (kinds.has('pull_request_fork') && !onlyForkTriggers(job)) {
      h.reason(`${jobLabel(job)} also runs for fork pull requests, where it gets no secrets; the other triggers run it with secrets.`);
    }
    const schedule = triggers.find((t) => t.kind === 'schedule');
    if (schedule) h.reason(`${jobLabel(job)} runs on a schedule${schedule.detail ? ` (\`${schedule.detail}\`)` : ''}: it ran unattended whenever the schedule fired inside the incident window.`);
    if (kinds.has('tag')) h.reason(`${jobLabel(job)} runs on tags: these are release runs.`);
    return h.build();
  },
};
