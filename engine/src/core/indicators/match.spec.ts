import type { ComponentNode, ComponentRef, OrbRef, ResolvedJob } from '../model';
import { makeJob, makePipeline, makeStep, makeUse, pos } from '../testing';
import { catalogIndicator } from './catalog';
import { matchJob, normaliseImage, normaliseUrl, packagePins } from './match';
import { parseComponentSpec } from './spec';

function node(ref: ComponentRef, line: number, children: ComponentNode[] = [], file = '.circleci/config.yml', status: ComponentNode['status'] = 'resolved'): ComponentNode {
  return { use: makeUse(ref, pos(line, file)), status, children };
}

function indicator(id: string) {
  const i = catalogIndicator(id);
  if (!i) throw new Error(`no ${id}`);
  return i;
}

const codecovOrb = (version?: string): OrbRef => ({ kind: 'orb', namespace: 'codecov', name: 'codecov', version, raw: `codecov/codecov@${version ?? ''}` });
const script = (url: string): ComponentRef => ({ kind: 'script-url', url, how: 'pipe', raw: `curl -s ${url} | bash` });

describe('matchJob', () => {
  const codecov = indicator('codecov-bash-uploader-2021');

  it('reports a transitive chain to the deepest affected component, with the reasons above it', () => {
    const plugin: ComponentRef = { kind: 'orb', namespace: 'mattermost', name: 'plugin-ci', version: '0.1.0', raw: 'mattermost/plugin-ci@0.1.0' };
    const upload: ComponentRef = { kind: 'orb-element', orb: codecovOrb('1.1.1'), elementKind: 'command', element: 'upload', raw: 'codecov/upload' };
    const tree = node({ kind: 'orb-element', orb: plugin, elementKind: 'job', element: 'coverage', raw: 'plugin-ci/coverage' }, 12, [
      node(upload, 40, [node(script('https://codecov.io/bash'), 55, [], 'codecov/codecov@1.1.1//orb.yml', 'leaf')], 'mattermost/plugin-ci@0.1.0//orb.yml'),
    ]);
    const job = makeJob({ id: 'coverage' });
    const matches = matchJob({ job, components: [tree] }, makePipeline({ platform: 'circleci', file: '.circleci/config.yml' }), codecov);
    expect(matches).toHaveLength(1);
    expect(matches[0]).toMatchObject({ affected: true, component: { kind: 'script-url' } });
    expect(matches[0]?.refReason).toMatch(/within `1.1.0-1.1.4`.*; the script is fetched from this URL at run time/);
    expect(matches[0]?.chain).toEqual([
      { kind: 'orb-element', ref: 'plugin-ci/coverage', file: '.circleci/config.yml', line: 12 },
      { kind: 'orb-element', ref: 'codecov/upload', file: 'mattermost/plugin-ci@0.1.0//orb.yml', line: 40 },
      { kind: 'script-url', ref: 'curl -s https://codecov.io/bash | bash', file: 'codecov/codecov@1.1.1//orb.yml', line: 55 },
    ]);
  });

  it('a component outside the affected refs is reported once, as not affected, when nothing below it is', () => {
    const upload: ComponentRef = { kind: 'orb-element', orb: codecovOrb('3.2.4'), elementKind: 'command', element: 'upload', raw: 'codecov/upload' };
    const m = matchJob({ job: makeJob({ id: 'j' }), components: [node(upload, 5, [node(script('https://cli.codecov.io/latest/linux/codecov'), 9)])] }, makePipeline(), codecov);
    expect(m).toHaveLength(1);
    expect(m[0]).toMatchObject({ affected: false, refReason: expect.stringMatching(/listed as safe/) });
  });

  it('a safe SHA pin whose definition still fetches the bad script at run time is affected through the script', () => {
    const action = node(
      { kind: 'gha-action', owner: 'codecov', repo: 'codecov-action', ref: 'b'.repeat(40), raw: `codecov/codecov-action@${'b'.repeat(40)}` },
      7,
      [node(script('https://codecov.io/bash'), 3, [], `codecov/codecov-action@${'b'.repeat(40)}//action.yml`)],
      '.github/workflows/ci.yml',
    );
    const m = matchJob({ job: makeJob({ id: 'j' }), components: [action] }, makePipeline(), codecov);
    expect(m).toHaveLength(1);
    expect(m[0]).toMatchObject({ affected: true, component: { kind: 'script-url' } });
  });

  it('matches script URLs whatever the scheme, host case or trailing slash', () => {
    for (const url of ['http://codecov.io/bash', 'https://CODECOV.io/bash/', 'codecov.io/bash']) {
      const m = matchJob({ job: makeJob({ id: 'j' }), components: [node(script(url), 3)] }, makePipeline(), codecov);
      expect(m).toHaveLength(1);
      expect(m[0]?.affected).toBe(true);
    }
    const other = matchJob({ job: makeJob({ id: 'j' }), components: [node(script('https://codecov.io/bash-v2'), 3)] }, makePipeline(), codecov);
    expect(other).toEqual([]);
  });

  it('judges GitHub action refs: tag affected, safe SHA not affected, path and case handled', () => {
    const tj = indicator('tj-actions-changed-files-2025');
    const uses = (ref: string | undefined, owner = 'tj-actions', path?: string): ComponentNode =>
      node({ kind: 'gha-action', owner, repo: 'changed-files', path, ref, raw: `${owner}/changed-files@${ref ?? ''}` }, 9, [], '.github/workflows/ci.yml');
    const run = (n: ComponentNode) => matchJob({ job: makeJob({ id: 'j' }), components: [n] }, makePipeline(), tj);
    expect(run(uses('v45'))[0]).toMatchObject({ affected: true });
    expect(run(uses('0e58ed8671d6b60d0890c21b07f8835ace038e67'))[0]).toMatchObject({ affected: true });
    expect(run(uses('a'.repeat(40)))[0]).toMatchObject({ affected: false, refReason: expect.stringMatching(/^pinned to a safe SHA/) });
    expect(run(uses('v45', 'TJ-Actions'))).toHaveLength(1);
    expect(run(uses('v45', 'tj-actions', 'sub'))).toHaveLength(1);
    expect(run(node({ kind: 'gha-action', owner: 'tj-actions', repo: 'changed-filesX', ref: 'v45', raw: 'x' }, 1))).toEqual([]);
  });

  it('an indicator with a sub-path matches only that path', () => {
    const spec = parseComponentSpec('gha:o/r/one@v1');
    if (!spec.ok) throw new Error(spec.error);
    const at = (path?: string): ResolvedJob => ({ job: makeJob({ id: 'j' }), components: [node({ kind: 'gha-action', owner: 'o', repo: 'r', path, ref: 'v1', raw: 'o/r' }, 1)] });
    expect(matchJob(at('one'), makePipeline(), spec.indicator)).toHaveLength(1);
    expect(matchJob(at('two'), makePipeline(), spec.indicator)).toEqual([]);
    expect(matchJob(at(undefined), makePipeline(), spec.indicator)).toEqual([]);
  });

  it('marks unresolved links in the chain', () => {
    const m = matchJob({ job: makeJob({ id: 'j' }), components: [node(codecovOrb('1.1.1'), 4, [], '.circleci/config.yml', 'unresolved')] }, makePipeline(), codecov);
    expect(m[0]?.chain).toEqual([{ kind: 'orb', ref: 'codecov/codecov@1.1.1', file: '.circleci/config.yml', line: 4, unresolved: true }]);
  });

  it('one Match per distinct chain (the same component reached twice through the same path is one)', () => {
    const n = node(codecovOrb('1.1.1'), 4);
    const m = matchJob({ job: makeJob({ id: 'j' }), components: [n, n, node(codecovOrb('1.1.1'), 8)] }, makePipeline(), codecov);
    expect(m.map((x) => x.chain[0]?.line)).toEqual([4, 8]);
  });

  it('matches images by normalised name and tag or digest', () => {
    const trivy = indicator('trivy-teampcp-2026-03');
    const img = (name: string, tag?: string, digest?: string): ResolvedJob => ({
      job: makeJob({ id: 'j' }),
      components: [node({ kind: 'image', name, tag, digest, raw: name }, 2)],
    });
    expect(matchJob(img('docker.io/aquasec/trivy', '0.69.4'), makePipeline(), trivy)[0]?.affected).toBe(true);
    expect(matchJob(img('aquasec/trivy', '0.69.3'), makePipeline(), trivy)[0]?.affected).toBe(false);
    expect(matchJob(img('aquasec/trivy', '0.69.4', 'sha256:' + 'd'.repeat(64)), makePipeline(), trivy)[0]?.affected).toBe(false);
    expect(matchJob(img('GHCR.io/aquasecurity/trivy'), makePipeline(), trivy)[0]?.affected).toBe(true);
    expect(matchJob(img('alpine', '0.69.4'), makePipeline(), trivy)).toEqual([]);
    expect(normaliseImage('docker.io/library/node')).toBe('node');
  });

  it('matches GitLab project includes by project and ref', () => {
    const spec = parseComponentSpec('gitlab:acme/ci-templates@main');
    if (!spec.ok) throw new Error(spec.error);
    const inc = (project: string, ref?: string): ResolvedJob => ({
      job: makeJob({ id: 'j' }),
      components: [node({ kind: 'gitlab-include', include: 'project', project, ref, file: '/t.yml', raw: project }, 1, [], '.gitlab-ci.yml')],
    });
    expect(matchJob(inc('ACME/ci-templates', 'main'), makePipeline(), spec.indicator)[0]?.affected).toBe(true);
    expect(matchJob(inc('acme/ci-templates', 'v2'), makePipeline(), spec.indicator)[0]?.affected).toBe(false);
    expect(matchJob(inc('acme/other', 'main'), makePipeline(), spec.indicator)).toEqual([]);
  });

  it('platform incidents match every job of that platform only', () => {
    const cci = indicator('circleci-platform-2023');
    const job = makeJob({ id: 'build' });
    const m = matchJob({ job, components: [] }, makePipeline({ platform: 'circleci' }), cci);
    expect(m).toHaveLength(1);
    expect(m[0]).toMatchObject({ affected: true, chain: [{ kind: 'platform', ref: 'circleci' }] });
    expect(matchJob({ job, components: [] }, makePipeline({ platform: 'github-actions' }), cci)).toEqual([]);
  });

  it('workflow and runner-label indicators match on the pipeline file, name and labels', () => {
    const sh2 = indicator('shai-hulud-2-2025-11');
    const job = makeJob({ id: 'x', runner: { selfHosted: true, labels: ['sha1hulud'] } });
    const m = matchJob({ job, components: [] }, makePipeline({ file: '.github/workflows/formatter_123.yml' }), sh2);
    expect(m.map((x) => x.component.kind).sort()).toEqual(['runner-label', 'workflow']);
    const ghost = indicator('ghostaction-2025');
    expect(matchJob({ job: makeJob({ id: 'y' }), components: [] }, makePipeline({ name: 'Github Actions Security' }), ghost)).toHaveLength(1);
    expect(matchJob({ job: makeJob({ id: 'y' }), components: [] }, makePipeline({ name: 'CI' }), ghost)).toEqual([]);
  });

  it('packages pinned visibly in run text match; lockfiles are said to be unread', () => {
    const nx = indicator('nx-s1ngularity-2025');
    const job = makeJob({
      id: 'j',
      steps: [makeStep({ run: 'npm ci\nnpx nx@21.5.0 affected -t test', pos: pos(20) }), makeStep({ run: 'npm install nx@19.0.0', pos: pos(30) })],
    });
    const m = matchJob({ job, components: [] }, makePipeline(), nx);
    expect(m).toHaveLength(2);
    expect(m[0]).toMatchObject({ affected: true, chain: [{ kind: 'package', ref: 'nx@21.5.0', line: 20 }], refReason: expect.stringMatching(/lockfiles were not read/) });
    expect(m[1]).toMatchObject({ affected: false });
    const ul = indicator('ultralytics-2024');
    const pip = makeJob({ id: 'p', steps: [makeStep({ run: 'python -m pip install -U "ultralytics==8.3.41" torch' })] });
    expect(matchJob({ job: pip, components: [] }, makePipeline(), ul)[0]?.affected).toBe(true);
  });
});

describe('packagePins', () => {
  it.each([
    ['npx nx@21.5.0 build', [['npm', 'nx', '21.5.0']]],
    ['npm install -g @nx/js@20.9.0 nx@20.9.0', [['npm', '@nx/js', '20.9.0'], ['npm', 'nx', '20.9.0']]],
    ['pnpm add -D @ctrl/tinycolor@4.1.1', [['npm', '@ctrl/tinycolor', '4.1.1']]],
    ['pip install ultralytics==8.3.41', [['pypi', 'ultralytics', '8.3.41']]],
    ['pip3 install Ultra_Lytics[extra]==1.0', [['pypi', 'ultra-lytics', '1.0']]],
    ['echo nx@21.5.0', []],
    ['npx nx build', []],
    ['# npx nx@21.5.0', []],
    ['npm install nx@^21.5.0', []],
    // Lines are read one by one: an installer on another line, or only in a comment, pins nothing here.
    ['npm install \\\n  nx@21.5.0', []],
    ['echo nx@21.5.0 # npm install', []],
    ['set -e\necho ok\nnpx nx@21.5.0 build', [['npm', 'nx', '21.5.0']]],
  ])('%s', (text, expected) => {
    expect(packagePins(text).map((p) => [p.ecosystem, p.name, p.version])).toEqual(expected);
  });
});

describe('normaliseUrl', () => {
  it('ignores scheme, host case and trailing slash', () => {
    expect(normaliseUrl('HTTPS://Codecov.IO/bash/')).toBe('codecov.io/bash');
    expect(normaliseUrl('http://codecov.io/bash')).toBe('codecov.io/bash');
    expect(normaliseUrl('https://codecov.io/bash?x=1')).toBe('codecov.io/bash?x=1');
  });
});
