import type { ScanError, SourceFile } from '../core/model';
import { followNamed, MAX_FOLLOWED } from './follow';

const file = (path: string, text = ''): SourceFile => ({ path, text }) as SourceFile;

/** Drives the walk as a synchronous reader does: every named path "reads" as itself when it is in `present`. */
function walk(start: string[], names: Record<string, string[]>, present: Set<string>): { asked: string[]; errors: ScanError[] } {
  const asked: string[] = [];
  const errors: ScanError[] = [];
  const follow = (f: SourceFile): string[] => {
    if (f.path === 'boom.yml') throw new Error('bad include');
    return names[f.path] ?? [];
  };
  const w = followNamed([...start], follow, (p) => (present.has(p) ? file(p) : undefined), 'acme/app', errors);
  for (let step = w.next(); !step.done; ) {
    asked.push(step.value);
    step = w.next(present.has(step.value) ? [step.value] : []);
  }
  return { asked, errors };
}

describe('followNamed', () => {
  it('follows what each file names, breadth first, each file once; a throwing follow is an error of that file', () => {
    const present = new Set(['.gitlab-ci.yml', 'a.yml', 'b.yml', 'boom.yml']);
    const r = walk(['.gitlab-ci.yml'], { '.gitlab-ci.yml': ['a.yml', 'boom.yml', 'gone.yml'], 'a.yml': ['b.yml', '.gitlab-ci.yml'], 'b.yml': ['a.yml'] }, present);
    expect(r.asked).toEqual(['a.yml', 'boom.yml', 'gone.yml', 'b.yml', '.gitlab-ci.yml', 'a.yml']);
    expect(r.errors).toEqual([{ repo: 'acme/app', file: 'boom.yml', line: 1, code: 'internal-error', message: 'finding the files boom.yml names failed: bad include' }]);
  });

  it(`stops after ${MAX_FOLLOWED} files`, () => {
    const names: Record<string, string[]> = {};
    const present = new Set<string>();
    for (let i = 0; i < 500; i++) {
      names[`f${i}.yml`] = [`f${i + 1}.yml`];
      present.add(`f${i}.yml`);
    }
    expect(walk(['f0.yml'], names, present).asked).toHaveLength(MAX_FOLLOWED);
  });
});
