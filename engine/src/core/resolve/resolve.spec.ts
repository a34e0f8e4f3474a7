import type { ComponentUse } from '../model';
import { makeJob, makePipeline, makeStep, makeUse, memorySource, pos } from '../testing';
import { registryExpander, resolveJob, scanResolver } from './resolve';
import { walkNodes } from './resolver';

const ORB = `version: 2.1
commands:
  upload:
    parameters:
      url:
        type: string
        default: "https://codecov.io/bash"
    steps:
      - run:
          name: Upload
          command: curl -s << parameters.url >> | bash
`;

const orb = { kind: 'orb', namespace: 'codecov', name: 'codecov', version: '1.1.1', raw: 'codecov/codecov@1.1.1' } as const;
const upload = (inputs?: Record<string, string>): ComponentUse =>
  makeUse({ kind: 'orb-element', orb, elementKind: 'command', element: 'upload', raw: 'codecov/upload' }, pos(9, '.circleci/config.yml'), inputs);

describe('resolveJob over the platform registry', () => {
  const ctx = { repo: { repo: 'acme/app', files: [] }, source: memorySource({ 'circleci/orbs/codecov/codecov@1.1.1.yml': ORB }) };

  it("resolves an orb command's parameter default into the fetched script URL", () => {
    const job = makeJob({ id: 'coverage', steps: [makeStep({ uses: upload() })] });
    const nodes = [...walkNodes(resolveJob(job, makePipeline({ platform: 'circleci', jobs: [job] }), ctx).components)];
    expect(nodes.map((n) => n.node.status)).toEqual(['resolved', 'leaf']);
    expect(nodes[1]?.node.use.ref).toMatchObject({ kind: 'script-url', url: 'https://codecov.io/bash', how: 'pipe' });
    expect(nodes[1]?.node.use.pos.file).toBe('codecov/codecov@1.1.1//orb.yml');
  });

  it('uses the parameter given at the use', () => {
    const job = makeJob({ id: 'coverage', steps: [makeStep({ uses: upload({ url: 'https://mirror.example/bash' }) })] });
    const [root] = resolveJob(job, makePipeline({ platform: 'circleci', jobs: [job] }), ctx).components;
    expect(root?.children[0]?.use.ref).toMatchObject({ kind: 'script-url', url: 'https://mirror.example/bash' });
  });

  it('reports a missing orb as unresolved with where it was looked for', () => {
    const job = makeJob({ id: 'coverage', steps: [makeStep({ uses: makeUse({ kind: 'orb-element', orb: { ...orb, version: '9.9.9', raw: 'codecov/codecov@9.9.9' }, elementKind: 'command', element: 'upload', raw: 'codecov/upload' }) })] });
    const [root] = resolveJob(job, makePipeline({ platform: 'circleci', jobs: [job] }), ctx).components;
    expect(root).toMatchObject({ status: 'unresolved', reason: expect.stringContaining('codecov@9.9.9') });
  });

  it('leaves kinds no platform reads to the caller (images, scripts)', () => {
    expect(registryExpander(makeUse({ kind: 'image', name: 'node', raw: 'node' }), ctx)).toBeUndefined();
  });

  it('shares expansions between the jobs of one scan', () => {
    const resolver = scanResolver(ctx);
    for (const id of ['a', 'b', 'c']) resolver.resolveJob(makeJob({ id, steps: [makeStep({ uses: upload() })] }), makePipeline());
    expect(resolver.expansions).toBe(1);
  });
});
