/**
 * In-memory builders for tests (like changesets' test-utils): a ComponentSource over a plain object keyed
 * by component-cache paths, and Job / Pipeline / ComponentUse builders with neutral defaults.
 * Test-only helpers, kept pure so any core test can use them.
 */
import type { ComponentRef, ComponentSource, ComponentUse, Indicator, Job, Match, Pipeline, Position, Step } from './model';
import { cacheKey, describeCacheLookup } from './resolve/cache-key';

export { cacheKey } from './resolve/cache-key';

/**
 * A ComponentSource over `files`, keyed by cache-relative paths such as
 * `circleci/orbs/codecov/codecov@1.1.1.yml` or `github/actions/checkout@v4/action.yml`.
 * Records every key it was asked for in `reads` (useful to assert memoisation).
 */
export function memorySource(files: Record<string, string>): ComponentSource & { reads: string[] } {
  const map = new Map(Object.entries(files));
  const reads: string[] = [];
  return {
    reads,
    read(ref: ComponentRef, path: string): string | undefined {
      const key = cacheKey(ref, path);
      if (key === undefined) return undefined;
      reads.push(key);
      return map.get(key);
    },
    describe(ref: ComponentRef): string {
      return describeCacheLookup(ref, 'in-memory cache');
    },
  };
}

/** A position in `file` (default `.github/workflows/ci.yml`) at `line`. */
export function pos(line = 1, file = '.github/workflows/ci.yml'): Position {
  return { file, line };
}

/** A ComponentUse of `ref` at `position`. */
export function makeUse(ref: ComponentRef, position: Position = pos(), inputs?: Record<string, string>): ComponentUse {
  return inputs ? { ref, pos: position, inputs } : { ref, pos: position };
}

/** A step; `name` defaults to the run text or the component's raw ref. */
export function makeStep(partial: Partial<Step> = {}): Step {
  return {
    name: partial.name ?? partial.run?.split('\n')[0] ?? partial.uses?.ref.raw ?? 'step',
    pos: partial.pos ?? pos(),
    ...partial,
  };
}

/** A job with neutral defaults: no secrets, read-only token model not applicable, no flows, no deploys. */
export function makeJob(partial: Partial<Job> & { id: string }): Job {
  return {
    name: partial.id,
    pos: pos(),
    workflow: 'ci',
    triggers: [{ kind: 'push' }],
    needs: [],
    runner: { selfHosted: false, labels: ['ubuntu-latest'] },
    steps: [],
    uses: [],
    secrets: [],
    contexts: [],
    permissions: { kind: 'read-all' },
    oidc: false,
    produces: [],
    consumes: [],
    deploys: false,
    ...partial,
  };
}

/** A pipeline holding `jobs` (default: none) in repo `acme/app`. */
export function makePipeline(partial: Partial<Pipeline> = {}): Pipeline {
  return {
    platform: 'github-actions',
    repo: 'acme/app',
    file: partial.jobs?.[0]?.pos.file ?? '.github/workflows/ci.yml',
    name: 'ci',
    triggers: [{ kind: 'push' }],
    jobs: [],
    uses: [],
    errors: [],
    ...partial,
  };
}

/** A script-url indicator like Codecov's, with neutral defaults. */
export function makeIndicator(partial: Partial<Indicator> = {}): Indicator {
  return {
    id: 'test-incident',
    title: 'Test incident',
    kind: 'script',
    windowStart: '2021-01-31T00:00:00Z',
    windowEnd: '2021-04-01T00:00:00Z',
    windowConfidence: 'exact',
    components: [{ kind: 'script-url', id: 'https://codecov.io/bash', affectedRefs: ['*'], safeRefs: [], maliciousShas: [] }],
    exposureScope: "everything in the job's environment",
    sources: [],
    ...partial,
  };
}

/** A match of `indicator`'s first component through `chain` (default: one link at line 5 of the CI file). */
export function makeMatch(partial: Partial<Match> = {}): Match {
  const indicator = partial.indicator ?? makeIndicator();
  const component = partial.component ?? indicator.components[0];
  if (!component) throw new Error('makeMatch: the indicator has no component');
  return {
    indicator,
    component,
    chain: [{ kind: 'script-url', ref: 'https://codecov.io/bash', file: '.github/workflows/ci.yml', line: 5 }],
    refReason: 'a fetched script is always the current code',
    affected: true,
    ...partial,
  };
}

/** Lines joined into a file's text, ending with a newline. */
export const lines = (...l: string[]): string => `${l.join('\n')}\n`;

/** The job `id` of pipeline `p`; throws, naming the jobs there are, when it has none. */
export function jobById(p: Pipeline, id: string): Job {
  const found = p.jobs.find((j) => j.id === id);
  if (!found) throw new Error(`no job ${id} in ${p.jobs.map((j) => j.id).join(', ')}`);
  return found;
}
