/** GitHub token power: `permissions:` of the job or workflow, or the repository default when absent. */
import { platformById } from '../platforms';
import { hit, jobLabel, type ExposureRule, type RuleMeta } from './rule';
import { onlyForkTriggers, permissionsText, tokenCanPush, tokenWrite } from './holdings';

export const permissionsMeta: RuleMeta = {
  id: 'token-permissions',
  description: 'What the job token (GITHUB_TOKEN) can do: a write token lets a payload push code, tags or releases',
  severity: 'high',
  confidence: 'medium',
};

export const permissionsRule: ExposureRule = {
  meta: permissionsMeta,
  check({ job, pipeline }) {
    const text = permissionsText(job.permissions);
    const h = hit(permissionsMeta).exposure({ permissions: text });
    if (job.permissions.kind === 'not-applicable') {
      // The platform's own token model, as its module states it (`PlatformModule.jobToken`).
      const token = platformById(pipeline.platform).jobToken;
      if (token !== undefined) h.exposure({ permissions: token });
      return h.build();
    }
    if (onlyForkTriggers(job)) {
      h.exposure({ permissions: `${text} (read-only for fork pull requests)` }).reason(`${jobLabel(job)} only runs for fork pull requests: its GITHUB_TOKEN is read-only there whatever \`permissions:\` says.`);
      return h.build();
    }
    const write = tokenWrite(job.permissions);
    if (write === 'no') return h.build();
    h.signal('writeToken');
    if (write === 'maybe') {
      h.reason(
        `${jobLabel(job)} and its workflow ${pipeline.file} set no \`permissions:\`: GITHUB_TOKEN gets the repository default, which may be write; check Settings → Actions → General → Workflow permissions.`,
      ).advice('Least privilege: add `permissions: contents: read` at the top of the workflow and grant write scopes only to the job that needs them; set the repository default to read.');
    } else {
      h.reason(
        `${jobLabel(job)} runs with a write token (\`${text}\`): a payload can use GITHUB_TOKEN to change what those scopes cover${tokenCanPush(job.permissions) ? ', including pushing commits and tags' : ''}.`,
      )
        .advice('Least privilege: narrow `permissions:` to the scopes this job needs, and move the write scopes to a separate job that does not run third-party components.');
    }
    return h.build();
  },
};
