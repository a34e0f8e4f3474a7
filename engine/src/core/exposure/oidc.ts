/** OIDC: a job that can mint an ID token can assume every cloud role that trusts it. */
import { at, hit, jobLabel, type ExposureRule, type RuleMeta } from './rule';
import { onlyForkTriggers } from './holdings';
import { windowText } from './secrets';

export const oidcMeta: RuleMeta = {
  id: 'oidc',
  description: 'The job can mint an OIDC token (id-token: write / id_tokens): cloud credentials through any role that trusts it',
  severity: 'high',
  confidence: 'medium',
};

export const oidcRule: ExposureRule = {
  meta: oidcMeta,
  check({ job, match }) {
    const h = hit(oidcMeta).exposure({ oidc: job.oidc });
    if (!job.oidc || onlyForkTriggers(job)) return h.build();
    const where = job.secrets.find((s) => s.kind === 'id-token')?.pos;
    return h
      .signal('secrets')
      .reason(
        `${jobLabel(job)} can mint an OIDC token (${at(where, job.pos)}): a payload can exchange it for cloud credentials of any role whose trust policy accepts this repository${job.environment ? ` or environment \`${job.environment}\`` : ''}.`,
      )
      .advice('Use OIDC with narrow trust: bind cloud roles to the exact repository, ref and environment (the `sub` claim), and grant `id-token: write` only to the deploy job.')
      .advice(`OIDC tokens expire within minutes, so there is nothing to rotate: review the cloud audit logs for roles assumed with this repository's token ${windowText(match.indicator)}.`)
      .build();
  },
};
