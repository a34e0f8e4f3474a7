import { parseComponentSpec } from './spec';

describe('parseComponentSpec', () => {
  it.each([
    ['gha:tj-actions/changed-files', 'action', { kind: 'gha-action', id: 'tj-actions/changed-files', affectedRefs: ['*'], maliciousShas: [] }],
    ['gha:tj-actions/changed-files@v45', 'action', { kind: 'gha-action', id: 'tj-actions/changed-files', affectedRefs: ['v45'] }],
    ['gha:o/r/sub/path@v1', 'action', { kind: 'gha-action', id: 'o/r/sub/path', affectedRefs: ['v1'] }],
    [
      'gha:tj-actions/changed-files@0E58ED8671D6B60D0890C21B07F8835ACE038E67',
      'action',
      { kind: 'gha-action', affectedRefs: [], maliciousShas: ['0e58ed8671d6b60d0890c21b07f8835ace038e67'] },
    ],
    ['orb:codecov/codecov', 'orb', { kind: 'orb', id: 'codecov/codecov', affectedRefs: ['*'] }],
    ['orb:codecov/codecov@1.1.1', 'orb', { kind: 'orb', affectedRefs: ['1.1.1'] }],
    ['script:https://codecov.io/bash', 'script', { kind: 'script-url', id: 'https://codecov.io/bash', affectedRefs: ['*'] }],
    ['image:aquasec/trivy:0.69.4', 'image', { kind: 'image', id: 'aquasec/trivy', affectedRefs: ['0.69.4'] }],
    ['image:localhost:5000/team/img', 'image', { kind: 'image', id: 'localhost:5000/team/img', affectedRefs: ['*'] }],
    ['image:node@sha256:' + 'a'.repeat(64), 'image', { kind: 'image', id: 'node', maliciousShas: ['sha256:' + 'a'.repeat(64)] }],
    ['gitlab:group/sub/project@main', 'gitlab', { kind: 'gitlab-include', id: 'group/sub/project', affectedRefs: ['main'] }],
    // The ref is read by the one ref notation: ranges, comparators, wildcards and comments too.
    ['gha:o/r@v1..v45.0.7', 'action', { affectedRefs: ['v1..v45.0.7'], maliciousShas: [] }],
    ['gha:o/r@>=1.0.0 <1.5.0', 'action', { affectedRefs: ['>=1.0.0 <1.5.0'] }],
    ['orb:codecov/codecov@1.0.x', 'orb', { affectedRefs: ['1.0.x'] }],
    ['gha:o/r@v1 (moved during the window)', 'action', { affectedRefs: ['v1 (moved during the window)'] }],
    ['gha:o/r@*', 'action', { affectedRefs: ['*'] }],
  ])('%s', (spec, kind, component) => {
    const r = parseComponentSpec(spec);
    if (!r.ok) throw new Error(r.error);
    expect(r.indicator.kind).toBe(kind);
    expect(r.indicator.components).toHaveLength(1);
    expect(r.indicator.components[0]).toMatchObject(component);
    expect(r.indicator.id).toMatch(/^component-[a-z0-9-]+$/);
  });

  it.each([
    ['', /no kind prefix/],
    ['tj-actions/changed-files', /no kind prefix/],
    ['npmx:foo', /unknown kind "npmx"/],
    ['gha:', /nothing after the kind/],
    ['gha:justone', /owner\/repo/],
    ['gha:o/r@', /empty or malformed ref/],
    ['gha:o/../r', /invalid path segment/],
    ['orb:a/b/c', /namespace\/name/],
    ['script:not a url', /is not a URL/],
    ['script:file:///etc/passwd', /http or https/],
    ['image:Bad Name', /not an image name/],
    ['image:node@latest', /not a digest/],
    ['gitlab:group', /group\/project/],
    ['gha:o/r@v4 tag during window', /ref "v4 tag during window" is not in the ref notation: .* is several words.*accepted forms/],
    ['gha:o/r@v1 (tag) during the window', /ref "v1 \(tag\) during the window" is not in the ref notation: text after the closing parenthesis/],
    ['orb:a/b@>=2 <1', /no version satisfies/],
  ])('%j is refused: %s', (spec, message) => {
    const r = parseComponentSpec(spec);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(message);
      expect(r.error).toMatch(/^bad component spec/);
    }
  });
});
