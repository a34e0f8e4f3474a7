/**
 * Findings over several versions of a repository: what is the same in several versions is one finding
 * with the versions it holds for (an unchanged workflow is reported once), said in words in every report;
 * results without versions are rendered as before.
 */
import { catalogIndicator } from './indicators';
import type { Indicator, RepoInput, VersionInfo } from './model';
import { renderCsv, renderJson, renderMarkdown, renderTable } from './report';
import { scan } from './scan';
import { memorySource } from './testing';
import { mergeVersions, stillExposedNow, versionsText } from './versions';

const TJ = catalogIndicator('tj-actions-changed-files-2025') as Indicator;
const at = (iso: string): number => Date.parse(iso);
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const D = 'd'.repeat(40);

const V: Record<string, VersionInfo> = {
  start: { commit: A, committedAt: at('2025-01-10T09:00:00Z'), role: 'window-start', liveFrom: at('2025-01-10T09:00:00Z'), liveUntil: at('2025-03-14T10:00:00Z'), replacedBy: B },
  mid: { commit: B, committedAt: at('2025-03-14T10:00:00Z'), role: 'in-window', liveFrom: at('2025-03-14T10:00:00Z'), liveUntil: at('2025-03-14T16:37:00Z'), replacedBy: C },
  removal: { commit: C, committedAt: at('2025-03-14T16:37:00Z'), role: 'in-window', liveFrom: at('2025-03-14T16:37:00Z'), liveUntil: at('2025-04-02T00:00:00Z'), replacedBy: D },
  head: { commit: D, committedAt: at('2025-04-02T00:00:00Z'), role: 'head', liveFrom: at('2025-04-02T00:00:00Z') },
};

const workflow = (extra = ''): string => `name: CI
on: push
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: tj-actions/changed-files@v39${extra}
`;
const removed = `name: Other
on: push
jobs:
  changed:
    runs-on: ubuntu-latest
    steps:
      - uses: tj-actions/changed-files@v35
`;

/** ci.yml unchanged in all four versions; other.yml only in the first two (removed by C). */
function versions(): RepoInput[] {
  const both = [
    { path: '.github/workflows/ci.yml', text: workflow() },
    { path: '.github/workflows/other.yml', text: removed },
  ];
  return [
    { repo: 'acme/app', files: both, version: V.start },
    { repo: 'acme/app', files: both, version: V.mid },
    { repo: 'acme/app', files: [{ path: '.github/workflows/ci.yml', text: workflow() }], version: V.removal },
    { repo: 'acme/app', files: [{ path: '.github/workflows/ci.yml', text: workflow() }], version: V.head },
  ];
}

describe('versions in words', () => {
  it('a run of consecutive versions is one phrase; a live one is still exposed now', () => {
    expect(versionsText([V.start as VersionInfo])).toBe('aaaaaaa…, live from before the window until its removal by bbbbbbb… at 2025-03-14 10:00 UTC');
    expect(versionsText([V.mid as VersionInfo, V.start as VersionInfo])).toBe('aaaaaaa… to bbbbbbb…, live from before the window until its removal by ccccccc… at 2025-03-14 16:37 UTC');
    expect(versionsText([V.start as VersionInfo, V.removal as VersionInfo, V.head as VersionInfo])).toBe(
      'aaaaaaa…, live from before the window until its removal by bbbbbbb… at 2025-03-14 10:00 UTC; ccccccc… to ddddddd…, live from 2025-03-14 16:37 UTC until today: still exposed now',
    );
    expect(stillExposedNow([V.start as VersionInfo])).toBe(false);
    expect(stillExposedNow([V.start as VersionInfo, V.head as VersionInfo])).toBe(true);
    expect(stillExposedNow(undefined)).toBe(false);
  });

  it('mergeVersions: equal but for versions → one, versions united oldest first; without versions → unchanged', () => {
    const items = [
      { id: 'x', versions: [V.mid as VersionInfo] },
      { id: 'y' },
      { id: 'x', versions: [V.start as VersionInfo] },
      { id: 'y' },
      { id: 'z', versions: [V.head as VersionInfo] },
    ];
    expect(mergeVersions(items)).toEqual([{ id: 'x', versions: [V.start, V.mid] }, { id: 'y' }, { id: 'y' }, { id: 'z', versions: [V.head] }]);
  });
});

describe('a scan over several versions of a repository', () => {
  const result = scan(versions(), TJ, memorySource({}));

  it('an unchanged workflow is one finding with its four versions; the removed one holds until its removal', () => {
    expect(result.findings.map((f) => ({ file: f.file, versions: f.versions?.map((v) => v.commit) }))).toEqual([
      { file: '.github/workflows/ci.yml', versions: [A, B, C, D] },
      { file: '.github/workflows/other.yml', versions: [A, B] },
    ]);
    expect(result.summary).toEqual({ repos: 1, files: 2, jobs: 2, affected: 2, unresolved: 2, errors: 0 });
    // The unresolved action is one entry per use, with the versions it was met in.
    expect(result.unresolved.map((u) => [u.file, u.versions?.length])).toEqual([
      ['.github/workflows/ci.yml', 4],
      ['.github/workflows/other.yml', 2],
    ]);
  });

  it('a workflow that changed is a finding per form, each with its versions (a moved line is another finding)', () => {
    const changed = versions();
    const last = changed[3] as RepoInput;
    const moved = workflow().replace('    steps:\n', '    steps:\n      - run: echo first\n');
    changed[3] = { ...last, files: [{ path: '.github/workflows/ci.yml', text: moved }] };
    const r = scan(changed, TJ, memorySource({}));
    const ci = r.findings.filter((f) => f.file === '.github/workflows/ci.yml');
    expect(ci.map((f) => [f.line, versionsText(f.versions ?? [])])).toEqual([
      [7, 'aaaaaaa… to ccccccc…, live from before the window until its removal by ddddddd… at 2025-04-02 00:00 UTC'],
      [8, 'ddddddd…, live from 2025-04-02 00:00 UTC until today: still exposed now'],
    ]);
  });

  it('the reports say it: a versions line in the table, a Versions column in Markdown, versions in JSON and CSV', () => {
    const table = renderTable(result);
    expect(table).toContain('\n  versions: aaaaaaa… to ddddddd…, live from before the window until today: still exposed now\n');
    expect(table).toContain('\n  versions: aaaaaaa… to bbbbbbb…, live from before the window until its removal by ccccccc… at 2025-03-14 16:37 UTC\n');
    expect(table).toContain('(in aaaaaaa… to bbbbbbb…, live from before the window until its removal by ccccccc… at 2025-03-14 16:37 UTC)');

    const md = renderMarkdown(result);
    expect(md).toContain('| Verdict | Repository | Uses (file:line) | Job | Secrets | Tamper | Chain | Versions |');

    const json = JSON.parse(renderJson(result)) as { findings: Array<{ file: string; versions: unknown[]; live: string; stillExposedNow: boolean }> };
    expect(json.findings.map((f) => [f.file, f.versions.length, f.stillExposedNow])).toEqual([
      ['.github/workflows/ci.yml', 4, true],
      ['.github/workflows/other.yml', 2, false],
    ]);
    expect(json.findings[1]?.versions[0]).toEqual({ commit: A, role: 'window-start', committedAt: '2025-01-10T09:00:00.000Z', liveFrom: '2025-01-10T09:00:00.000Z', liveUntil: '2025-03-14T10:00:00.000Z', replacedBy: B });

    const csv = renderCsv(result).split('\r\n');
    expect(csv[0]).toMatch(/,advice,versions,still_exposed_now$/);
    expect(csv[1]).toMatch(/,"aaaaaaa… to ddddddd…, live from before the window until today: still exposed now",true$/);
  });

  it('without versions, the reports are as they were: no versions line, column or field', () => {
    const plain = scan(
      versions().slice(0, 1).map(({ version: _v, ...r }) => r),
      TJ,
      memorySource({}),
    );
    expect(plain.findings.every((f) => f.versions === undefined)).toBe(true);
    expect(renderTable(plain)).not.toContain('versions:');
    expect(renderMarkdown(plain)).not.toContain('Versions');
    expect(renderJson(plain)).not.toContain('"versions"');
    expect(renderCsv(plain).split('\r\n')[0]).toMatch(/,advice$/);
  });
});
