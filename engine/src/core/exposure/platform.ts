/**
 * Platform incidents (a CI provider breach): the exposure is the platform's stored secrets — contexts
 * and project environment variables, keys — whichever job ran, not what a job's code could reach.
 */
import { platformById } from '../platforms';
import { hit, jobLabel, names, type ExposureRule, type RuleMeta } from './rule';

export const platformMeta: RuleMeta = {
  id: 'platform-breach',
  description: 'A breach of the CI platform exposes every secret stored there, whichever job ran',
  severity: 'critical',
  confidence: 'high',
};

export const platformRule: ExposureRule = {
  meta: platformMeta,
  check({ job, pipeline, jobs, match, platformIncident }) {
    const h = hit(platformMeta);
    if (!platformIncident) return h.build();
    const allContexts = [...new Set(jobs.flatMap((r) => r.job.contexts).concat(job.contexts))].sort();
    // What each platform stores for a project, outside the config: its module says (`PlatformModule.stored`).
    const stored = platformById(pipeline.platform).stored;
    const deployers = job.deploys ? [] : jobs.filter((r) => r.job !== job && r.job.deploys && r.job.contexts.some((c) => job.contexts.includes(c)));
    if (deployers.length > 0) {
      const shared = [...new Set(deployers.flatMap((r) => r.job.contexts.filter((c) => job.contexts.includes(c))))];
      h.signal('deployCredentials').reason(
        `${jobLabel(job)} uses context(s) ${names(shared)}, which deploying job(s) ${names(deployers.slice(0, 6).map((r) => r.job.name))} use too: the breach exposed deploy credentials through them.`,
      );
    }
    h.signal('secrets')
      .exposure({ secrets: [...new Set([...job.secrets.filter((s) => s.kind !== 'ci-token').map((s) => (s.kind === 'context' ? `context ${s.name}` : s.name)), ...stored])] })
      .reason(
        `${match.indicator.title} exposed the secrets ${pipeline.platform} stored for ${pipeline.repo}, whichever job ran: ${allContexts.length > 0 ? `contexts ${names(allContexts)} named in ${pipeline.file}, ` : ''}${stored.join(' and ')} (not in the config).`,
      )
      .advice(`Rotate every stored secret of ${pipeline.repo} on ${pipeline.platform} (${[...(allContexts.length > 0 ? [`contexts ${names(allContexts)}`] : []), ...stored].join(', ')}) and review audit logs from ${match.indicator.windowStart}.`)
      .advice('Use OIDC with narrow trust instead of long-lived stored credentials, so a platform breach leaks nothing reusable.');
    return h.build();
  },
};
