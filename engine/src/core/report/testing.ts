/**
 * Report fixtures shared by the engine's report tests and the bridge's report-props tests: finding
 * builders (a CircleCI one and a GitHub Actions one), a result around findings, and a sample with a critical, a safe (not affected) and a hostile
 * finding whose every string tries to ping, link or inject.
 */
import type { Finding, ScanResult } from '../model';

export const HOSTILE = '@channel [click](http://evil.example.com/x) <img src=x onerror=alert(1)> ![i](https://e.com/i.png) *bold* | pipe\nnew line www.evil.com <https://auto.link> `code` @here @all @alice';

export function finding(partial: Partial<Finding>): Finding {
  return {
    repo: 'acme/app',
    file: '.circleci/config.yml',
    line: 10,
    platform: 'circleci',
    workflow: 'main',
    job: 'coverage',
    jobId: partial.job ?? 'coverage',
    jobFile: partial.file ?? '.circleci/config.yml',
    affected: true,
    chain: [
      { kind: 'orb-element', ref: 'codecov/upload', file: '.circleci/config.yml', line: 12 },
      { kind: 'script-url', ref: 'curl -s https://codecov.io/bash | bash', file: 'codecov/codecov@1.1.1//orb.yml', line: 40 },
    ],
    exposure: { contexts: [], secrets: ['CODECOV_TOKEN'], permissions: 'not applicable', oidc: false, selfHosted: false, triggers: ['push'] },
    tamper: [],
    verdict: 'low',
    ruleIds: partial.affected === false ? [] : ['compromised-component'],
    reasons: ['The job has no context.'],
    advice: ['Pin the orb.'],
    indicator: 'codecov-bash-uploader-2021',
    ...partial,
  };
}

/** A GitHub Actions finding: a job that reads NPM_TOKEN and uses tj-actions/changed-files@v44. */
export function ghaFinding(partial: Partial<Finding>): Finding {
  return {
    repo: 'acme/web',
    file: '.github/workflows/ci.yml',
    line: 12,
    platform: 'github-actions',
    workflow: 'CI',
    job: 'changes',
    jobId: partial.job ?? 'changes',
    jobFile: '.github/workflows/ci.yml',
    affected: true,
    chain: [{ kind: 'gha-action', ref: 'tj-actions/changed-files@v44', file: '.github/workflows/ci.yml', line: 12 }],
    exposure: { contexts: [], secrets: ['NPM_TOKEN'], permissions: 'repository default', oidc: false, selfHosted: false, triggers: ['push'] },
    tamper: [],
    verdict: 'high',
    ruleIds: ['secrets', 'compromised-component'],
    reasons: ['The job reads NPM_TOKEN.'],
    advice: ['Rotate NPM_TOKEN.'],
    indicator: 'tj-actions-changed-files-2025',
    ...partial,
  };
}

export function result(findings: Finding[]): ScanResult {
  const affected = findings.filter((f) => f.affected).length;
  return {
    indicator: { id: 'codecov-bash-uploader-2021', title: 'Codecov Bash Uploader tampered' },
    summary: { repos: 2, files: 3, jobs: 5, affected, unresolved: 1, errors: 1 },
    findings,
    unresolved: [{ repo: 'acme/app', file: '.circleci/config.yml', line: 3, ref: 'acme/missing@1.0.0', reason: 'looked for component cache path circleci/orbs/acme/missing@1.0.0.yml' }],
    errors: [{ repo: 'acme/bad', file: '.gitlab-ci.yml', line: 7, code: 'yaml-syntax', message: 'bad indentation' }],
  };
}

const critical = finding({
  repo: 'acme/deploy',
  job: 'codecov',
  verdict: 'critical',
  ruleIds: ['tamper', 'compromised-component', 'contexts'],
  exposure: { contexts: ['deploy-creds'], secrets: ['AWS_SECRET_ACCESS_KEY'], permissions: 'not applicable', oidc: false, selfHosted: false, triggers: ['push'] },
  tamper: [{ via: 'workspace', consumers: [{ job: 'deploy', holds: ['context deploy-creds'] }] }],
  reasons: ['Shares context deploy-creds with deploy.'],
});
export const safe = finding({ repo: 'acme/pinned', affected: false, job: 'pinned', reasons: ['pinned to a safe SHA'] });
export const hostile = finding({ repo: 'evil/repo', job: HOSTILE, workflow: HOSTILE, file: `.github/workflows/${HOSTILE}.yml`, reasons: [HOSTILE], advice: [HOSTILE], exposure: { contexts: [HOSTILE], secrets: [HOSTILE], permissions: HOSTILE, oidc: true, selfHosted: true, triggers: [HOSTILE] } });
export const sample = result([finding({}), safe, critical, hostile]);
