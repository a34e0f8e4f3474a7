import { CATALOG } from './catalog';
import { indicatorNotationErrors, invalidRefEntries, parseRefEntry, REF_NOTATION, refEntryError, type RefEntry } from './notation';

const SHA = '0e58ed8671d6b60d0890c21b07f8835ace038e67';
const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('parseRefEntry: every form of the grammar', () => {
  it.each<[string, RefEntry]>([
    // every ref
    ['*', { kind: 'any', notation: '*' }],
    ['* (every version)', { kind: 'any', notation: '*', comment: 'every version' }],
    ['all tags', { kind: 'all-tags', notation: 'all tags' }],
    ['All  Tags (moved)', { kind: 'all-tags', notation: 'All  Tags', comment: 'moved' }],
    // pins
    [SHA, { kind: 'sha', notation: SHA, sha: SHA }],
    [`${SHA.toUpperCase()} (v2.0.0)`, { kind: 'sha', notation: SHA.toUpperCase(), sha: SHA, comment: 'v2.0.0' }],
    [DIGEST, { kind: 'digest', notation: DIGEST, digest: DIGEST }],
    // wildcards
    ['1.0.x', { kind: 'wildcard', notation: '1.0.x', interval: { lo: { v: [1, 0], inclusive: true }, hi: { v: [1, 0], inclusive: true } } }],
    ['v1.*', { kind: 'wildcard', notation: 'v1.*', interval: { lo: { v: [1], inclusive: true }, hi: { v: [1], inclusive: true } } }],
    ['1.X', { kind: 'wildcard', notation: '1.X', interval: { lo: { v: [1], inclusive: true }, hi: { v: [1], inclusive: true } } }],
    // ranges
    ['1.1.0-1.1.4', { kind: 'range', notation: '1.1.0-1.1.4', interval: { lo: { v: [1, 1, 0], inclusive: true }, hi: { v: [1, 1, 4], inclusive: true } } }],
    [
      'v1.0.0-v1.3.1 (released before the window end)',
      { kind: 'range', notation: 'v1.0.0-v1.3.1', comment: 'released before the window end', interval: { lo: { v: [1, 0, 0], inclusive: true }, hi: { v: [1, 3, 1], inclusive: true } } },
    ],
    ['v1..v45.0.7', { kind: 'range', notation: 'v1..v45.0.7', interval: { lo: { v: [1], inclusive: true }, hi: { v: [45, 0, 7], inclusive: true } } }],
    ['1.0 – 1.3', { kind: 'range', notation: '1.0 – 1.3', interval: { lo: { v: [1, 0], inclusive: true }, hi: { v: [1, 3], inclusive: true } } }],
    ['2-2', { kind: 'range', notation: '2-2', interval: { lo: { v: [2], inclusive: true }, hi: { v: [2], inclusive: true } } }],
    // comparators
    ['>=8.3.47', { kind: 'comparators', notation: '>=8.3.47', interval: { lo: { v: [8, 3, 47], inclusive: true } } }],
    ['<v0.2.6 (all 7 tags retargeted)', { kind: 'comparators', notation: '<v0.2.6', comment: 'all 7 tags retargeted', interval: { hi: { v: [0, 2, 6], inclusive: false } } }],
    ['>1 <=2.5', { kind: 'comparators', notation: '>1 <=2.5', interval: { lo: { v: [1], inclusive: false }, hi: { v: [2, 5], inclusive: true } } }],
    ['>= 1.0.0 < 1.5.0', { kind: 'comparators', notation: '>= 1.0.0 < 1.5.0', interval: { lo: { v: [1, 0, 0], inclusive: true }, hi: { v: [1, 5, 0], inclusive: false } } }],
    // names: tags, branches, versions
    ['v1', { kind: 'name', notation: 'v1', name: 'v1', version: [1] }],
    ['8.3.41', { kind: 'name', notation: '8.3.41', name: '8.3.41', version: [8, 3, 41] }],
    ['master (at that time)', { kind: 'name', notation: 'master', name: 'master', comment: 'at that time' }],
    ['volatile (resolved to a 1.x release at the time)', { kind: 'name', notation: 'volatile', name: 'volatile', comment: 'resolved to a 1.x release at the time' }],
    ['latest (during the window)', { kind: 'name', notation: 'latest', name: 'latest', comment: 'during the window' }],
    ['release/2026-03', { kind: 'name', notation: 'release/2026-03', name: 'release/2026-03' }],
    ['v1.2.3-beta.1', { kind: 'name', notation: 'v1.2.3-beta.1', name: 'v1.2.3-beta.1' }],
    ['v0.35.0 (= 57a97c7e7821a5776cebc9bb87c984fa69cba8f1)', { kind: 'name', notation: 'v0.35.0', name: 'v0.35.0', version: [0, 35, 0], comment: '= 57a97c7e7821a5776cebc9bb87c984fa69cba8f1' }],
    ['v1 (tag (moved) during the window)', { kind: 'name', notation: 'v1', name: 'v1', version: [1], comment: 'tag (moved) during the window' }],
  ])('%j', (entry, parsed) => {
    expect(parseRefEntry(entry)).toEqual(parsed);
  });

  it.each<[string, RegExp]>([
    ['', /the entry is empty/],
    ['   ', /the entry is empty/],
    // The two entries of issue 9: words outside parentheses never become an exact ref that matches nothing.
    ['v1 (tag) during the window', /text after the closing parenthesis \("during the window"\)/],
    ['v4 tag during window', /"v4 tag during window" is several words: .* \(v4 \(tag during window\)\)/],
    ['(tag v1)', /nothing before the comment/],
    ['v1 (moved', /never closed/],
    ['v1 moved)', /closing parenthesis without an opening one/],
    ['>=1.0.0 <1.5.0 beta', /"beta" is not a comparator/],
    ['>=1.0.0 >=1.2.0', /more than one lower bound/],
    ['<1 <=2', /more than one upper bound/],
    ['=1.2.3', /"=1.2.3" is not a comparator/],
    ['>=2.0.0 <1.0.0', /no version satisfies/],
    ['>1.0.0 <1.0.0', /no version satisfies/],
    ['3.0.0-1.0.0', /the range 3.0.0-1.0.0 is empty/],
    ['release-*', /is a glob/],
    ['v1.?', /is a glob/],
    ['-v1', /not a tag, branch or version name/],
    ['v1@sha', /not a tag, branch or version name/],
  ])('%j is outside the grammar: %s', (entry, problem) => {
    const parsed = parseRefEntry(entry);
    expect(parsed).toEqual({ kind: 'invalid', entry, problem: expect.stringMatching(problem) });
  });

  it('the error names the list, the entry and every accepted form', () => {
    const parsed = parseRefEntry('v4 tag during window');
    if (parsed.kind !== 'invalid') throw new Error('expected invalid');
    const message = refEntryError('affectedRefs entry', parsed);
    expect(message).toMatch(/^affectedRefs entry "v4 tag during window" is not in the ref notation: /);
    expect(message).toContain(REF_NOTATION);
    for (const form of ['v1, main, 8.3.41', '1.0.x', '1.1.0-1.1.4', 'v1..v45.0.7', '>=8.3.47', '<v0.2.6', '* (every ref)', 'all tags', 'commit SHA', 'comment in parentheses']) {
      expect(REF_NOTATION).toContain(form);
    }
  });

  it('invalidRefEntries and indicatorNotationErrors locate each bad entry', () => {
    const component = { id: 'actions/checkout', affectedRefs: ['v4', 'v4 tag during window'], safeRefs: ['v5 (fixed) later'] };
    expect(invalidRefEntries(component)).toEqual([
      { list: 'affectedRefs', index: 1, message: expect.stringMatching(/^affectedRefs entry "v4 tag during window"/) },
      { list: 'safeRefs', index: 0, message: expect.stringMatching(/^safeRefs entry "v5 \(fixed\) later"/) },
    ]);
    expect(indicatorNotationErrors({ id: 'user-file', components: [component] })).toEqual([
      expect.stringMatching(/^indicator user-file, component actions\/checkout: affectedRefs entry "v4 tag during window"/),
      expect.stringMatching(/^indicator user-file, component actions\/checkout: safeRefs entry/),
    ]);
  });
});

describe('the built-in catalog in the grammar', () => {
  const entries = CATALOG.flatMap((indicator) =>
    indicator.components.flatMap((c) => [
      ...c.affectedRefs.map((entry) => [indicator.id, c.id, 'affectedRefs', entry] as const),
      ...c.safeRefs.map((entry) => [indicator.id, c.id, 'safeRefs', entry] as const),
    ]),
  );

  it('has entries to walk', () => {
    expect(entries.length).toBeGreaterThan(40);
  });

  it.each(entries)('%s %s %s %j parses', (_indicator, _component, _list, entry) => {
    const parsed = parseRefEntry(entry);
    expect(parsed.kind === 'invalid' ? parsed.problem : 'in the grammar').toBe('in the grammar');
    // An entry with words beyond the ref keeps them as a comment, never as part of the ref.
    if (parsed.kind !== 'invalid' && parsed.kind !== 'all-tags' && parsed.kind !== 'comparators' && parsed.kind !== 'range') expect(parsed.notation).not.toMatch(/\s/);
  });

  it('no indicator of the catalog has a notation error', () => {
    expect(CATALOG.flatMap((i) => indicatorNotationErrors(i))).toEqual([]);
  });

  it('reviewdog/action-setup lists the v1 tag itself', () => {
    const setup = CATALOG.find((i) => i.id === 'reviewdog-action-setup-2025')?.components.find((c) => c.id === 'reviewdog/action-setup');
    expect(setup?.affectedRefs.map((e) => parseRefEntry(e))).toContainEqual(expect.objectContaining({ kind: 'name', name: 'v1' }));
  });
});
