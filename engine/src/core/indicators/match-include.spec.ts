/**
 * A GitLab project include is attached to every job of the pipeline (it may add `default:` keys); a job
 * that draws nothing from it — no job, template, `default:`, global key or variable — is not affected.
 * End to end through the real GitLab parser and resolver.
 */
import type { Indicator, RepoInput } from '../model';
import { scan } from '../scan';
import { makeIndicator, memorySource } from '../testing';

const templates: Indicator = makeIndicator({
  id: 'acme-templates',
  kind: 'gitlab',
  components: [{ kind: 'gitlab-include', id: 'acme/ci-templates', affectedRefs: ['main'], safeRefs: [], maliciousShas: [] }],
});

const MAIN = `include:
  - project: acme/ci-templates
    ref: main
    file: /templates/coverage.yml
stages: [build, test]
build:
  stage: build
  script: [make build]
coverage:
  stage: test
  extends: .coverage
`;

function run(template: string, extra: Record<string, string> = {}) {
  const repo: RepoInput = { repo: 'acme/svc', files: [{ path: '.gitlab-ci.yml', text: MAIN }] };
  const source = memorySource({ 'gitlab/acme/ci-templates@main/templates/coverage.yml': template, ...extra });
  const r = scan([repo], templates, source);
  const job = (id: string) => r.findings.find((f) => f.job === id);
  return { r, job };
}

describe('GitLab include narrowing in matches', () => {
  it('the job that extends the template is affected; the job that takes nothing from the include is not', () => {
    const { r, job } = run(`.coverage:
  script: [go test ./...]
`);
    expect(job('coverage')).toMatchObject({ affected: true });
    expect(job('build')).toMatchObject({ affected: false, verdict: 'low' });
    expect(job('build')?.reasons[0]).toContain('the include is in the pipeline but this job takes nothing from it');
    expect(job('build')?.advice[0]).toContain('pin the include to a reviewed commit SHA');
    expect(r.summary.affected).toBe(1);
  });

  it('an include with `default:` keys reaches every job', () => {
    const { job } = run(`default:
  before_script: [./setup.sh]
.coverage:
  script: [go test ./...]
`);
    expect(job('build')).toMatchObject({ affected: true });
  });

  it('an include with global variables reaches every job, and says which', () => {
    const { job } = run(`variables:
  GOFLAGS: -mod=mod
.coverage:
  script: [go test ./...]
`);
    expect(job('build')).toMatchObject({ affected: true });
    expect(job('build')?.reasons.join(' ')).toContain('its global variables `GOFLAGS` reach every job');
  });

  it('a nested include that could not be read keeps the job affected', () => {
    const { job } = run(`include:
  - project: acme/other
    ref: v1
    file: /x.yml
.coverage:
  script: [go test ./...]
`);
    expect(job('build')).toMatchObject({ affected: true });
    expect(job('build')?.reasons.join(' ')).toContain('could not be read and may set `default:` keys');
  });

  it('a nested include that sets global variables reaches the job through the outer include', () => {
    const { job } = run(
      `include:
  - project: acme/other
    ref: v1
    file: /x.yml
.coverage:
  script: [go test ./...]
`,
      { 'gitlab/acme/other@v1/x.yml': 'variables:\n  BASH_ENV: ./evil.sh\n' },
    );
    expect(job('build')).toMatchObject({ affected: true });
    expect(job('build')?.reasons.join(' ')).toContain('`BASH_ENV`');
  });
});
