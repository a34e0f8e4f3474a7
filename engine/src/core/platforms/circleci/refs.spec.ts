import { condition } from './elaborate';
import { bindParameters, type ParamScope, substitute, substituteText } from './params';
import { parseImageRef, parseOrbRef } from './refs';
import { credentialNames, isCredentialName, isDeployCommand, isDeployName } from './signals';

describe('parseOrbRef', () => {
  it.each([
    ['codecov/codecov@1.1.1', { kind: 'orb', namespace: 'codecov', name: 'codecov', version: '1.1.1', raw: 'codecov/codecov@1.1.1' }],
    ['circleci/node@volatile', { kind: 'orb', namespace: 'circleci', name: 'node', version: 'volatile', raw: 'circleci/node@volatile' }],
    ['  abc/def  ', { kind: 'orb', namespace: 'abc', name: 'def', raw: 'abc/def' }],
    ['mattermost/plugin-ci@0.1.0', { kind: 'orb', namespace: 'mattermost', name: 'plugin-ci', version: '0.1.0', raw: 'mattermost/plugin-ci@0.1.0' }],
    ['circleci/aws-s3@dev:alpha', undefined],
    ['not an orb', undefined],
    ['codecov', undefined],
    ['a/b/c@1', undefined],
    ['', undefined],
  ])('%j', (text, expected) => {
    expect(parseOrbRef(text)).toEqual(expected);
  });
});

describe('parseImageRef', () => {
  it.each([
    ['alpine', { kind: 'image', name: 'alpine', raw: 'alpine' }],
    ['cimg/node:16.13', { kind: 'image', name: 'cimg/node', tag: '16.13', raw: 'cimg/node:16.13' }],
    ['localhost:5000/team/app:1.2', { kind: 'image', name: 'localhost:5000/team/app', tag: '1.2', raw: 'localhost:5000/team/app:1.2' }],
    ['localhost:5000/team/app', { kind: 'image', name: 'localhost:5000/team/app', raw: 'localhost:5000/team/app' }],
    ['python:3.7@sha256:abc', { kind: 'image', name: 'python', tag: '3.7', digest: 'sha256:abc', raw: 'python:3.7@sha256:abc' }],
    ['ghcr.io/o/i@sha256:def', { kind: 'image', name: 'ghcr.io/o/i', digest: 'sha256:def', raw: 'ghcr.io/o/i@sha256:def' }],
    ['  ', undefined],
  ])('%j', (text, expected) => {
    expect(parseImageRef(text)).toEqual(expected);
  });
});

describe('credential names', () => {
  it.each([
    ['AWS_SECRET_ACCESS_KEY', true],
    ['NPM_TOKEN', true],
    ['GITHUB_TOKEN', true],
    ['DOCKER_PASSWORD', true],
    ['DOCKERHUB_PASS', true],
    ['GCLOUD_SERVICE_KEY', true],
    ['APIKEY', true],
    ['SLACK_ACCESS_TOKEN', true],
    ['CIRCLE_TOKEN', true],
    ['GOOGLE_APPLICATION_CREDENTIALS', true],
    ['BASIC_AUTH', true],
    ['HOME', false],
    ['PATH', false],
    ['PWD', false],
    ['CIRCLE_SHA1', false],
    ['CIRCLE_BUILD_NUM', false],
    ['BYPASS_CHECKS', false],
    ['MONKEY', false],
    ['TOKENIZER_VERSION', false],
  ])('%s → %s', (name, expected) => {
    expect(isCredentialName(name)).toBe(expected);
  });

  it('finds $X and ${X} references, once each, in order', () => {
    expect(credentialNames('echo $NPM_TOKEN ${AWS_SECRET_ACCESS_KEY} $HOME ${NPM_TOKEN} $$ ${ }')).toEqual(['NPM_TOKEN', 'AWS_SECRET_ACCESS_KEY']);
    // Each name once, in order of first appearance, however often it is read.
    expect(credentialNames('$HOME $A_TOKEN $HOME $A_TOKEN ${B_PASSWORD} $A_TOKEN')).toEqual(['A_TOKEN', 'B_PASSWORD']);
  });
});

describe('deploy signals', () => {
  it.each([
    ['deploy', true],
    ['deploy-prod', true],
    ['release_build', true],
    ['publishDocs', true],
    ['build-and-push', true],
    ['promote-to-stable', true],
    ['pushd-helper', false],
    ['unreleased-notes', false],
    ['test', false],
    ['upload-coverage', false],
  ])('name %s → %s', (name, expected) => {
    expect(isDeployName(name)).toBe(expected);
  });

  it.each([
    ['npm publish --access public', true],
    ['yarn publish', true],
    ['docker push org/app:1', true],
    ['twine upload dist/*', true],
    ['kubectl apply -f k8s/', true],
    ['aws s3 sync dist s3://bucket', true],
    ['git push origin --tags', true],
    ['make release', true],
    ['docker image push org/app:1', true],
    ['gh release create v1.2.0', true],
    ['goreleaser release --clean', true],
    ['gem push pkg/x-1.0.gem', true],
    ['mvn -B clean deploy', true],
    ['./gradlew publishToMavenCentral', true],
    ['kubectl set image deploy/app app=org/app:2', true],
    ['helm upgrade --install app ./chart', true],
    ['terraform apply -auto-approve', true],
    ['netlify deploy --prod', true],
    ['aws s3 cp dist s3://bucket --recursive', true],
    ['gsutil -m rsync -r dist gs://bucket', true],
    ['npm run deploy:prod', true],
    ['docker pull org/app:1 && gem build x.gemspec', false],
    ['npm test', false],
    ['docker build .', false],
    ['echo "publish later"', false],
  ])('command %j → %s', (text, expected) => {
    expect(isDeployCommand(text)).toBe(expected);
  });
});

describe('parameter substitution', () => {
  const scope: ParamScope = {
    params: { url: 'https://codecov.io/bash', steps: [{ run: 'x' }], flag: true, n: 3 },
    types: { url: 'string', steps: 'steps' },
    pipeline: { target: 'prod' },
    matrix: { os: 'linux' },
  };

  it.each([
    ['curl -s << parameters.url >> | bash', 'curl -s https://codecov.io/bash | bash'],
    ['<<parameters.url>>', 'https://codecov.io/bash'],
    ['to << pipeline.parameters.target >> on << pipeline.git.branch >>', 'to prod on << pipeline.git.branch >>'],
    ['<< parameters.unknown >> stays', '<< parameters.unknown >> stays'],
    ['run on << matrix.os >> x<< parameters.n >> << parameters.flag >>', 'run on linux x3 true'],
    ['no references', 'no references'],
  ])('%j', (text, expected) => {
    expect(substituteText(text, scope)).toBe(expected);
  });

  it('gives a whole reference the value as it is (steps lists, booleans)', () => {
    expect(substitute('<< parameters.steps >>', scope)).toEqual([{ run: 'x' }]);
    expect(substitute({ when: '<< parameters.flag >>', list: ['<< parameters.url >>'] }, scope)).toEqual({ when: true, list: ['https://codecov.io/bash'] });
  });

  it('keeps the positions of the originals on the copies', () => {
    const origin = new WeakMap<object, unknown>();
    const item = { run: 'echo << parameters.url >>' };
    origin.set(item, { file: 'f', line: 7 });
    const copied = substitute([item], scope, origin);
    expect(Array.isArray(copied) && origin.get(copied[0] as object)).toEqual({ file: 'f', line: 7 });
  });

  it('binds declared defaults under given arguments, and drops undeclared arguments', () => {
    const declared = { a: { type: 'string', default: 'x' }, b: { type: 'env_var_name', default: 'TOKEN' }, c: { description: 'no type' } };
    expect(bindParameters(declared, { a: 'y', c: 'z', d: 'dropped' })).toEqual({
      params: { a: 'y', b: 'TOKEN', c: 'z' },
      types: { a: 'string', b: 'env_var_name' },
    });
  });
});

describe('when/unless conditions', () => {
  it.each([
    [true, true],
    ['', false],
    [null, false],
    [false, false],
    [0, false],
    ['coverage.txt', true],
    ['<< pipeline.git.branch >>', undefined],
    [{ not: '' }, true],
    [{ and: [true, 'x'] }, true],
    [{ and: [true, ''] }, false],
    [{ and: [true, '<< pipeline.git.tag >>'] }, undefined],
    [{ or: ['', '<< pipeline.git.tag >>'] }, undefined],
    [{ or: ['', 'x'] }, true],
    [{ equal: ['main', 'main'] }, true],
    [{ equal: ['main', 'dev'] }, false],
    [{ equal: ['main', '<< pipeline.git.branch >>'] }, undefined],
    [{ matches: { pattern: '^v.*', value: '<< pipeline.git.tag >>' } }, undefined],
    [[1, 2], undefined],
  ])('%j → %s', (value, expected) => {
    expect(condition(value)).toBe(expected);
  });
});
