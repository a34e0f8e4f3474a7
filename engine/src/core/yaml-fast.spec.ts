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
  const lines = (lineOf: (p: YamlPath) => number): string[] => paths(full.value).map((p) => `${p.join('.')}:${lineOf(p)}`);
  expect(lines(fast.lineOf)).toEqual(lines(full.lineOf));
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
    ['anchors and aliases', 'a: &x 1\nb: *x\n', false],
    ['merge keys', 'a: {x: 1}\nb:\n  <<: {y: 2}\n', false],
    ['tags', 'a: !reference [b, c]\n', false],
    ['multi-line plain scalars', 'a: one\n  two\n', false],
    ['multi-line quoted scalars', 'a: "one\n  two"\n', false],
    ['several documents', 'a: 1\n---\nb: 2\n', false],
    ['duplicate keys', 'a: 1\na: 2\n', false],
    ['non-string keys', '1: a\n', false],
    ['tabs in indentation', 'a:\n\tb: 1\n', false],
    ['CRLF', 'a: 1\r\nb: 2\r\n', false],
    ['a nested mapping on a compact key line', 'a: b: c\n', false],
    ['an indentation indicator', 'a: |2\n    x\n', false],
    ['a scalar on the line after its key', 'a:\n  text\n', false],
    ['an empty document', '# nothing\n', false],
    ['bad indentation', 'a:\n    b: 1\n  c: 2\n', false],
  ])('%s', (name, text, answers) => {
    expect(same(name, text)).toBe(answers);
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
