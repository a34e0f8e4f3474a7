/**
 * The fast reader against the full one: on every YAML file of examples/, of the engine's fixtures and of
 * ../shared/ci-corpus (when present), and on damaged copies of them, a file the fast reader answers for
 * gives the same value as the full reader, the full reader finds no error in it, and every path (and
 * paths that do not exist) has the same line.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseFastYaml } from './yaml-fast';
import { loadYamlFull, type YamlPath } from './yaml';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const CORPUS = path.join(REPO_ROOT, '..', 'shared', 'ci-corpus');

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : walk(full);
    return e.isFile() && /\.ya?ml$/i.test(e.name) ? [full] : [];
  });
}

/** Every path of a value, and for each collection a key and an index that are not there. */
function paths(value: unknown, base: YamlPath = [], out: YamlPath[] = []): YamlPath[] {
  out.push(base);
  if (Array.isArray(value)) {
    value.forEach((v, i) => paths(v, [...base, i], out));
    out.push([...base, value.length], [...base, 'missing']);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) paths(v, [...base, k], out);
    out.push([...base, 'missing', 0], [...base, 0]);
  }
  return out;
}

/** Compares the two readers on `text`; true when the fast reader answered. */
function same(name: string, text: string): boolean {
  const fast = parseFastYaml(text);
  if (!fast) return false;
  const full = loadYamlFull('o/r', { path: name, text });
  expect({ name, errors: full.errors }).toEqual({ name, errors: [] });
  expect(fast.value).toStrictEqual(full.value);
  // Key order too (reports list jobs, steps and keys in it).
  expect(JSON.stringify(fast.value)).toBe(JSON.stringify(full.value));
  const lines = (lineOf: (p: YamlPath) => number): string[] => paths(full.value).map((p) => `${p.join('.')}:${lineOf(p)}`);
  const expected = lines(full.lineOf);
  expect(lines(fast.lineOf)).toEqual(expected);
  // From a place: lineOf(q, placeOf(p)) is lineOf([...p, ...q]), for every way of cutting each path (both readers).
  for (const reader of [fast, full]) {
    const fromPlaces = (p: YamlPath): number[] => p.map((_, k) => reader.lineOf(p.slice(k + 1), reader.placeOf(p.slice(0, k + 1))));
    const cut = paths(full.value).map((p) => `${p.join('.')}:${[...new Set([reader.lineOf(p), ...fromPlaces(p)])].join(',')}`);
    expect(cut).toEqual(expected);
  }
  return true;
}

const own = [...walk(path.join(REPO_ROOT, 'examples')), ...walk(path.join(REPO_ROOT, 'engine', 'src'))];
const corpus = walk(CORPUS);
if (corpus.length === 0) process.stderr.write('yaml-fast.spec: ../shared/ci-corpus is absent; the corpus comparison is not run\n');

describe('parseFastYaml', () => {
  it.each([
    ['mappings and sequences', 'on:\n  push:\n    branches: [main, "rel/*"]\njobs:\n  a:\n    steps:\n      - uses: x/y@v1\n        with: {k: v, n: 1}\n      - run: echo hi # c\n', true],
    ['a sequence at the indentation of its key', 'steps:\n- a\n- b: 1\n  c: 2\nnext: x\n', true],
    ['nested compact sequences', 'a:\n  - - 1\n    - 2\n  - - 3\n', true],
    ['scalars of the core schema', 'a: 1\nb: -2.5\nc: true\nd: ~\ne:\nf: "x\\ty\\u00e9"\ng: \'it\'\'s\'\nh: 0.50\ni: yes\nj: 007\n', true],
    ['literal and folded block scalars', 'a: |\n  one\n\n    two\n  three\n\nb: |-\n  x\nc: >\n  folded\n  line\n\n  para\n\nd: >-\n  e\n', true],
    ['a document start and comments', '# head\n---\n# c\nkey: v # tail\n', true],
    ['anchors and aliases', 'a: &x 1\nb: *x\nc: &m\n  k: 1\n  l: [1, 2]\nd:\n  - *m\n  - *x # c\ne: &s\n  - 1\nf: *s\n', true],
    ['an anchored block scalar and flow collections', 'a: &r |\n  echo hi\nb: &f {x: 1, y: two}\nc: *r\nd: *f\n', true],
    ['merge keys', 'base: &b\n  x: 1\n  y: 2\nmore: &m {z: 3, x: 9}\nj:\n  w: 0\n  <<: [*b, *m]\n  y: 5\nk:\n  <<: *m\n', true],
    ['merge keys of anchors holding merges', 'a: &a\n  x: 1\nb: &b\n  <<: *a\n  y: 2\njobs:\n  one:\n    <<: *b\n    z: 3\n  two:\n    <<: *b\n', true],
    ['a merge key of an inline map', 'a: {x: 1}\nb:\n  <<: {y: 2}\n', false],
    ['a merge of something that is not a map', 'a: &a [1]\nb:\n  <<: *a\n', false],
    ['an alias of an unknown anchor', 'a: *x\n', false],
    ['an alias inside its own anchor', 'a: &x\n  b: *x\n', false],
    ['aliases nested two levels deep', 'a: &a 1\nb: &b\n  - *a\nc: &c\n  - *b\n', false],
    ['an anchored sequence item on a later line', 'a:\n- &x\n  k: 1\n- *x\n', true],
    ['sequence items starting on the line after their dash', 'steps:\n  - # a comment\n    name: a\n    with:\n      k: v\n  -\n    - 1\n    - 2\n  - &s # c\n    - x\n  - *s\n', true],
    ['a dash alone before a scalar', 'a:\n  -\n    text\n', false],
    ['a dash alone before a flow collection', 'a:\n  - # c\n    [x, y]\n', false],
    ['a dash alone before nothing', 'a:\n  -\n  - b\n', false],
    ['an anchored dash alone at the end', 'a:\n  - &x\n', false],
    ['an anchor on a key', '&k a: 1\n', false],
    ['a gitlab !reference', 'a:\n  script:\n    - !reference [.setup, script]\n    - echo\nb: !reference [a, script]\n', true],
    ['other tags', 'a: !!str 1\n', false],
    ['folded scalars with more-indented lines', 'a: >\n  one\n    more\n  two\n\n  three\n   sp\n\n  four\n\n\n    five\nb: >-\n  x\n\n    y\n  z\n', true],
    ['flow collections over several lines (as formatters write them)', 'matrix:\n  package:\n    [\n      "a",\n      b,\n      \'c d\',\n    ]\n  os: [ubuntu,\n    macos]\n  m: {x: 1,\n      y: two}\n  z: &l\n    [1,\n     2]\nnext: *l\n', true],
    ['a flow collection on the line after its key', 'a:\n  [x, y]\nb: 1\n', true],
    ['trailing commas in flow collections', 'a: [x, y,]\nb: {k: v, }\n', true],
    ['an empty flow item', 'a: [x, , y]\n', false],
    ['a flow collection with a comment inside', 'a: [x, # c\n  y]\n', false],
    ['a flow item over two lines', 'a: [x\n  y, z]\n', false],
    ['a flow collection that does not close', 'a: [x,\n  y\nb: 1\n', false],
    ['multi-line plain scalars', 'a: one\n  two\n', false],
    ['multi-line quoted scalars', 'a: "one\n  two"\n', false],
    ['several documents', 'a: 1\n---\nb: 2\n', false],
    ['duplicate keys (the last value, the first line)', 'a:\n  x: 1\nb: 2\na:\n  y: 2\nf: {k: 1, j: 2, k: 3}\n', true],
    ['duplicate keys around a merge', 'a: &a\n  x: 1\nb:\n  <<: *a\n  x: 2\n  y: 0\n  x: 3\n', true],
    ['duplicate keys in a step (zizmor issue-1395)', 'steps:\n  - name: d\n    env:\n      FOO: foo\n    run: echo\n    env:\n      BAR: bar\n', true],
    ['a document that is one scalar', '# c\nlol # c\n', true],
    ['a document that is one quoted scalar', '\n  "lol"\n', true],
    ['a document that is one scalar over two lines', 'lol\nmore\n', false],
    ['a document that is a scalar and a mapping', 'lol\na: 1\n', false],
    ['an anchored flow mapping as a sequence item', 'steps:\n  - &c { uses: "actions/checkout@v4" }\n  - *c\n  - &t text\n  - *t\n', true],
    ['an anchored key in a sequence item', 'a:\n  - &k b: 1\n', false],
    ['an anchored alias', 'a: &x 1\nb: &y *x\n', false],
    ['an anchored alias as a sequence item', 'a: &x 1\nb:\n  - &y *x\n', false],
    ['a block scalar header on the line after its key', 'steps:\n  - run:\n      | # c\n      echo one\n      echo two\n    name: x\n  - run:\n      >-\n        a\n        b\nc:\n    |\n  less indented\n', true],
    ['a block scalar header on the line after its key, without content', 'a:\n  |\nb: 1\n', false],
    ['non-string keys', '1: a\n', false],
    ['tabs in indentation', 'a:\n\tb: 1\n', false],
    ['CRLF', 'a: 1\r\nb: 2\r\n', false],
    ['a nested mapping on a compact key line', 'a: b: c\n', false],
    ['an indentation indicator', 'a: |2\n    x\n', false],
    ['a scalar on the line after its key', 'a:\n  text\n', false],
    ['an empty document', '# nothing\n', true],
    ['an empty file', '', true],
    ['blank and comment lines', '  \n# one\n\n   # two', true],
    ['an empty document with a tab', '# nothing\n \t\n', false],
    ['an explicit empty document', '# nothing\n---\n', false],
    ['bad indentation', 'a:\n    b: 1\n  c: 2\n', false],
    [
      'duplicate keys in a mapping of many keys, and in its merge source',
      `s: &s\n${Array.from({ length: 20 }, (_, k) => `  k${k % 15}: ${k}\n`).join('')}m:\n  <<: *s\n${Array.from({ length: 40 }, (_, k) => `  j${k % 30}:\n    v: ${k}\n`).join('')}`,
      true,
    ],
  ])('%s', (name, text, answers) => {
    expect(same(name, text)).toBe(answers);
  });

  it('answers only when the full reader cannot pass its alias limit', () => {
    // 30 uses of one anchor: within a limit of 100, past a limit of 20 (the full reader errs there).
    const text = `a: &a\n  k: v\nl:\n${Array.from({ length: 30 }, () => '  - *a\n').join('')}`;
    expect(parseFastYaml(text, 100)?.value).toEqual({ a: { k: 'v' }, l: Array.from({ length: 30 }, () => ({ k: 'v' })) });
    expect(parseFastYaml(text, 20)).toBeUndefined();
    expect(loadYamlFull('o/r', { path: 'x', text }, { maxAliasCount: 20 }).errors.map((e) => e.code)).toEqual(['yaml-alias-limit']);
    expect(parseFastYaml('a: &a 1\nb: *a\n', 0)).toBeUndefined();
  });

  it('does not read a file with a line indented past 2 × maxDepth spaces and dashes (too deep for the full reader)', () => {
    const text = 'a:\n  b:\n    - - c: 1\n';
    expect(parseFastYaml(text, 100, 4)?.value).toEqual({ a: { b: [[{ c: 1 }]] } });
    expect(parseFastYaml(text, 100, 3)).toBeUndefined();
    expect(loadYamlFull('o/r', { path: 'x', text }, { maxDepth: 3 }).errors.map((e) => e.code)).toEqual(['yaml-too-deep']);
    // Spaces and dashes alone are no content: not counted.
    expect(parseFastYaml('a: 1\n        \n', 100, 3)?.value).toEqual({ a: 1 });
  });

  it('reads as the full reader on every YAML file of the project (examples, fixtures)', () => {
    expect(own.length).toBeGreaterThan(50);
    const answered = own.filter((f) => same(path.relative(REPO_ROOT, f), readFileSync(f, 'utf8'))).length;
    // Most of the project's own files are in the subset (the rest are anchors, tags, odd fixtures).
    expect(answered / own.length).toBeGreaterThan(0.6);
  });

  (corpus.length > 0 ? it : it.skip)('reads as the full reader on every file of the corpus, and on damaged copies', () => {
    let answered = 0;
    let damaged = 0;
    let seed = 12;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (const f of corpus) {
      const text = readFileSync(f, 'utf8');
      if (same(path.relative(CORPUS, f), text)) answered++;
      // Damage: a line dropped, a line indented by one more space, a line cut in half.
      const lines = text.split('\n');
      for (let k = 0; k < 6; k++) {
        const copy = [...lines];
        const at = rand(copy.length);
        const line = copy[at] ?? '';
        if (k % 3 === 0) copy.splice(at, 1);
        else if (k % 3 === 1) copy[at] = ` ${line}`;
        else copy[at] = line.slice(0, Math.floor(line.length / 2));
        if (same(`${path.relative(CORPUS, f)}#${k}`, copy.join('\n'))) damaged++;
      }
    }
    expect(answered / corpus.length).toBeGreaterThan(0.6);
    expect(damaged).toBeGreaterThan(0);
  });
});
