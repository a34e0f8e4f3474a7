import type { ComponentRef, ComponentUse, ExpandContext, Expansion } from '../model';
import { makeJob, makePipeline, makeStep, makeUse, memorySource, pos } from '../testing';
import { createResolver, type Expander, MAX_DEPTH, MAX_NODES, walkNodes } from './resolver';

/** `o/r@ref` → a gha-action ref (enough for these tests). */
function action(raw: string): ComponentRef {
  const [name = '', ref] = raw.split('@');
  const [owner = '', repo = ''] = name.split('/');
  return ref === undefined ? { kind: 'gha-action', owner, repo, raw } : { kind: 'gha-action', owner, repo, ref, raw };
}

/**
 * A test expander over the component source: action.yml holds JSON `{uses: [raw…], scripts: [text…]}`.
 * Counts its calls so memoisation can be asserted.
 */
function jsonExpander(): Expander & { calls: string[] } {
  const calls: string[] = [];
  const fn = (use: ComponentUse, ctx: ExpandContext): Expansion | undefined => {
    if (use.ref.kind !== 'gha-action') return undefined;
    calls.push(use.ref.raw);
    const text = ctx.source.read(use.ref, 'action.yml');
    if (text === undefined) return { status: 'unresolved', reason: ctx.source.describe(use.ref), uses: [], scripts: [], secrets: [], errors: [] };
    const def = JSON.parse(text) as { uses?: string[]; scripts?: string[] };
    const file = `${use.ref.raw}//action.yml`;
    return {
      status: 'resolved',
      uses: (def.uses ?? []).map((raw, i) => makeUse(action(raw), pos(i + 2, file))),
      scripts: (def.scripts ?? []).map((t, i) => ({ text: t, pos: pos(i + 10, file) })),
      secrets: [],
      errors: [],
    };
  };
  return Object.assign(fn, { calls });
}

function ctxOf(files: Record<string, string>): ExpandContext {
  return { repo: { repo: 'acme/app', files: [] }, source: memorySource(files) };
}

const def = (d: { uses?: string[]; scripts?: string[] }): string => JSON.stringify(d);

describe('createResolver', () => {
  it('follows components any depth and finds fetched scripts in their scripts', () => {
    const ctx = ctxOf({
      'github/a/outer@v1/action.yml': def({ uses: ['b/middle@v2'] }),
      'github/b/middle@v2/action.yml': def({ uses: ['c/inner@v3'] }),
      'github/c/inner@v3/action.yml': def({ scripts: ['curl -s https://codecov.io/bash | bash'] }),
    });
    const job = makeJob({ id: 'test', steps: [makeStep({ uses: makeUse(action('a/outer@v1'), pos(12)) })] });
    const resolved = createResolver(ctx, jsonExpander()).resolveJob(job, makePipeline({ jobs: [job] }));
    const flat = [...walkNodes(resolved.components)].map(({ node, path }) => [path.length, node.use.ref.raw, node.status]);
    expect(flat).toEqual([
      [1, 'a/outer@v1', 'resolved'],
      [2, 'b/middle@v2', 'resolved'],
      [3, 'c/inner@v3', 'resolved'],
      [4, 'curl -s https://codecov.io/bash | bash', 'leaf'],
    ]);
    const script = [...walkNodes(resolved.components)][3]!.node.use;
    expect(script.pos).toEqual({ file: 'c/inner@v3//action.yml', line: 10 });
  });

  it('keeps unresolved definitions in the tree with where they were looked for', () => {
    const ctx = ctxOf({ 'github/a/outer@v1/action.yml': def({ uses: ['missing/one@v9'] }) });
    const job = makeJob({ id: 'j', steps: [makeStep({ uses: makeUse(action('a/outer@v1')) })] });
    const [root] = createResolver(ctx, jsonExpander()).resolveJob(job, makePipeline()).components;
    expect(root?.status).toBe('resolved');
    expect(root?.children[0]).toMatchObject({ status: 'unresolved', reason: expect.stringContaining('github/missing/one@v9') });
  });

  it('terminates cycles', () => {
    const ctx = ctxOf({
      'github/a/x@v1/action.yml': def({ uses: ['b/y@v1'] }),
      'github/b/y@v1/action.yml': def({ uses: ['a/x@v1'] }),
    });
    const job = makeJob({ id: 'j', uses: [makeUse(action('a/x@v1'))] });
    const nodes = [...walkNodes(createResolver(ctx, jsonExpander()).resolveJob(job, makePipeline()).components)];
    expect(nodes.map((n) => n.node.status)).toEqual(['resolved', 'resolved', 'cycle']);
    expect(nodes[2]?.node.reason).toContain('uses itself');
  });

  it('terminates a self-use', () => {
    const ctx = ctxOf({ 'github/a/x@v1/action.yml': def({ uses: ['a/x@v1'] }) });
    const job = makeJob({ id: 'j', uses: [makeUse(action('a/x@v1'))] });
    const nodes = [...walkNodes(createResolver(ctx, jsonExpander()).resolveJob(job, makePipeline()).components)];
    expect(nodes.map((n) => n.node.status)).toEqual(['resolved', 'cycle']);
  });

  it(`stops at depth ${MAX_DEPTH}`, () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[`github/o/a${i}@v1/action.yml`] = def({ uses: [`o/a${i + 1}@v1`] });
    const job = makeJob({ id: 'j', uses: [makeUse(action('o/a0@v1'))] });
    const nodes = [...walkNodes(createResolver(ctxOf(files), jsonExpander()).resolveJob(job, makePipeline()).components)];
    expect(nodes).toHaveLength(MAX_DEPTH + 1);
    expect(nodes[MAX_DEPTH]?.node).toMatchObject({ status: 'depth-limit', use: { ref: { raw: `o/a${MAX_DEPTH}@v1` } } });
    expect(nodes.slice(0, MAX_DEPTH).every((n) => n.node.status === 'resolved')).toBe(true);
  });

  it('bounds an exponential diamond of shared components', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 24; i++) files[`github/o/d${i}@v1/action.yml`] = def({ uses: [`o/d${i + 1}@v1`, `o/d${i + 1}@v1`] });
    const job = makeJob({ id: 'j', uses: [makeUse(action('o/d0@v1'))] });
    const expander = jsonExpander();
    // Bounded by counting what is walked (its time is the benchmarks' business).
    const nodes = [...walkNodes(createResolver(ctxOf(files), expander).resolveJob(job, makePipeline()).components)];
    expect(nodes.length).toBeLessThanOrEqual(MAX_NODES + MAX_DEPTH + 1);
    expect(nodes.some((n) => n.node.status === 'depth-limit' && n.node.reason?.includes('exceeds'))).toBe(true);
    expect(expander.calls.length).toBeLessThanOrEqual(25);
  });

  it('memoises expansions across jobs (per component and inputs)', () => {
    const ctx = ctxOf({ 'github/a/x@v1/action.yml': def({}) });
    const expander = jsonExpander();
    const resolver = createResolver(ctx, expander);
    const j1 = makeJob({ id: 'j1', steps: [makeStep({ uses: makeUse(action('a/x@v1')) })] });
    const j2 = makeJob({ id: 'j2', steps: [makeStep({ uses: makeUse(action('a/x@v1'), pos(5)) })] });
    const j3 = makeJob({ id: 'j3', steps: [makeStep({ uses: makeUse(action('a/x@v1'), pos(7), { url: 'https://other' }) })] });
    resolver.resolveJob(j1, makePipeline());
    resolver.resolveJob(j2, makePipeline());
    resolver.resolveJob(j3, makePipeline());
    expect(expander.calls).toEqual(['a/x@v1', 'a/x@v1']);
    expect(resolver.expansions).toBe(2);
  });

  it('treats images, scripts and packages as leaves and unknown kinds as leaves', () => {
    const job = makeJob({
      id: 'j',
      uses: [
        makeUse({ kind: 'image', name: 'node', tag: '20', raw: 'node:20' }),
        makeUse({ kind: 'package', ecosystem: 'npm', name: 'nx', version: '21.5.0', raw: 'nx@21.5.0' }),
        makeUse({ kind: 'gha-local-action', path: './x', raw: './x' }),
      ],
    });
    const nodes = createResolver(ctxOf({}), jsonExpander()).resolveJob(job, makePipeline()).components;
    expect(nodes.map((n) => n.status)).toEqual(['leaf', 'leaf', 'leaf']);
  });

  it('finds fetched scripts in step run text at their line', () => {
    const job = makeJob({
      id: 'j',
      steps: [
        makeStep({ run: 'echo hi\nbash <(curl -s https://codecov.io/bash)', pos: pos(20), runPos: pos(21) }),
        makeStep({ run: '# curl https://x.io | bash', pos: pos(30) }),
      ],
    });
    const nodes = createResolver(ctxOf({}), jsonExpander()).resolveJob(job, makePipeline()).components;
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toMatchObject({ status: 'leaf', use: { ref: { kind: 'script-url', url: 'https://codecov.io/bash', how: 'process-substitution' }, pos: { line: 22 } } });
  });

  it('gives the same run text in several steps and files each its own positions (the analysis is shared)', () => {
    const text = 'echo start\ncurl -fsSL https://get.example.io/i.sh | bash\n./scripts/build.sh';
    const job = makeJob({
      id: 'j',
      steps: [
        makeStep({ run: text, pos: pos(10, 'a.yml'), runPos: pos(11, 'a.yml') }),
        makeStep({ run: text, pos: pos(40, 'b.yml'), runPos: pos(41, 'b.yml') }),
        // After a download: the same text again, analysed with what the earlier step wrote.
        makeStep({ run: 'curl -o get.sh https://dl.example.io/get.sh', pos: pos(50, 'b.yml'), runPos: pos(50, 'b.yml') }),
        makeStep({ run: text, pos: pos(60, 'b.yml'), runPos: pos(61, 'b.yml') }),
      ],
    });
    const flat = (): Array<[string, string, number, string]> =>
      [...walkNodes(createResolver(ctxOf({}), jsonExpander()).resolveJob(job, makePipeline()).components)].map(({ node }) => [node.use.ref.raw, node.use.pos.file, node.use.pos.line, node.status]);
    const first = flat();
    expect(first).toEqual([
      ['curl -fsSL https://get.example.io/i.sh | bash', 'a.yml', 12, 'leaf'],
      ['scripts/build.sh', 'a.yml', 13, 'unresolved'],
      ['curl -fsSL https://get.example.io/i.sh | bash', 'b.yml', 42, 'leaf'],
      ['scripts/build.sh', 'b.yml', 43, 'unresolved'],
      ['curl -fsSL https://get.example.io/i.sh | bash', 'b.yml', 62, 'leaf'],
      ['scripts/build.sh', 'b.yml', 63, 'unresolved'],
    ]);
    // Resolving again (the analyses now remembered) gives the same, and no node is shared between steps.
    expect(flat()).toEqual(first);
    const nodes = [...walkNodes(createResolver(ctxOf({}), jsonExpander()).resolveJob(job, makePipeline()).components)].map(({ node }) => node.use);
    expect(new Set(nodes).size).toBe(nodes.length);
    expect(new Set(nodes.map((u) => u.pos)).size).toBe(nodes.length);
  });

  it("nests a step's components under its from chain, sharing chain nodes", () => {
    const include: ComponentUse = makeUse({ kind: 'gitlab-include', include: 'project', project: 'g/tpl', ref: 'v1', file: 'ci.yml', raw: 'g/tpl' }, pos(3, '.gitlab-ci.yml'));
    const job = makeJob({
      id: 'test',
      steps: [
        makeStep({ run: 'curl https://a.io/1 | bash', pos: pos(4, 'g/tpl//ci.yml'), from: [include] }),
        makeStep({ run: 'curl https://b.io/2 | bash', pos: pos(5, 'g/tpl//ci.yml'), from: [include] }),
      ],
    });
    const nodes = createResolver(ctxOf({}), jsonExpander()).resolveJob(job, makePipeline()).components;
    expect(nodes).toHaveLength(1);
    expect(nodes[0]?.use.ref.raw).toBe('g/tpl');
    expect(nodes[0]?.children.map((c) => (c.use.ref.kind === 'script-url' ? c.use.ref.url : ''))).toEqual(['https://a.io/1', 'https://b.io/2']);
  });

  it('turns a throwing expander into an unresolved node', () => {
    const boom: Expander = () => {
      throw new Error('boom');
    };
    const job = makeJob({ id: 'j', uses: [makeUse(action('a/x@v1'))] });
    const [node] = createResolver(ctxOf({}), boom).resolveJob(job, makePipeline()).components;
    expect(node).toMatchObject({ status: 'unresolved', reason: expect.stringContaining('boom') });
  });

  it('reads a component once for uses with other inputs only when its expansion ignores them', () => {
    const calls: string[] = [];
    const expander: Expander = (use) => {
      calls.push(JSON.stringify(use.inputs ?? {}));
      // `o/missing@v1` could not be read (inputs never reached anything); `o/found@v1` depends on them.
      const ignored = use.ref.raw === 'o/missing@v1';
      return { status: 'unresolved', reason: `reason ${calls.length}`, uses: [], scripts: [], secrets: [], errors: [], ...(ignored ? { inputsIgnored: true } : {}) };
    };
    const resolver = createResolver(ctxOf({}), expander);
    const withInputs = (raw: string, inputs: Record<string, string> | undefined, line: number): ComponentUse => ({ ...makeUse(action(raw), pos(line)), ...(inputs ? { inputs } : {}) });
    const job = makeJob({
      id: 'j',
      uses: [withInputs('o/missing@v1', { a: '1' }, 1), withInputs('o/missing@v1', { a: '2' }, 2), withInputs('o/missing@v1', undefined, 3), withInputs('o/found@v1', { a: '1' }, 4), withInputs('o/found@v1', { a: '2' }, 5), withInputs('o/found@v1', { a: '1' }, 6)],
    });
    const reasons = resolver.resolveJob(job, makePipeline()).components.map((n) => n.reason);
    expect(calls).toEqual(['{"a":"1"}', '{"a":"1"}', '{"a":"2"}']);
    expect(reasons).toEqual(['reason 1', 'reason 1', 'reason 1', 'reason 2', 'reason 3', 'reason 2']);
    expect(resolver.expansions).toBe(3);
  });

  it('looks every use up in a memo of its own kind, which may watch the keys (the inventory records them)', () => {
    const looked: string[] = [];
    class WatchedMemo extends Map<string, Expansion | undefined> {
      override get(key: string): Expansion | undefined {
        looked.push(key);
        return super.get(key);
      }
    }
    const expander: Expander = () => ({ status: 'unresolved', reason: 'missing', uses: [], scripts: [], secrets: [], errors: [], inputsIgnored: true });
    const resolver = createResolver(ctxOf({}), expander, new WatchedMemo());
    const job = makeJob({ id: 'j', uses: [{ ...makeUse(action('o/missing@v1'), pos(1)), inputs: { a: '1' } }, { ...makeUse(action('o/missing@v1'), pos(2)), inputs: { a: '2' } }] });
    resolver.resolveJob(job, makePipeline());
    expect(looked).toHaveLength(2);
    expect(resolver.expansions).toBe(2);
  });

  it('reads again, for other inputs, a component whose unread expansion has errors (each reading reports them)', () => {
    let calls = 0;
    const expander: Expander = (use) => {
      calls++;
      const error = { repo: 'acme/app', file: use.pos.file, line: use.pos.line, code: 'yaml-syntax', message: 'bad' };
      return { status: 'unresolved', reason: 'broken', uses: [], scripts: [], secrets: [], errors: [error], inputsIgnored: true };
    };
    const resolver = createResolver(ctxOf({}), expander);
    const job = makeJob({ id: 'j', uses: [{ ...makeUse(action('o/broken@v1'), pos(1)), inputs: { a: '1' } }, { ...makeUse(action('o/broken@v1'), pos(2)), inputs: { a: '2' } }] });
    resolver.resolveJob(job, makePipeline());
    expect(calls).toBe(2);
    expect(resolver.errors.map((e) => e.line)).toEqual([1, 2]);
  });

  it('collects expansion errors once', () => {
    const expander: Expander = () => ({ status: 'resolved', uses: [], scripts: [], secrets: [], errors: [{ repo: 'acme/app', file: 'o/x@v1//action.yml', line: 1, code: 'yaml-syntax', message: 'bad' }] });
    const resolver = createResolver(ctxOf({}), expander);
    resolver.resolveJob(makeJob({ id: 'a', uses: [makeUse(action('o/x@v1'))] }), makePipeline());
    resolver.resolveJob(makeJob({ id: 'b', uses: [makeUse(action('o/x@v1'), pos(9))] }), makePipeline());
    expect(resolver.errors).toHaveLength(1);
  });
});
