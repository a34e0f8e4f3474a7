/**
 * IMPERATIVE SHELL: `circleci:` in the source registry (resolve-source.ts): `circleci:VCS/ORG` (and
 * `circleci:VCS/ORG/PROJECT`) make CircleCI sources (source.ts); one fetcher serves orbs and their
 * elements from CircleCI's orb registry (orbs.ts), moving refs as of the incident window's end
 * (SourceOptions.window). CIRCLECI_TOKEN and CIRCLECI_URL from the SourceEnv.
 */
import type { SourceProvider } from '../resolve-source';
import { createOrbFetcher } from './orbs';
import { createCircleCiSource, parseCircleCiSpec } from './source';

export const circleciProvider: SourceProvider = {
  prefix: 'circleci',
  usage: 'circleci:VCS/ORG (gh/ORG, bb/ORG, circleci/ORG-ID)',
  create(rest, env) {
    const spec = `circleci:${rest}`;
    const parsed = parseCircleCiSpec(spec);
    if ('error' in parsed) return { error: parsed.error };
    return createCircleCiSource(spec, env);
  },
  // A moving orb ref (`@volatile`, `@1`) reads as the newest version published by the window's end.
  fetchers: (env, options) => [createOrbFetcher(env, options.window === undefined ? {} : { asOf: options.window.end })],
};
