/**
 * `variables:` that hand a CI/CD settings variable with a credential-like name to the job
 * (`CODECOV_TOKEN: $CODECOV_TOKEN`) are secret references of the job, at the variable's line: at job
 * level, top level, in a template the job extends and in an include. `ok-*` cases must not fire.
 */
import { catalogIndicator } from '../../indicators/catalog';
import type { ComponentUse, Job, SecretRef } from '../../model';
import { scan } from '../../scan';
import { jobById, lines, memorySource } from '../../testing';
import { gitlabCi } from './index';
import { settingsCredentials } from './job';
import { parseGitlab } from './testing';


const parse = parseGitlab;

const job = jobById;

/** The job's `variable` secret references as `NAME@file:line`. */
const variableRefs = (j: Job): string[] =>
  j.secrets
    .filter((s) => s.kind === 'variable')
    .map((s) => `${s.name}@${s.pos?.file}:${s.pos?.line}`)
    .sort();

describe('settingsCredentials (pure)', () => {
  const where = (name: string) => ({ file: 'f.yml', line: name.length });
  it.each<[string, Record<string, string>, string[]]>([
    ['a variable naming the settings variable as itself', { CODECOV_TOKEN: '$CODECOV_TOKEN' }, ['CODECOV_TOKEN']],
    ['braced, inside a longer value', { AUTH_HEADER: 'Bearer ${API_TOKEN}' }, ['API_TOKEN']],
    ['another name for a settings variable the file does not define', { UPLOAD: '$CODECOV_TOKEN' }, ['CODECOV_TOKEN']],
    ['ok-non-credential name', { COVERAGE_FLAGS: '$COVERAGE_FLAGS', HOST: '$CODECOV_HOST' }, []],
    ['ok-literal value', { CODECOV_TOKEN: 'not-a-reference', NPM_TOKEN: '' }, []],
    ['ok-escaped reference', { CODECOV_TOKEN: '$$CODECOV_TOKEN' }, []],
    ['ok-defined in the file (its own value is judged)', { UPLOAD_TOKEN: '$BASE_TOKEN', BASE_TOKEN: 'literal' }, []],
    ['ok-the job token (reported apart)', { REGISTRY_PASSWORD: '$CI_JOB_TOKEN' }, []],
  ])('%s', (_name, vars, expected) => {
    const found: SecretRef[] = settingsCredentials(new Map(Object.entries(vars)), where);
    expect(found.map((s) => s.name)).toEqual(expected);
    for (const s of found) expect(s).toMatchObject({ kind: 'variable', pos: { file: 'f.yml' } });
  });
});

describe('GitLab: variables that refer to credential-like CI/CD settings variables', () => {
  it('at job level: the referenced name, at the line of the variable', () => {
    const p = parse(
      lines(
        'coverage:',
        '  variables:',
        '    COVERAGE_FLAGS: --all',
        '    CODECOV_TOKEN: $CODECOV_TOKEN',
        '    UPLOAD_KEY: ${DEPLOY_KEY}',
        '  script:',
        '    - curl -s https://codecov.io/bash | bash -s -- -t "$CODECOV_TOKEN"',
        'ok-literal:',
        '  variables:',
        '    CODECOV_TOKEN: not-a-secret-reference',
        '  script: [echo $CODECOV_TOKEN]',
        'ok-non-credential:',
        '  variables:',
        '    COVERAGE_FLAGS: $COVERAGE_FLAGS',
        '  script: [echo $COVERAGE_FLAGS]',
      ),
    );
    expect(variableRefs(job(p, 'coverage'))).toEqual(['CODECOV_TOKEN@.gitlab-ci.yml:4', 'DEPLOY_KEY@.gitlab-ci.yml:5']);
    expect(variableRefs(job(p, 'ok-literal'))).toEqual([]);
    expect(variableRefs(job(p, 'ok-non-credential'))).toEqual([]);
  });

  it('at top level: every job that inherits the variable, at the top-level line; inherit:variables:false does not', () => {
    const p = parse(
      lines(
        'variables:',
        '  NPM_TOKEN: $NPM_TOKEN',
        'publish:',
        '  script: [npm publish]',
        'ok-no-inherit:',
        '  inherit:',
        '    variables: false',
        '  script: [npm test]',
      ),
    );
    expect(variableRefs(job(p, 'publish'))).toEqual(['NPM_TOKEN@.gitlab-ci.yml:2']);
    expect(variableRefs(job(p, 'ok-no-inherit'))).toEqual([]);
  });

  it('in an include: top-level variables and a template the job extends, at their lines in the included file', () => {
    const p = parse(
      lines('include:', '  - local: ci/vars.yml', 'coverage:', '  extends: .upload', '  script: [make coverage]'),
      {
        'ci/vars.yml': lines('variables:', '  SONAR_TOKEN: $SONAR_TOKEN', '.upload:', '  variables:', '    CODECOV_TOKEN: $CODECOV_TOKEN', '  image: alpine'),
      },
    );
    expect(variableRefs(job(p, 'coverage'))).toEqual(['CODECOV_TOKEN@ci/vars.yml:5', 'SONAR_TOKEN@ci/vars.yml:2']);
  });

  it('in a project include, as the include expansion reports it', () => {
    const template = lines('.cov:', '  variables:', '    CODECOV_TOKEN: $CODECOV_TOKEN', '  script: [make coverage]');
    const use = { ref: { kind: 'gitlab-include', include: 'project', project: 'acme/tpl', ref: 'v1', file: 't.yml', raw: 'acme/tpl@v1' }, pos: { file: '.gitlab-ci.yml', line: 2 } } satisfies ComponentUse;
    const expansion = gitlabCi.expand(use, { repo: { repo: 'acme/app', files: [] }, source: memorySource({ 'gitlab/acme/tpl@v1/t.yml': template }) });
    expect(expansion.secrets).toEqual([{ name: 'CODECOV_TOKEN', kind: 'variable', pos: { file: 'acme/tpl@v1//t.yml', line: 3 } }]);
  });

  it('the finding names it as a secret the job holds, not as the template’s own credential', () => {
    const main = lines(
      'include:',
      '  - project: acme/ci-templates',
      '    ref: v1',
      '    file: coverage.yml',
      'coverage:',
      '  extends: .codecov',
      '  variables:',
      '    CODECOV_TOKEN: $CODECOV_TOKEN',
      'plain-coverage:',
      '  extends: .codecov',
    );
    const template = lines('.codecov:', '  script:', '    - curl -s https://codecov.io/bash | bash -s -- -t "$CODECOV_TOKEN"');
    const found = catalogIndicator('codecov-bash-uploader-2021');
    if (!found) throw new Error('catalog has no codecov-bash-uploader-2021');
    const result = scan([{ repo: 'acme/app', files: [{ path: '.gitlab-ci.yml', text: main }] }], found, memorySource({ 'gitlab/acme/ci-templates@v1/coverage.yml': template }));
    const coverage = result.findings.find((f) => f.job === 'coverage');
    expect(coverage).toMatchObject({ affected: true, verdict: 'high' });
    const why = coverage?.reasons.join(' ') ?? '';
    expect(why).toContain('can read `CODECOV_TOKEN` (first at .gitlab-ci.yml:8)');
    expect(why).not.toContain('own credential');
    expect(result.findings.find((f) => f.job === 'plain-coverage')?.exposure.secrets).toContain('CODECOV_TOKEN');
  });
});
