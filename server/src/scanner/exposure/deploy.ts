/** The job itself releases or deploys: a payload there reaches users directly. */
import { hit, jobLabel, type ExposureRule, type RuleMeta } from './rule';
import { onlyForkTriggers } from './holdings';

export const deployMeta: RuleMeta = {
  id: 'deploy',
  description: 'The job releases or deploys (environment, release/publish steps, deploy commands): a direct path to users',
  severity: 'critical',
  confidence: 'medium',
};

export const deployRule: ExposureRule = {
  meta: deployMeta,
  check({ job, platformIncident }) {
    const h = hit(deployMeta);
    if (!job.deploys || onlyForkTriggers(job)) return h.build();
    if (platformIncident) {
      // The breach ran no code in the job: what matters is that the credentials it deploys with leaked.
      return h.signal('deploys').reason(`${jobLabel(job)} deploys: the stored credentials it deploys with were exposed by the breach.`).build();
    }
    const releases = job.produces.filter((f) => f.via === 'release');
    const what =
      releases.length > 0
        ? `releases (${releases
            .slice(0, 4)
            .map((f) => `${f.name ?? 'release'} at ${f.pos.file}:${f.pos.line}`)
            .join('; ')})`
        : job.environment
          ? `deploys to environment \`${job.environment}\``
          : 'deploys (by its name or what it runs)';
    return h
      .signal('deploys')
      .reason(`${jobLabel(job)} ${what}: code running in it can change what is released.`)
      .advice('Separation of privileges: keep third-party components out of the release/deploy job; build in an unprivileged job and let the deploy job verify what it ships (checksums, attestations).')
      .build();
  },
};
