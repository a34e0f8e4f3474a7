/** GitHub token power: `permissions:` of the job or workflow, or the repository default when absent. */
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
      if (pipeline.platform === 'gitlab-ci') {
        h.exposure({ permissions: 'CI_JOB_TOKEN (job token; project-scoped)' });
      } else if (pipeline.platform === 'circleci') {
        h.exposure({ permissions: 'not applicable (no job token; checkout uses the project key)' });
      }
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
