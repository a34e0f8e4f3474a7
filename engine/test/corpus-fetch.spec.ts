/**
 * The real corpus (../shared/ci-corpus/repos: 13 repositories, read in place) with components fetched on
 * demand from the simulated providers. Scanned with no component cache, every third-party component is
 * unresolved. Then the GitHub, CircleCI and GitLab simulators are seeded with a minimal but valid
 * definition of every component the corpus uses — a JavaScript action whose `main` does nothing or a
 * composite action with no steps, a reusable workflow with one job, an orb with the elements the corpus
 * calls (each empty), a GitLab include with one hidden job — and the corpus is scanned again through
 * `scanWithFetch` with the real fetchers pointed at the simulators: no component of a kind a provider
 * serves stays unresolved. What stays unresolved is listed with its reason: the files a job runs from its
 * own repository (the corpus holds only pipeline files, no Makefile or script) and an include whose
 * project is named by a CI variable. A component the simulators do not hold stays unresolved with the
 * provider's answer. Skipped, with one line on stderr, when the corpus is absent.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CircleCiSimulator } from './simulators/circleci/server';
import { GitHubSimulator, type SimRepoSeed } from './simulators/github/server';
import { type GitLabSimulator, type SimProjectSeed, startGitLabSimulator } from './simulators/gitlab/server';
import { catalogIndicator } from '../src/core/indicators';
import { platformById } from '../src/core/platforms';
import type { ComponentRef, ComponentSource, Indicator, RepoInput, ScanResult } from '../src/core/model';
import { componentId, componentStore, fetchTarget } from '../src/sources/component-store';
import { scanWithFetch } from '../src/sources/fetch-loop';
import { readLocalPaths } from '../src/sources/local-dir';
import { providerFetchers, sourceEnv } from '../src/sources/resolve-source';
import { REPO_ROOT } from './helpers/cli-process';
import { makeTempDir } from './helpers/tmp';

const CORPUS_REPOS = join(REPO_ROOT, '..', 'shared', 'ci-corpus', 'repos');
const present = existsSync(CORPUS_REPOS);
if (!present) process.stderr.write('corpus-fetch.spec: ../shared/ci-corpus is absent; the corpus fetch scan is not run\n');

const DATE = '2020-01-01T00:00:00Z';
const TOKENS = { github: 'ghp_corpus_fetch', gitlab: 'glpat-corpus-fetch', circleci: 'cci-corpus-fetch' };

type Unresolved = ScanResult['unresolved'][number];
type GhRef = Extract<ComponentRef, { kind: 'gha-action' | 'gha-reusable-workflow' }>;
type OrbRef = Extract<ComponentRef, { kind: 'orb' }>;
type IncludeRef = Extract<ComponentRef, { kind: 'gitlab-include' }>;

/** Every component the scan looked up in a component source (by store id). */
function recordingSource(): ComponentSource & { components: Map<string, ComponentRef> } {
  const components = new Map<string, ComponentRef>();
  return {
    components,
    read(ref) {
      const id = componentId(ref);
      if (id !== undefined && !components.has(id)) components.set(id, fetchTarget(ref));
      return undefined;
    },
    describe: () => 'no component cache was given',
  };
}

/** The orb elements (`command:copy`) the CircleCI configs call, by the orb's store id (the core reads orbs whole). */
function orbElements(repos: readonly RepoInput[], source: ComponentSource): Map<string, Set<string>> & { raws: Set<string> } {
  const elements = Object.assign(new Map<string, Set<string>>(), { raws: new Set<string>() });
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) {
      const ref = value as Partial<ComponentRef>;
      if (ref.kind === 'orb-element') {
        const id = componentId(ref as ComponentRef) ?? '';
        elements.set(id, (elements.get(id) ?? new Set<string>()).add(`${ref.elementKind}:${ref.element}`));
        elements.raws.add(ref.raw ?? '');
      }
      Object.values(value).forEach(visit);
    }
  };
  for (const repo of repos) visit(platformById('circleci').parse(repo, source).pipelines);
  return elements;
}

/** A ref as a provider would be asked for it (a CI variable in a name is not known when reading). */
const named = (ref: ComponentRef): boolean => !ref.raw.includes('$');

const NODE_ACTION = "name: noop\ndescription: does nothing\nruns:\n  using: node20\n  main: dist/index.js\n";
const COMPOSITE_ACTION = 'name: noop\ndescription: does nothing\nruns:\n  using: composite\n  steps: []\n';
const REUSABLE_WORKFLOW = 'name: noop\non:\n  workflow_call:\njobs:\n  noop:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ok\n';
const INCLUDE = '.noop:\n  script:\n    - echo ok\n';

/** One repository per `owner/repo`, one commit holding every action and workflow used of it, every ref used pointing at it. */
function githubSeeds(refs: readonly GhRef[]): SimRepoSeed[] {
  const repos = new Map<string, { files: Record<string, string>; refs: Set<string> }>();
  for (const ref of refs) {
    const full = `${ref.owner}/${ref.repo}`;
    const repo = repos.get(full.toLowerCase()) ?? { files: {}, refs: new Set<string>() };
    if (ref.kind === 'gha-reusable-workflow') repo.files[ref.path] = REUSABLE_WORKFLOW;
    else if (ref.path === undefined) {
      // An action at the repository root: JavaScript, whose main file does nothing.
      repo.files['action.yml'] = NODE_ACTION;
      repo.files['dist/index.js'] = "'use strict';\n";
    } else repo.files[`${ref.path}/action.yml`] = COMPOSITE_ACTION;
    if (ref.ref !== undefined && ref.ref !== 'main') repo.refs.add(ref.ref);
    repos.set(full.toLowerCase(), repo);
  }
  return [...repos].map(([full, r]) => ({
    full,
    commits: [{ date: DATE, files: r.files }],
    // A commit SHA pinned in the corpus is not one the simulator computes: it is seeded as a ref name.
    refs: Object.fromEntries([...r.refs].map((name) => [name, 0])),
  }));
}

/** An orb defining exactly the elements the corpus calls, each one `echo ok` step. */
function orbSource(elements: ReadonlySet<string>): string {
  const by = { command: [] as string[], job: [] as string[], executor: [] as string[] };
  for (const e of elements) {
    const [kind, name] = e.split(':') as ['command' | 'job' | 'executor', string];
    by[kind].push(name);
  }
  let text = 'version: 2.1\ndescription: does nothing\n';
  if (by.command.length > 0) text += `commands:\n${by.command.map((n) => `  ${n}:\n    steps:\n      - run: echo ok\n`).join('')}`;
  if (by.job.length > 0) text += `jobs:\n${by.job.map((n) => `  ${n}:\n    machine: true\n    steps:\n      - run: echo ok\n`).join('')}`;
  if (by.executor.length > 0) text += `executors:\n${by.executor.map((n) => `  ${n}:\n    machine: true\n`).join('')}`;
  return text;
}

function gitlabSeeds(refs: readonly IncludeRef[]): SimProjectSeed[] {
  const projects = new Map<string, { files: Record<string, string>; refs: Set<string> }>();
  for (const ref of refs) {
    if (ref.project === undefined) continue;
    const p = projects.get(ref.project) ?? { files: {}, refs: new Set<string>() };
    p.files[ref.include === 'component' ? `templates/${ref.file}.yml` : ref.file.replace(/^\/+/, '')] = INCLUDE;
    if (ref.ref !== undefined && ref.ref !== 'main') p.refs.add(ref.ref);
    projects.set(ref.project, p);
  }
  return [...projects].map(([path, p]) => ({ path, commits: [{ date: DATE, files: p.files }], refs: Object.fromEntries([...p.refs].map((name) => [name, 0])) }));
}

interface Providers {
  github: GitHubSimulator;
  gitlab: GitLabSimulator;
  circleci: CircleCiSimulator;
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** The three simulators, seeded with the definitions of `components` (orb elements as recorded). */
async function startProviders(components: readonly ComponentRef[], elements: ReadonlyMap<string, ReadonlySet<string>>): Promise<Providers> {
  const github = await new GitHubSimulator({ token: TOKENS.github }).start();
  for (const seed of githubSeeds(components.filter((c): c is GhRef => c.kind === 'gha-action' || c.kind === 'gha-reusable-workflow'))) github.addRepo(seed);
  const circleci = await CircleCiSimulator.start({ token: TOKENS.circleci });
  for (const orb of components.filter((c): c is OrbRef => c.kind === 'orb')) {
    const source = orbSource(elements.get(componentId(orb) ?? '') ?? new Set());
    circleci.addOrb({ namespace: orb.namespace, name: orb.name, versions: [{ version: orb.version ?? '1.0.0', createdAt: DATE, source }] });
  }
  const gitlab = await startGitLabSimulator({ projects: gitlabSeeds(components.filter((c): c is IncludeRef => c.kind === 'gitlab-include')) }, { tokens: [TOKENS.gitlab] });
  const env = {
    GITHUB_TOKEN: TOKENS.github,
    GITHUB_API_URL: github.apiUrl,
    GITLAB_TOKEN: TOKENS.gitlab,
    GITLAB_URL: gitlab.url,
    CIRCLECI_TOKEN: TOKENS.circleci,
    CIRCLECI_URL: circleci.url,
  };
  return {
    github,
    gitlab,
    circleci,
    env,
    async stop() {
      await github.stop();
      await circleci.stop();
      await gitlab.close();
    },
  };
}

const key = (u: Unresolved): string => `${u.repo} ${u.file}:${u.line} ${u.ref}`;

(present ? describe : describe.skip)('the corpus with components fetched from the simulated providers', () => {
  let repos: RepoInput[] = [];
  let indicator: Indicator;
  let before: Unresolved[] = [];
  let recorded: ReturnType<typeof recordingSource>;
  let elements: ReturnType<typeof orbElements>;
  let tmp: ReturnType<typeof makeTempDir>;

  beforeAll(async () => {
    tmp = makeTempDir('cix-corpus-fetch-');
    const read = readLocalPaths([CORPUS_REPOS]);
    repos = read.repos;
    const found = catalogIndicator('tj-actions-changed-files-2025');
    if (!found) throw new Error('no tj-actions indicator in the catalog');
    indicator = found;
    recorded = recordingSource();
    const r = await scanWithFetch(repos, [indicator], { base: recorded });
    elements = orbElements(repos, recorded);
    before = r.results[0]?.unresolved ?? [];
    process.stdout.write(`corpus-fetch.spec: ${repos.length} repositories, ${before.length} unresolved components with no component cache, ${recorded.components.size} distinct components looked up\n`);
  });
  afterAll(() => tmp?.cleanup());

  it('with no component cache, every component the corpus uses is unresolved', () => {
    expect(repos.length).toBe(13);
    expect(before.length).toBe(471);
    const unresolvedRefs = new Set(before.map((u) => u.ref));
    expect([...recorded.components.values()].filter((c) => !unresolvedRefs.has(c.raw))).toEqual([]);
    const kinds = [...recorded.components.values()].map((c) => c.kind);
    process.stdout.write(`corpus-fetch.spec: components by kind: ${JSON.stringify(Object.fromEntries([...new Set(kinds)].map((k) => [k, kinds.filter((x) => x === k).length])))}\n`);
  });

  /** Scans the corpus with the real fetchers against simulators holding `components`, into a fresh store. */
  async function scanFetched(components: readonly ComponentRef[], name: string) {
    const providers = await startProviders(components, elements);
    try {
      const dataDir = join(tmp.dir, name);
      const r = await scanWithFetch(repos, [indicator], { store: componentStore(join(dataDir, 'components')), fetchers: providerFetchers(sourceEnv(providers.env), { dataDir }) });
      expect(providers.github.rejected).toEqual([]);
      expect(providers.github.executionErrors).toEqual([]);
      expect(providers.github.violations).toEqual([]);
      expect(providers.circleci.violations).toEqual([]);
      return { ...r, unresolved: r.results[0]?.unresolved ?? [], providers };
    } finally {
      await providers.stop();
    }
  }

  it('with every component held by the simulated providers, none of a kind they serve stays unresolved', async () => {
    const all = [...recorded.components.values()];
    const r = await scanFetched(all.filter(named), 'all');
    const raws = new Set([...all.map((c) => c.raw), ...elements.raws]);
    const providerKind = r.unresolved.filter((u) => raws.has(u.ref) || /could not be fetched|component cache/.test(u.reason));
    const rest = r.unresolved.filter((u) => !providerKind.includes(u));
    process.stdout.write(`corpus-fetch.spec: ${before.length} unresolved before, ${r.unresolved.length} after (${r.fetched.length} components fetched in ${r.scans} scans)\n`);
    for (const u of providerKind) process.stdout.write(`  still unresolved: ${u.repo} ${u.file}:${u.line} ${u.ref}: ${u.reason}\n`);
    const make = rest.filter((u) => u.ref.startsWith('make')).length;
    const docker = rest.filter((u) => u.ref.endsWith('Dockerfile')).length;
    process.stdout.write(
      `  still unresolved: ${rest.length} files of the repositories themselves, which the corpus does not hold (${make} make calls, ${docker} Dockerfiles, ${rest.length - make - docker} scripts)\n`,
    );

    // Everything named was fetched; the include whose project is a CI variable is asked for as written
    // and GitLab has no such project.
    expect(r.fetched.sort()).toEqual(all.filter(named).map((c) => componentId(c)).sort());
    expect(r.failed.map((f) => f.component)).toEqual(all.filter((c) => !named(c)).map((c) => componentId(c)));
    expect(providerKind.map((u) => [u.repo, u.ref])).toEqual([['mattermost/mattermost-plugin-playbooks', 'mattermost/ci/$CI_PROJECT_NAME@main']]);
    expect(providerKind[0]?.reason).toMatch(/could not be fetched by gitlab/);

    // The rest were unresolved before too, for the same reason: files of the repository itself
    // (Makefiles, scripts, Dockerfiles; the corpus holds only pipeline files) — none a provider serves.
    const beforeByKey = new Map(before.map((u) => [key(u), u.reason]));
    for (const u of rest) {
      expect(beforeByKey.get(key(u))).toBe(u.reason);
      expect(u.reason).toMatch(/^(no \S+( in \S+)? in [\w.-]+\/[\w.-]+ \(made or downloaded while the job runs\?\)|the step runs in .+, which is not known when reading)/);
    }
    expect(before.filter((u) => !raws.has(u.ref)).map(key).sort()).toEqual(rest.map(key).sort());
    // Issue 10 counted 385 unresolved components in the corpus: the uses of components a provider serves.
    expect(before.length - rest.length).toBe(385);
  }, 120_000);

  it('a component the simulated provider does not hold stays unresolved, with the provider’s answer', async () => {
    const all = [...recorded.components.values()].filter(named);
    const [dropped] = all.filter((c) => c.kind === 'gha-action').sort((a, b) => (a.raw < b.raw ? -1 : 1));
    if (dropped?.kind !== 'gha-action') throw new Error('the corpus uses no GitHub action');
    const r = await scanFetched(all.filter((c) => c !== dropped), 'all-but-one');
    const id = componentId(dropped) ?? '';
    const unnamed = [...recorded.components.values()].filter((c) => !named(c)).map((c) => componentId(c));
    expect(r.failed.map((f) => f.component).sort()).toEqual([...unnamed, id].sort());
    const reason = r.failed.find((f) => f.component === id)?.reason ?? '';
    // GitHub's own GraphQL error for a repository it does not have.
    expect(reason).toBe(`github: GitHub: Could not resolve to a Repository with the name '${dropped.owner}/${dropped.repo}'.`);
    const uses = r.unresolved.filter((u) => u.ref === dropped.raw);
    expect(uses.length).toBe(before.filter((u) => u.ref === dropped.raw).length);
    expect(uses.length).toBeGreaterThan(0);
    for (const u of uses) expect(u.reason).toContain(`could not be fetched by ${reason}`);
    process.stdout.write(`corpus-fetch.spec: not held: ${dropped.raw}: ${uses[0]?.reason}\n`);
  }, 120_000);
});
