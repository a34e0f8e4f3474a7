import { actionId, parseImage, parseUses, type GhaComponentRef } from './parse';

describe('parseUses', () => {
  const sha = '11bd71901bbe5b1630ceea73d27597364c9af683';
  const table: Array<[string, GhaComponentRef | undefined]> = [
    ['actions/checkout@v4', { kind: 'gha-action', owner: 'actions', repo: 'checkout', ref: 'v4', raw: 'actions/checkout@v4' }],
    [`actions/checkout@${sha}`, { kind: 'gha-action', owner: 'actions', repo: 'checkout', ref: sha, raw: `actions/checkout@${sha}` }],
    ['actions/checkout', { kind: 'gha-action', owner: 'actions', repo: 'checkout', raw: 'actions/checkout' }],
    ['  tj-actions/changed-files@v35  ', { kind: 'gha-action', owner: 'tj-actions', repo: 'changed-files', ref: 'v35', raw: 'tj-actions/changed-files@v35' }],
    ['github/codeql-action/init@v3', { kind: 'gha-action', owner: 'github', repo: 'codeql-action', path: 'init', ref: 'v3', raw: 'github/codeql-action/init@v3' }],
    ['actions/cache/save@v4', { kind: 'gha-action', owner: 'actions', repo: 'cache', path: 'save', ref: 'v4', raw: 'actions/cache/save@v4' }],
    ['gradle/actions/setup-gradle/sub/@main', { kind: 'gha-action', owner: 'gradle', repo: 'actions', path: 'setup-gradle/sub', ref: 'main', raw: 'gradle/actions/setup-gradle/sub/@main' }],
    // Obfuscated paths resolve as GitHub resolves them (raw keeps what was written).
    ['actions/checkout/@v4', { kind: 'gha-action', owner: 'actions', repo: 'checkout', ref: 'v4', raw: 'actions/checkout/@v4' }],
    ['actions/checkout////@v4', { kind: 'gha-action', owner: 'actions', repo: 'checkout', ref: 'v4', raw: 'actions/checkout////@v4' }],
    ['actions/cache/save/../save@v4', { kind: 'gha-action', owner: 'actions', repo: 'cache', path: 'save', ref: 'v4', raw: 'actions/cache/save/../save@v4' }],
    ['actions/cache/./restore@v4', { kind: 'gha-action', owner: 'actions', repo: 'cache', path: 'restore', ref: 'v4', raw: 'actions/cache/./restore@v4' }],
    ['actions/cache/../../save@v4', undefined],
    ['owner/repo@feature/branch-name', { kind: 'gha-action', owner: 'owner', repo: 'repo', ref: 'feature/branch-name', raw: 'owner/repo@feature/branch-name' }],
    [
      'octo-org/ci/.github/workflows/build.yml@v1',
      { kind: 'gha-reusable-workflow', owner: 'octo-org', repo: 'ci', path: '.github/workflows/build.yml', ref: 'v1', raw: 'octo-org/ci/.github/workflows/build.yml@v1' },
    ],
    [
      `octo-org/ci/.github/workflows/build.yaml@${sha}`,
      { kind: 'gha-reusable-workflow', owner: 'octo-org', repo: 'ci', path: '.github/workflows/build.yaml', ref: sha, raw: `octo-org/ci/.github/workflows/build.yaml@${sha}` },
    ],
    ['octo-org/ci/.github/workflows/build.yml', { kind: 'gha-reusable-workflow', owner: 'octo-org', repo: 'ci', path: '.github/workflows/build.yml', raw: 'octo-org/ci/.github/workflows/build.yml' }],
    ['./.github/actions/setup', { kind: 'gha-local-action', path: '.github/actions/setup', raw: './.github/actions/setup' }],
    ['./.github/actions/setup/', { kind: 'gha-local-action', path: '.github/actions/setup', raw: './.github/actions/setup/' }],
    ['./', { kind: 'gha-local-action', path: '', raw: './' }],
    ['./.github/workflows/reusable.yml', { kind: 'gha-local-workflow', path: '.github/workflows/reusable.yml', raw: './.github/workflows/reusable.yml' }],
    ['./.github/workflows/reusable.yaml', { kind: 'gha-local-workflow', path: '.github/workflows/reusable.yaml', raw: './.github/workflows/reusable.yaml' }],
    // GitHub's self-repository syntax (July 2026): the workflow's own repository at the running commit.
    ['$/.github/actions/ci-setup', { kind: 'gha-local-action', path: '.github/actions/ci-setup', raw: '$/.github/actions/ci-setup' }],
    ['$/.github/workflows/reusable.yml', { kind: 'gha-local-workflow', path: '.github/workflows/reusable.yml', raw: '$/.github/workflows/reusable.yml' }],
    ['docker://alpine:3.8', { kind: 'image', name: 'alpine', tag: '3.8', raw: 'docker://alpine:3.8' }],
    ['docker://alpine', { kind: 'image', name: 'alpine', raw: 'docker://alpine' }],
    ['docker://ghcr.io/owner/img:1.2.3', { kind: 'image', name: 'ghcr.io/owner/img', tag: '1.2.3', raw: 'docker://ghcr.io/owner/img:1.2.3' }],
    ['docker://localhost:5000/img', { kind: 'image', name: 'localhost:5000/img', raw: 'docker://localhost:5000/img' }],
    [
      `docker://alpine@sha256:${'a'.repeat(64)}`,
      { kind: 'image', name: 'alpine', digest: `sha256:${'a'.repeat(64)}`, raw: `docker://alpine@sha256:${'a'.repeat(64)}` },
    ],
    [
      `docker://alpine:3.19@sha256:${'b'.repeat(64)}`,
      { kind: 'image', name: 'alpine', tag: '3.19', digest: `sha256:${'b'.repeat(64)}`, raw: `docker://alpine:3.19@sha256:${'b'.repeat(64)}` },
    ],
    // Expressions: GitHub does not evaluate them in `uses:`.
    ['${{ matrix.action }}', undefined],
    ['actions/checkout@${{ inputs.ref }}', undefined],
    ['docker://${{ env.IMAGE }}', undefined],
    // Garbage.
    ['', undefined],
    ['   ', undefined],
    ['checkout', undefined],
    ['actions/checkout@', undefined],
    ['actions/checkout@v4@v5', undefined],
    ['actions/check out@v4', undefined],
    ['../other/action', undefined],
    ['./../escape', undefined],
    ['./local@v1', undefined],
    ['$/../escape', undefined],
    ['$/local@v1', undefined],
    ['owner/repo/../x@v1', undefined],
    ['https://github.com/actions/checkout@v4', undefined],
    ['docker://', undefined],
    ['docker://alpine@notadigest', undefined],
    ['docker://Bad Image', undefined],
  ];

  it.each(table)('%j', (raw, expected) => {
    expect(parseUses(raw)).toEqual(expected);
  });
});

describe('parseImage', () => {
  it.each([
    ['node:20', { kind: 'image', name: 'node', tag: '20', raw: 'node:20' }],
    ['postgres', { kind: 'image', name: 'postgres', raw: 'postgres' }],
    ['registry.example.com:443/team/app:v1', { kind: 'image', name: 'registry.example.com:443/team/app', tag: 'v1', raw: 'registry.example.com:443/team/app:v1' }],
    ['${{ matrix.image }}', undefined],
    ['', undefined],
  ])('%j', (raw, expected) => {
    expect(parseImage(raw)).toEqual(expected);
  });
});

describe('actionId', () => {
  it('names remote actions by owner/repo[/path], lower-cased, and nothing else', () => {
    expect(actionId(parseUses('Actions/Upload-Artifact@v4')!)).toBe('actions/upload-artifact');
    expect(actionId(parseUses('actions/cache/restore@v4')!)).toBe('actions/cache/restore');
    expect(actionId(parseUses('./local')!)).toBeUndefined();
  });
});
