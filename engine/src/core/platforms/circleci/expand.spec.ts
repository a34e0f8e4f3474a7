import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ComponentRef, ComponentSource, ComponentUse, ExpandContext, Expansion, OrbRef } from '../../model';
import { memorySource } from '../../testing';
import { circleci } from './index';
import { parseOrbRef } from './refs';

const FIXTURES = path.join(__dirname, '__fixtures__');
const CACHE = path.join(FIXTURES, 'cache');

/** Every file under __fixtures__/cache, keyed by its cache-relative path. */
function cacheFiles(dir = CACHE): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(out, cacheFiles(full));
    else out[path.relative(CACHE, full).split(path.sep).join('/')] = readFileSync(full, 'utf8');
  }
  return out;
}

const FILES = cacheFiles();
const ctx = (source: ComponentSource = memorySource(FILES)): ExpandContext => ({ repo: { repo: 'acme/app', files: [] }, source });

function orb(raw: string): OrbRef {
  const ref = parseOrbRef(raw);
  if (!ref) throw new Error(`not an orb ref: ${raw}`);
  return ref;
}

function element(orbRaw: string, elementKind: 'job' | 'command' | 'executor', name: string, inputs?: Record<string, string>): ComponentUse {
  const ref: ComponentRef = { kind: 'orb-element', orb: orb(orbRaw), elementKind, element: name, raw: `x/${name}` };
  return inputs ? { ref, pos: { file: '.circleci/config.yml', line: 3 }, inputs } : { ref, pos: { file: '.circleci/config.yml', line: 3 } };
}

function lineIn(cacheKey: string, needle: string, nth = 0): number {
  const lines = (FILES[cacheKey] ?? '').split('\n');
  const hits = lines.flatMap((l, i) => (l.includes(needle) ? [i + 1] : []));
  const hit = hits[nth];
  if (hit === undefined) throw new Error(`no line with ${needle} in ${cacheKey}`);
  return hit;
}

function refs(e: Expansion): string[] {
  return e.uses.map((u) => (u.ref.kind === 'orb-element' ? `${u.ref.orb.raw}:${u.ref.elementKind}:${u.ref.element}` : `${u.ref.kind}:${u.ref.raw}`));
}

const CODECOV = 'circleci/orbs/codecov/codecov@1.1.1.yml';
const PLUGIN_CI = 'circleci/orbs/mattermost/plugin-ci@0.1.0.yml';

describe('circleci.expand: the codecov orb', () => {
  it('declares the kinds it expands', () => {
    expect(circleci.expands).toEqual(['orb', 'orb-element']);
  });

  it('substitutes the url default into the command text (curl -s << parameters.url >> | bash)', () => {
    const e = circleci.expand(element('codecov/codecov@1.1.1', 'command', 'upload', { file: 'coverage/lcov.info' }), ctx());
    expect(e.status).toBe('resolved');
    expect(e.errors).toEqual([]);
    expect(e.scripts).toHaveLength(1); // `when: << parameters.file >>` holds; the `unless` branch does not
    expect(e.scripts[0]?.text).toMatch(/^curl -s https:\/\/codecov\.io\/bash \| bash -s -- \\\n/);
    expect(e.scripts[0]?.text).toContain('-f "coverage/lcov.info"');
    expect(e.scripts[0]?.text).toContain('-t "${CODECOV_TOKEN}"');
    expect(e.scripts[0]?.pos).toEqual({ file: 'codecov/codecov@1.1.1//orb.yml', line: lineIn(CODECOV, '- run:', 0) });
    expect(e.secrets.map((s) => `${s.kind}:${s.name}`)).toEqual(['variable:CODECOV_TOKEN']);
    expect(e.uses).toEqual([]);
  });

  it('takes the unless branch when no file is given', () => {
    const e = circleci.expand(element('codecov/codecov@1.1.1', 'command', 'upload'), ctx());
    expect(e.scripts.map((s) => s.pos.line)).toEqual([lineIn(CODECOV, '- run:', 1)]);
    expect(e.scripts[0]?.text).toMatch(/^curl -s https:\/\/codecov\.io\/bash \| bash/);
    expect(e.scripts[0]?.text).not.toContain('-f ');
  });

  it('lets a use-site input override the default', () => {
    const e = circleci.expand(element('codecov/codecov@1.1.1', 'command', 'upload', { url: 'https://mirror.example/codecov.sh' }), ctx());
    expect(e.scripts.every((s) => s.text.startsWith('curl -s https://mirror.example/codecov.sh | bash'))).toBe(true);
  });

  it('says unresolved, with where it looked, when the orb source is missing', () => {
    const e = circleci.expand(element('codecov/codecov@1.0.2', 'command', 'upload'), ctx());
    expect(e).toMatchObject({ status: 'unresolved', reason: 'looked for in-memory cache path circleci/orbs/codecov/codecov@1.0.2.yml', uses: [], scripts: [] });
    const whole = circleci.expand({ ref: orb('codecov/codecov@volatile'), pos: { file: 'c', line: 1 } }, ctx());
    expect(whole).toMatchObject({ status: 'unresolved', reason: expect.stringContaining('codecov@volatile.yml') });
  });

  it('says unresolved when the orb has no such element', () => {
    const e = circleci.expand(element('codecov/codecov@1.1.1', 'job', 'upload'), ctx());
    expect(e).toMatchObject({ status: 'unresolved', reason: 'orb codecov/codecov@1.1.1 has no job "upload"' });
  });
});

describe('circleci.expand: a wrapper orb (mattermost/plugin-ci → codecov/codecov)', () => {
  it('lists the orbs an orb imports', () => {
    const e = circleci.expand({ ref: orb('mattermost/plugin-ci@0.1.0'), pos: { file: 'c', line: 1 } }, ctx());
    expect(e.status).toBe('resolved');
    expect(refs(e)).toEqual(['orb:circleci/aws-s3@1.0.9', 'orb:codecov/codecov@1.1.1']);
    expect(e.uses[1]?.pos).toEqual({ file: 'mattermost/plugin-ci@0.1.0//orb.yml', line: lineIn(PLUGIN_CI, 'codecov: codecov/codecov@1.1.1') });
  });

  it("resolves the coverage job's codecov/upload through the orb's own aliases", () => {
    const e = circleci.expand(element('mattermost/plugin-ci@0.1.0', 'job', 'coverage'), ctx());
    expect(e.status).toBe('resolved');
    expect(refs(e)).toEqual(['image:circleci/golang:1.14.1-node', 'codecov/codecov@1.1.1:command:upload']);
    const upload = e.uses[1];
    expect(upload?.ref).toMatchObject({ kind: 'orb-element', orb: { kind: 'orb', namespace: 'codecov', name: 'codecov', version: '1.1.1' } });
    expect(upload?.inputs).toEqual({ file: 'server/coverage.txt' });
    expect(upload?.pos).toEqual({ file: 'mattermost/plugin-ci@0.1.0//orb.yml', line: lineIn(PLUGIN_CI, '- codecov/upload:') });
    expect(e.scripts.map((s) => s.text)).toEqual(['make coverage']);
  });

  it('follows the chain down to the fetched script (config → orb job → codecov command)', () => {
    const config = readFileSync(path.join(FIXTURES, 'wrapper-orb.yml'), 'utf8');
    const { pipelines } = circleci.parse({ repo: 'acme/plugin', files: [{ path: '.circleci/config.yml', text: config }] }, memorySource(FILES));
    const coverage = pipelines[0]?.jobs.find((j) => j.id === 'plugin-ci/coverage');
    const top = coverage?.uses[0];
    if (!top) throw new Error('no orb job use');
    const first = circleci.expand(top, ctx());
    const next = first.uses.find((u) => u.ref.kind === 'orb-element');
    if (!next) throw new Error('no nested orb use');
    const second = circleci.expand(next, ctx());
    expect(second.scripts[0]?.text).toContain('curl -s https://codecov.io/bash | bash');
    expect(second.scripts[0]?.text).toContain('-f "server/coverage.txt"');
  });

  it('reads env_var_name parameters as secret names, defaults or inputs', () => {
    const byDefault = circleci.expand(element('mattermost/plugin-ci@0.1.0', 'job', 'deploy-release-github'), ctx());
    expect(byDefault.secrets.map((s) => s.name)).toEqual(['GITHUB_TOKEN']);
    expect(byDefault.scripts[0]?.text).toBe('ghr -t ${GITHUB_TOKEN} -u ${CIRCLE_PROJECT_USERNAME} -n ${CIRCLE_TAG} dist/*.tar.gz');
    // The orb's local `deploy` command (not the legacy deploy step) is inlined; its aws-s3 step is a use.
    expect(refs(byDefault)).toEqual(['image:cibuilds/github:0.13', 'circleci/aws-s3@1.0.9:command:copy']);
    expect(byDefault.uses[1]?.inputs).toMatchObject({ from: 'dist/*.tar.gz', to: 's3://plugins/release/' });

    const given = circleci.expand(element('mattermost/plugin-ci@0.1.0', 'job', 'deploy-release-github', { token_variable: 'RELEASE_TOKEN' }), ctx());
    expect(given.secrets.map((s) => s.name)).toEqual(['RELEASE_TOKEN']);

    const s3 = circleci.expand(element('circleci/aws-s3@1.0.9', 'command', 'copy', { from: 'a', to: 'b' }), ctx());
    expect(s3.secrets.map((s) => s.name)).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
    expect(s3.scripts[0]?.text).toBe('aws s3 cp a b ');
  });

  it('expands an executor with its parameters', () => {
    const e = circleci.expand(element('mattermost/plugin-ci@0.1.0', 'executor', 'default', { tag: '1.15' }), ctx());
    expect(refs(e)).toEqual(['image:circleci/golang:1.15']);
    expect(e.uses[0]?.pos.line).toBe(lineIn(PLUGIN_CI, 'image: circleci/golang'));
  });
});

describe('circleci.expand: steps parameters and hostile sources', () => {
  const orbText = [
    'version: 2.1',
    'orbs:',
    '  codecov: codecov/codecov@1.1.1',
    'commands:',
    '  wrap:',
    '    parameters:',
    '      inner: {type: steps, default: []}',
    '      env: {type: env_var_name, default: DEPLOY_KEY}',
    '    steps:',
    '      - run: echo start ${<< parameters.env >>}',
    '      - steps: << parameters.inner >>',
    '      - codecov/upload',
    '      - self',
    '  self:',
    '    steps: [wrap]',
    '',
  ].join('\n');

  it('substitutes steps parameters given as a JSON list, and stops command cycles', () => {
    const source = memorySource({ 'circleci/orbs/acme/wrap@1.0.0.yml': orbText });
    const e = circleci.expand(element('acme/wrap@1.0.0', 'command', 'wrap', { inner: JSON.stringify([{ run: 'echo inner' }]) }), ctx(source));
    expect(e.status).toBe('resolved');
    expect(e.scripts.map((s) => s.text)).toEqual(['echo start ${DEPLOY_KEY}', 'echo inner']);
    expect(refs(e)).toEqual(['codecov/codecov@1.1.1:command:upload']);
    expect(e.secrets.map((s) => s.name)).toEqual(['DEPLOY_KEY']);
    expect(e.errors).toEqual([expect.objectContaining({ code: 'command-cycle', file: 'acme/wrap@1.0.0//orb.yml' })]);
  });

  it('gives unresolved with located errors for a malformed orb source', () => {
    const source = memorySource({ 'circleci/orbs/acme/bad@1.0.0.yml': 'commands:\n  a: [\n' });
    const e = circleci.expand(element('acme/bad@1.0.0', 'command', 'a'), ctx(source));
    expect(e.status).toBe('unresolved');
    expect(e.errors[0]).toMatchObject({ code: 'yaml-syntax', file: 'acme/bad@1.0.0//orb.yml' });
  });

  it('never throws, even when the source does', () => {
    const throwing: ComponentSource = {
      read() {
        throw new Error('disk on fire');
      },
      describe() {
        throw new Error('still on fire');
      },
    };
    expect(circleci.expand(element('codecov/codecov@1.1.1', 'command', 'upload'), ctx(throwing))).toMatchObject({ status: 'unresolved', reason: expect.stringContaining('disk on fire') });
    const missing: ComponentSource = { read: () => undefined, describe: throwing.describe };
    expect(circleci.expand(element('codecov/codecov@1.1.1', 'command', 'upload'), ctx(missing))).toMatchObject({ status: 'unresolved', reason: 'orb codecov/codecov@1.1.1 was not found' });
  });

  it('does not expand other component kinds', () => {
    const e = circleci.expand({ ref: { kind: 'image', name: 'alpine', raw: 'alpine' }, pos: { file: 'c', line: 1 } }, ctx());
    expect(e).toMatchObject({ status: 'unresolved', reason: 'the CircleCI platform does not expand image components' });
  });
});

describe('circleci.parse with an orb source: what orb elements write, read and deploy', () => {
  const parseWith = (fixtureName: string) => {
    const text = readFileSync(path.join(FIXTURES, fixtureName), 'utf8');
    const { pipelines, errors } = circleci.parse({ repo: 'acme/plugin', files: [{ path: '.circleci/config.yml', text }] }, memorySource(FILES));
    expect(errors).toEqual([]);
    return pipelines[0]!;
  };

  it('gives orb jobs the workspace flows, runner and deploys of their definition', () => {
    const p = parseWith('wrapper-orb.yml');
    const build = p.jobs.find((j) => j.id === 'plugin-ci/build')!;
    const release = p.jobs.find((j) => j.id === 'plugin-ci/deploy-release-github')!;
    const coverage = p.jobs.find((j) => j.id === 'plugin-ci/coverage')!;
    expect(build.produces).toEqual([{ via: 'workspace', name: 'dist: *.tar.gz', pos: { file: 'mattermost/plugin-ci@0.1.0//orb.yml', line: lineIn(PLUGIN_CI, 'persist_to_workspace') }, at: 2 }]);
    expect(release.consumes).toEqual([expect.objectContaining({ via: 'workspace', name: 'dist' })]);
    expect(release.deploys).toBe(true);
    expect(coverage.produces.map((f) => f.via)).toEqual(['cache']);
    expect(coverage.consumes.map((f) => f.via)).toEqual(['cache']);
    expect(coverage.runner.labels).toEqual(['orb job: plugin-ci/coverage', 'docker: circleci/golang:1.14.1-node']);
    // Steps, components and credentials of the orb come through expand, not parse.
    expect(coverage.steps).toEqual([]);
    expect(coverage.uses.map((u) => u.ref.kind)).toEqual(['orb-element']);
    expect(release.secrets.map((s) => s.kind)).toEqual(['project-env', 'context']);
    expect(p.errors).toEqual([]);
  });

  it('leaves jobs alone when the orb command writes nothing', () => {
    const p = parseWith('codecov-direct.yml');
    const coverage = p.jobs.find((j) => j.id === 'coverage')!;
    expect(coverage.produces).toEqual([]);
    expect(coverage.deploys).toBe(false);
  });
});

