import { decodeSource, loadYaml, useFastYaml } from './yaml';

describe('loadYaml', () => {
  it('resolves anchors, aliases and merge keys, and keeps !reference', () => {
    const text = ['a: &x', '  b: 1', '  c: [1, 2]', 'd:', '  <<: *x', '  e: !reference [.setup, script]', ''].join('\n');
    const y = loadYaml('o/r', { path: 'f.yml', text });
    expect(y.errors).toEqual([]);
    expect(y.value).toEqual({ a: { b: 1, c: [1, 2] }, d: { b: 1, c: [1, 2], e: { '!reference': ['.setup', 'script'] } } });
    expect(y.lineOf(['d'])).toBe(4);
    expect(y.lineOf(['d', 'b'])).toBe(2); // through the merge key, to where it is written
    expect(y.lineOf(['d', 'e'])).toBe(6);
    expect(y.lineOf(['a', 'c', 1])).toBe(3);
    expect(y.lineOf(['d', 'missing', 'deeper'])).toBe(4);
    // From a place: the same lines, and a lookup that stopped at a missing key stays stopped.
    const d = y.placeOf(['d']);
    expect(d.line).toBe(4);
    expect(y.lineOf(['b'], d)).toBe(2);
    expect(y.lineOf(['e'], d)).toBe(6);
    expect(y.lineOf(['c', 1], y.placeOf(['a']))).toBe(3);
    expect(y.lineOf(['deeper'], y.placeOf(['d', 'missing']))).toBe(4);
    expect(y.lineOf(['c'], y.placeOf(['missing']))).toBe(1);
  });

  it('answers lookups from a place as from the root, with both readers', () => {
    const text = ['x: 1', 'a:', '  b:', '    - k: 1', '      c: 2', '  e: [1, 2]', ''].join('\n');
    for (const fast of [true, false]) {
      const was = useFastYaml(fast);
      try {
        const y = loadYaml('o/r', { path: 'f.yml', text });
        const item = y.placeOf(['b', 0], y.placeOf(['a']));
        expect(item.line).toBe(4);
        expect(y.lineOf(['c'], item)).toBe(5);
        expect(y.lineOf(['e', 1], y.placeOf(['a']))).toBe(6);
        // `x` is a scalar: nothing below it, its own line.
        expect(y.lineOf(['k'], y.placeOf(['x']))).toBe(1);
        expect(y.lineOf(['missing', 'c'], y.placeOf(['a', 'b']))).toBe(3);
      } finally {
        useFastYaml(was);
      }
    }
  });

  it('gives a located error for malformed YAML', () => {
    const y = loadYaml('o/r', { path: 'bad.yml', text: 'jobs:\n  a: [\n  b: c\n' });
    expect(y.value).toBeUndefined();
    expect(y.errors.length).toBeGreaterThan(0);
    expect(y.errors[0]).toMatchObject({ repo: 'o/r', file: 'bad.yml', code: 'yaml-syntax' });
    expect(y.errors[0]!.line).toBeGreaterThanOrEqual(2);
  });

  it('stops an alias bomb with an error instead of expanding it', () => {
    const rows = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    const names = 'abcdefghij';
    for (let i = 1; i < names.length; i++) {
      rows.push(`${names[i]}: &${names[i]} [${Array(9).fill(`*${names[i - 1]}`).join(',')}]`);
    }
    const y = loadYaml('o/r', { path: 'bomb.yml', text: rows.join('\n') });
    expect(y.value).toBeUndefined();
    expect(y.errors).toEqual([expect.objectContaining({ code: 'yaml-alias-limit', file: 'bomb.yml' })]);
  });

  it('refuses 10,000-deep nesting without recursing into it', () => {
    const y = loadYaml('o/r', { path: 'deep.yml', text: `x: ${'['.repeat(10_000)}${']'.repeat(10_000)}` });
    expect(y.errors).toEqual([expect.objectContaining({ code: 'yaml-too-deep', line: 1 })]);
    const block = Array.from({ length: 2000 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n');
    expect(loadYaml('o/r', { path: 'deep2.yml', text: block }).errors[0]).toMatchObject({ code: 'yaml-too-deep' });
  });

  it('finds nesting past a small limit in a file the fast reader would read (indentation, dashes, brackets), at its line', () => {
    const limits = { maxDepth: 2 };
    const indented = 'a:\n  b:\n    c:\n      d: 1\n';
    const dashes = 'a:\n- - - x\n';
    const brackets = 'a: 1\nb: [x]\nc: [y]\nd: {k: [[z]]}\n';
    expect(loadYaml('o/r', { path: 'i.yml', text: indented }, limits).errors).toEqual([expect.objectContaining({ code: 'yaml-too-deep', line: 4 })]);
    expect(loadYaml('o/r', { path: 'd.yml', text: dashes }, limits).errors).toEqual([expect.objectContaining({ code: 'yaml-too-deep', line: 2 })]);
    expect(loadYaml('o/r', { path: 'b.yml', text: brackets }, limits).errors).toEqual([expect.objectContaining({ code: 'yaml-too-deep', line: 4 })]);
    // Within the limit, the same files read.
    expect(loadYaml('o/r', { path: 'i.yml', text: indented }, { maxDepth: 3 }).value).toEqual({ a: { b: { c: { d: 1 } } } });
    expect(loadYaml('o/r', { path: 'b.yml', text: brackets }, { maxDepth: 3 }).errors).toEqual([]);
  });

  it('refuses oversized files before parsing', () => {
    const y = loadYaml('o/r', { path: 'big.yml', text: 'a: b\n'.repeat(100) }, { maxBytes: 100 });
    expect(y.errors).toEqual([expect.objectContaining({ code: 'too-large', line: 1 })]);
  });

  it('treats commented-out YAML as nothing', () => {
    const y = loadYaml('o/r', { path: 'c.yml', text: '# uses: tj-actions/changed-files@v45\na: 1\n' });
    expect(y.value).toEqual({ a: 1 });
  });
});

describe('decodeSource', () => {
  it('decodes UTF-8 and locates invalid bytes and NULs', () => {
    expect(decodeSource(Buffer.from('a: é\n'))).toEqual({ text: 'a: é\n' });
    expect(decodeSource(Buffer.from([0x61, 0x0a, 0x62, 0xff, 0x0a]))).toMatchObject({ code: 'not-utf8', line: 2 });
    expect(decodeSource(Buffer.from([0x61, 0x0a, 0x0a, 0x00]))).toMatchObject({ code: 'binary', line: 3 });
  });
});
