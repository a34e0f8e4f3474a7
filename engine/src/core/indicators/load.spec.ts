import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadIndicator } from './load';

const valid = {
  id: 'acme-widget-2026',
  title: 'acme/widget action compromised',
  kind: 'action',
  windowStart: '2026-01-01T00:00:00Z',
  windowEnd: '2026-01-02T00:00:00Z',
  components: [{ kind: 'gha-action', id: 'acme/widget', affectedRefs: ['v1'], maliciousShas: ['A'.repeat(40)] }],
};

describe('loadIndicator', () => {
  it('reads a valid file, with defaults and lower-cased SHAs', () => {
    const r = loadIndicator('ind.json', JSON.stringify(valid));
    if (!r.ok) throw new Error(r.error);
    expect(r.indicator).toMatchObject({ id: 'acme-widget-2026', windowConfidence: 'unknown', sources: [] });
    expect(r.indicator.components[0]).toEqual({ kind: 'gha-action', id: 'acme/widget', affectedRefs: ['v1'], safeRefs: [], maliciousShas: ['a'.repeat(40)] });
  });

  it.each<[string, string, RegExp]>([
    ['not JSON', '{', /^f\.json: not valid JSON/],
    ['bad id', JSON.stringify({ ...valid, id: 'Not Kebab' }), /^f\.json: field id: must be kebab-case/],
    ['bad window', JSON.stringify({ ...valid, windowStart: 'yesterday' }), /^f\.json: field windowStart: must be an ISO-8601 UTC time/],
    ['window reversed', JSON.stringify({ ...valid, windowEnd: '2025-01-01T00:00:00Z' }), /field windowEnd: ends before windowStart/],
    ['bad component kind', JSON.stringify({ ...valid, components: [{ kind: 'rocket', id: 'x' }] }), /field components\.0\.kind: /],
    ['short SHA', JSON.stringify({ ...valid, components: [{ kind: 'gha-action', id: 'a/b', maliciousShas: ['abc'] }] }), /field components\.0\.maliciousShas\.0: must be a full 40-hex/],
    ['package without ecosystem', JSON.stringify({ ...valid, components: [{ kind: 'package', id: 'nx' }] }), /field components\.0\.id: a package id is npm:/],
    ['unknown field', JSON.stringify({ ...valid, extra: 1 }), /^f\.json: top level: /],
    ['no components', JSON.stringify({ ...valid, components: [] }), /field components: needs at least one component/],
    ['array', '[]', /^f\.json: top level: /],
    [
      'an affected ref outside the notation',
      JSON.stringify({ ...valid, components: [{ kind: 'gha-action', id: 'actions/checkout', affectedRefs: ['v4', 'v4 tag during window'] }] }),
      /^f\.json: field components\.0\.affectedRefs\.1: entry "v4 tag during window" is not in the ref notation: .*\(accepted forms: /,
    ],
    [
      'a safe ref with text after its comment',
      JSON.stringify({ ...valid, components: [{ kind: 'gha-action', id: 'a/b', safeRefs: ['v2 (fixed) since March'] }] }),
      /field components\.0\.safeRefs\.0: entry "v2 \(fixed\) since March" is not in the ref notation: text after the closing parenthesis/,
    ],
  ])('%s is refused with a located error', (_name, text, message) => {
    const r = loadIndicator('f.json', text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });
});

describe('the shipped example indicator', () => {
  it('examples/indicators/acme-ci-templates.json is valid', () => {
    const file = join(__dirname, '..', '..', '..', '..', 'examples', 'indicators', 'acme-ci-templates.json');
    const r = loadIndicator(file, readFileSync(file, 'utf8'));
    if (!r.ok) throw new Error(r.error);
    expect(r.indicator.components[0]).toMatchObject({ kind: 'gitlab-include', id: 'acme/ci-templates' });
  });
});
