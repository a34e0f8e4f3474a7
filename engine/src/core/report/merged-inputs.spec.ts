import type { ScanResult } from '../model';
import { incompleteReasons, isIncomplete, mergedInputs } from './common';

type Unresolved = ScanResult['unresolved'][number];

function withInputs(unresolved: Unresolved[], errors: ScanResult['errors'] = []): ScanResult {
  return {
    indicator: { id: 'some-indicator', title: 'Some indicator' },
    summary: { repos: 1, files: 1, jobs: 1, affected: 0, unresolved: unresolved.length, errors: errors.length },
    findings: [],
    unresolved,
    errors,
  };
}

const use = (partial: Partial<Unresolved>): Unresolved => ({ repo: 'acme/app', file: '.circleci/config.yml', line: 3, ref: 'acme/tools@1.0.0', reason: 'not in the cache', ...partial });

describe('mergedInputs', () => {
  it('lists each use (repo, file, line, ref) once, in the order first met, across results', () => {
    const a = use({});
    const b = use({ line: 4 });
    const c = use({ ref: 'acme/other@2.0.0' });
    const d = use({ repo: 'acme/lib' });
    const e = use({ file: '.gitlab-ci.yml' });
    const merged = mergedInputs([withInputs([a, b, { ...a, reason: 'another reason' }]), withInputs([c, { ...b }, d, e, { ...e }])]);
    expect(merged.unresolved).toEqual([a, b, c, d, e]);
    expect(merged.unresolved[0]?.reason).toBe('not in the cache');
  });

  it('joins the versions of a use met in several versions of the repository', () => {
    const old = { commit: 'aaa', role: 'window-start' as const, committedAt: 1 };
    const head = { commit: 'bbb', role: 'head' as const, committedAt: 2 };
    const merged = mergedInputs([withInputs([use({ versions: [old] })]), withInputs([use({ versions: [head] }), use({ line: 9, versions: [head] })])]);
    expect(merged.unresolved).toHaveLength(2);
    expect(merged.unresolved[0]?.versions?.map((v) => v.commit)).toEqual(['aaa', 'bbb']);
    expect(merged.unresolved[1]?.versions?.map((v) => v.commit)).toEqual(['bbb']);
  });

  it('tells uses apart as their joined key does when a field holds the separator', () => {
    // `a\0b` + `c` and `a` + `b\0c` join to the same key: one entry, as always.
    const first = use({ repo: 'a\u0000b', file: 'c' });
    const same = use({ repo: 'a', file: 'b\u0000c' });
    const other = use({ repo: 'a', file: 'c' });
    const merged = mergedInputs([withInputs([first, same, other])]);
    expect(merged.unresolved).toEqual([first, other]);
    expect(incompleteReasons([withInputs([first, same, other])])).toContain('2 components whose source could not be read');
  });

  it('lists the uses of one result once each, whether or not they are in a scan\'s order', () => {
    const a = use({});
    const b = use({ line: 4 });
    const c = use({ line: 4, ref: 'acme/other@2.0.0' });
    const d = use({ file: '.gitlab-ci.yml' });
    // In order and all different: the list as it is.
    expect(mergedInputs([withInputs([a, b, c, d])]).unresolved).toEqual([a, b, c, d]);
    // The same use again: next to it, on a later line of the file, or after another file.
    expect(mergedInputs([withInputs([a, b, c, { ...b }, d])]).unresolved).toEqual([a, b, c, d]);
    expect(mergedInputs([withInputs([b, a, { ...b }])]).unresolved).toEqual([b, a]);
    expect(mergedInputs([withInputs([a, d, { ...a }])]).unresolved).toEqual([a, d]);
    expect(incompleteReasons([withInputs([a, d, { ...a }, b])])).toContain('3 components whose source could not be read');
    // Many uses on one line (compared through the index): still each once.
    const many = Array.from({ length: 40 }, (_, i) => use({ ref: `acme/tool${i}@1.0.0` }));
    expect(mergedInputs([withInputs([...many, { ...many[0]! }])]).unresolved).toEqual(many);
  });

  it('lists each error once', () => {
    const error = { repo: 'acme/app', file: '.gitlab-ci.yml', line: 7, code: 'yaml-syntax', message: 'bad indentation' };
    const merged = mergedInputs([withInputs([], [error, { ...error }]), withInputs([], [{ ...error, line: 8 }])]);
    expect(merged.errors.map((e) => e.line)).toEqual([7, 8]);
  });
});

describe('isIncomplete', () => {
  const error = { repo: 'acme/app', file: '.gitlab-ci.yml', line: 2, code: 'yaml-syntax', message: 'bad' };
  const noFiles = (r: ScanResult): ScanResult => ({ ...r, summary: { ...r.summary, files: 0 } });
  const cases: Array<[string, ScanResult[]]> = [
    ['nothing to say', [withInputs([])]],
    ['no results', []],
    ['an unresolved use', [withInputs([use({})])]],
    ['the same unresolved use twice', [withInputs([use({})]), withInputs([use({})])]],
    ['an input error in the second result', [withInputs([]), withInputs([], [error])]],
    ['no pipeline file anywhere', [noFiles(withInputs([])), noFiles(withInputs([]))]],
    ['no pipeline file in one result only', [noFiles(withInputs([])), withInputs([])]],
  ];
  it.each(cases)('is true exactly when incompleteReasons gives a reason: %s', (_what, list) => {
    expect(isIncomplete(list)).toBe(incompleteReasons(list).length > 0);
  });
  it('says so for an unresolved use and for a result without files', () => {
    expect(isIncomplete([withInputs([use({})])])).toBe(true);
    expect(isIncomplete([noFiles(withInputs([]))])).toBe(true);
    expect(isIncomplete([withInputs([])])).toBe(false);
  });
});
