import type { IndicatorComponent } from '../model';
import { decideRef, refShape } from './refs';

const MAL = '0e58ed8671d6b60d0890c21b07f8835ace038e67';
const SAFE = '57a97c7e7821a5776cebc9bb87c984fa69cba8f1';

function comp(partial: Partial<IndicatorComponent>): IndicatorComponent {
  return { kind: 'gha-action', id: 'o/r', affectedRefs: [], safeRefs: [], maliciousShas: [], ...partial };
}

const codecovAction = comp({ id: 'codecov/codecov-action', affectedRefs: ['v1', 'v1.0.0-v1.3.1 (released before window end)', 'master (at that time)'], safeRefs: ['>=1.5.0'] });
const codecovFetching = comp({ ...codecovAction, runTimeFetch: 'https://codecov.io/bash' });
const codecovOrb = comp({ kind: 'orb', id: 'codecov/codecov', affectedRefs: ['1.0.x', '1.1.0-1.1.4', 'volatile (resolved to a 1.x release)'], safeRefs: ['>=3.0.0'] });
const tj = comp({ id: 'tj-actions/changed-files', affectedRefs: ['v1..v45.0.7', 'main'], safeRefs: ['>=46.0.1'], maliciousShas: [MAL] });
const allTags = comp({ id: 'actions-cool/issues-helper', affectedRefs: ['all tags'] });
const star = comp({ affectedRefs: ['*'] });
const setupTrivy = comp({ affectedRefs: ['<v0.2.6'], safeRefs: ['v0.2.6'] });
const ultralytics = comp({ kind: 'package', id: 'pypi:ultralytics', affectedRefs: ['8.3.41', '8.3.42', '8.3.45', '8.3.46'], safeRefs: ['8.3.43', '8.3.44', '>=8.3.47'] });
const script = comp({ kind: 'script-url', id: 'https://codecov.io/bash', affectedRefs: ['*'] });
const image = comp({ kind: 'image', id: 'aquasec/trivy', affectedRefs: ['0.69.4', 'latest'], maliciousShas: ['sha256:' + 'a'.repeat(64)] });
const comparators = comp({ affectedRefs: ['>=1.0.0 <1.5.0'] });

describe('refShape', () => {
  it.each([
    [undefined, 'none'],
    ['', 'none'],
    [MAL, 'sha'],
    [MAL.toUpperCase(), 'sha'],
    ['sha256:' + 'b'.repeat(64), 'digest'],
    ['volatile', 'volatile'],
    ['v1', 'version'],
    ['1.2.3', 'version'],
    ['v45.0.7', 'version'],
    ['main', 'name'],
    ['0e58ed8', 'name'],
    ['v1.2.3-beta', 'name'],
  ])('%s → %s', (ref, kind) => {
    expect(refShape(ref).kind).toBe(kind);
  });
});

describe('decideRef with what the component code says', () => {
  it('a SHA pin: the code read decides', () => {
    expect(decideRef(SAFE, codecovFetching, { namesRunTimeFetch: true })).toMatchObject({ affected: true, reason: expect.stringMatching(/whose code \(read from the component cache\) downloads/) });
    expect(decideRef(SAFE, codecovFetching, { namesRunTimeFetch: false })).toMatchObject({ affected: false, reason: expect.stringMatching(/^pinned to a safe SHA: the code of codecov\/codecov-action/) });
    expect(decideRef(SAFE, codecovFetching, {})).toMatchObject({ affected: true, reason: expect.stringMatching(/was not read/) });
  });

  it('a SHA pin labelled with a release by a same-line comment: that release decides when the code was not read', () => {
    expect(decideRef(SAFE, codecovFetching, { label: 'v7.0.0' })).toEqual({
      affected: false,
      reason: 'pinned to commit 57a97c7e7821a5776cebc9bb87c984fa69cba8f1, which the file labels `v7.0.0` (a comment, not checked against the repository): `v7.0.0` is listed as safe (`>=1.5.0`)',
    });
    expect(decideRef(SAFE, codecovFetching, { label: 'v1.2.0' })).toMatchObject({ affected: true, reason: expect.stringMatching(/labels `v1.2.0` .*: that release is among the affected ones .* which download https:\/\/codecov\.io\/bash at run time$/) });
    // The code, when read, outranks the comment; a short label (`v1`) names no single release.
    expect(decideRef(SAFE, codecovFetching, { label: 'v7.0.0', namesRunTimeFetch: true }).affected).toBe(true);
    expect(decideRef(SAFE, codecovFetching, { label: 'v1' })).toMatchObject({ affected: true, reason: expect.stringMatching(/was not read/) });
  });

  it('a malicious SHA stays affected, and a mutable tag is judged by the refs (the cache holds the tag as it is now)', () => {
    expect(decideRef(MAL, comp({ ...codecovFetching, maliciousShas: [MAL] }), { namesRunTimeFetch: false }).affected).toBe(true);
    expect(decideRef('v1', codecovFetching, { namesRunTimeFetch: false }).affected).toBe(true);
  });
});

describe('decideRef', () => {
  it.each<[string, string | undefined, IndicatorComponent, boolean, RegExp]>([
    // SHA pins
    ['malicious SHA', MAL, tj, true, /malicious commit/],
    ['malicious SHA upper case', MAL.toUpperCase(), tj, true, /malicious commit/],
    ['other SHA', SAFE, tj, false, /^pinned to a safe SHA/],
    ['other SHA, every ref affected', SAFE, star, false, /^pinned to a safe SHA/],
    ['other SHA of a listed-affected action', SAFE, codecovAction, false, /pinned to a safe SHA/],
    ['SHA pin of an action that fetches a script at run time', SAFE, codecovFetching, true, /download https:\/\/codecov\.io\/bash at run time, so a pin does not freeze what runs/],
    ['SHA pin listed as safe, action fetching at run time', SAFE, comp({ ...codecovFetching, safeRefs: [`${SAFE} (v2.0.0)`] }), false, /listed as safe/],
    ['malicious SHA of an action fetching at run time', MAL, comp({ ...codecovFetching, maliciousShas: [MAL] }), true, /malicious commit/],
    ['a tag of an action fetching at run time: as any tag', 'v1.5.0', codecovFetching, false, /listed as safe/],
    ['malicious digest', 'sha256:' + 'a'.repeat(64), image, true, /malicious image/],
    ['other digest', 'sha256:' + 'c'.repeat(64), image, false, /pinned to a safe SHA/],
    // exact tags and branches
    ['listed floating tag v1', 'v1', codecovAction, true, /listed as affected/],
    ['listed branch master', 'master', codecovAction, true, /listed as affected \(`master \(at that time\)`\)/],
    ['unlisted branch', 'main', codecovAction, false, /outside the affected refs/],
    // ranges
    ['inside a v-range', 'v1.2.0', codecovAction, true, /within `v1.0.0-v1.3.1/],
    ['range upper bound', 'v1.3.1', codecovAction, true, /within/],
    ['just above range', 'v1.4.0', codecovAction, false, /outside the affected refs/],
    ['listed safe by comparator', 'v1.5.0', codecovAction, false, /listed as safe/],
    ['v2 safe', 'v2', codecovAction, false, /outside/],
    ['wildcard 1.0.x', '1.0.5', codecovOrb, true, /within `1.0.x`/],
    ['dash range 1.1.0-1.1.4', '1.1.1', codecovOrb, true, /within `1.1.0-1.1.4`/],
    ['a full orb version is published, not mutable', '1.1.1', codecovOrb, true, /^`1.1.1` is a published version and it is within `1.1.0-1.1.4`, so a run of it during the window ran the bad code$/],
    ['a floating orb version is mutable', '1.1', comp({ kind: 'orb', affectedRefs: ['1.1.0-1.1.4'] }), true, /^`1.1` is a mutable ref/],
    ['a package version is published', '8.3.41', ultralytics, true, /^`8.3.41` is a published version listed as affected/],
    ['outside dash range', '1.1.5', codecovOrb, false, /outside/],
    ['orb 3.x safe', '3.2.4', codecovOrb, false, /listed as safe/],
    ['volatile listed', 'volatile', codecovOrb, true, /listed as affected/],
    ['volatile not listed but affected refs exist', 'volatile', comp({ kind: 'orb', affectedRefs: ['1.0.0'] }), true, /newest release at run time/],
    ['dot-dot range with short lower bound', 'v1', tj, true, /floating tag|listed/],
    ['dot-dot range middle', 'v35.1.2', tj, true, /within `v1..v45.0.7`/],
    ['dot-dot range upper', 'v45.0.7', tj, true, /within/],
    ['floating major inside range', 'v45', tj, true, /floating tag that could point to a release within/],
    ['above dot-dot range', 'v45.0.8', tj, false, /outside/],
    ['safe after incident', 'v46.0.1', tj, false, /listed as safe/],
    ['listed branch main', 'main', tj, true, /listed as affected/],
    ['floating v1 onto listed exact release', 'v1', comp({ affectedRefs: ['v1.2.3'] }), true, /floating tag that could point to the listed release/],
    ['comparator range inside', '1.4.9', comparators, true, /within `>=1.0.0 <1.5.0`/],
    ['comparator range exclusive end', '1.5.0', comparators, false, /outside/],
    ['less-than range', 'v0.2.5', setupTrivy, true, /within `<v0.2.6`/],
    ['less-than range safe listed', 'v0.2.6', setupTrivy, false, /listed as safe/],
    // all tags / star
    ['all tags: version tag', 'v2.0.0', allTags, true, /every tag was moved/],
    ['all tags: named tag', 'stable', allTags, true, /every tag was moved/],
    ['all tags: unpinned', undefined, allTags, true, /no ref is pinned/],
    ['star: any branch', 'develop', star, true, /every ref is affected/],
    ['star: unpinned', undefined, star, true, /no ref is pinned/],
    // unpinned
    ['unpinned, affected refs exist', undefined, codecovAction, true, /no ref is pinned, so it runs/],
    ['unpinned, nothing listed', undefined, comp({}), false, /lists no affected refs/],
    ['nothing listed, tag', 'v1', comp({}), false, /lists no affected refs/],
    // packages
    ['package listed version', '8.3.41', ultralytics, true, /listed as affected/],
    ['package safe version', '8.3.43', ultralytics, false, /listed as safe/],
    ['package safe by comparator', '8.3.50', ultralytics, false, /listed as safe/],
    ['package other version', '8.2.0', ultralytics, false, /outside/],
    // scripts
    ['script URL (no ref)', undefined, script, true, /fetched from this URL at run time/],
    // images
    ['image tag listed', '0.69.4', image, true, /listed as affected/],
    ['image latest listed', 'latest', image, true, /listed as affected/],
    ['image unpinned', undefined, image, true, /no ref is pinned/],
    ['image other tag', '0.69.3', image, false, /outside/],
    // pins written in the ref lists
    ['a SHA listed among the affected refs is malicious', MAL, comp({ affectedRefs: [`${MAL} (the impostor commit)`] }), true, /malicious commit/],
    ['a SHA listed as safe, written with a comment', SAFE, comp({ affectedRefs: ['*'], safeRefs: [`${SAFE.toUpperCase()} (v0.35.0)`], runTimeFetch: 'https://x.example/s' }), false, /listed as safe/],
    // an entry outside the notation never clears a use (fail closed; the loaders refuse it first)
    ['an unreadable affected entry: a tag', 'v4', comp({ affectedRefs: ['v4 tag during window'] }), true, /affected ref entry "v4 tag during window" is not in the ref notation .* treated as affected/],
    ['an unreadable affected entry: another tag', 'v3', comp({ affectedRefs: ['v1 (tag) during the window'] }), true, /cannot be told: treated as affected/],
    ['an unreadable affected entry: a safe-looking SHA pin', SAFE, comp({ affectedRefs: ['v4 tag during window'] }), true, /whether commit 57a97c7e.* falls under it cannot be told/],
    ['an unreadable safe entry is not a safe listing', 'v2', comp({ affectedRefs: ['*'], safeRefs: ['v2 tag after the fix'] }), true, /every ref is affected/],
  ])('%s: %s', (_name, ref, component, affected, reason) => {
    const d = decideRef(ref, component);
    expect(d).toEqual({ affected, reason: expect.stringMatching(reason) });
    expect(d.reason.length).toBeGreaterThan(20);
  });
});
