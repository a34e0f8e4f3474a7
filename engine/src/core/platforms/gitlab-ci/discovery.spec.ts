import { localIncludes } from './discovery';

const file = (text: string): { path: string; text: string } => ({ path: '.gitlab-ci.yml', text });

describe('gitlab-ci discovery: localIncludes', () => {
  it('reads local and plain string includes only (a leading / is the root), and never throws on bad YAML', () => {
    expect(localIncludes(file("include: '/a.yml'\n"))).toEqual(['a.yml']);
    expect(localIncludes(file('include: [{local: a.yml}, {template: T.yml}, https://x.y/z.yml, {project: g/p, file: x.yml}]\n'))).toEqual(['a.yml']);
    expect(localIncludes(file('include:\n  - local: ci/**/*.yml\n'))).toEqual(['ci/**/*.yml']);
    expect(localIncludes(file('include: [\n'))).toEqual([]);
    expect(localIncludes(file('job: {script: [echo]}\n'))).toEqual([]);
  });
});
