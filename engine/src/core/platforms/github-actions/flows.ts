/**
 * What a step writes that others consume (artifacts, caches, pushes, releases), what it reads back,
 * and whether it deploys — from the action it uses (a table of well-known actions) and its shell text.
 */
import type { ArtifactFlow, ComponentRef, Position } from '../../model';
import { actionId } from './parse';

export interface StepFlows {
  produces: ArtifactFlow[];
  consumes: ArtifactFlow[];
  deploys: boolean;
}

export interface StepFacts {
  ref?: ComponentRef;
  inputs: Record<string, string>;
  run?: string;
  name?: string;
  pos: Position;
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && v.trim() !== '' && v.trim().toLowerCase() !== 'false';
}

/** setup-* actions that cache when their cache input is set: action → input name (and whether it caches by default). */
const SETUP_CACHE: Record<string, { input: string; byDefault: boolean }> = {
  'actions/setup-node': { input: 'cache', byDefault: false },
  'actions/setup-python': { input: 'cache', byDefault: false },
  'actions/setup-java': { input: 'cache', byDefault: false },
  'actions/setup-dotnet': { input: 'cache', byDefault: false },
  'actions/setup-go': { input: 'cache', byDefault: true },
  'ruby/setup-ruby': { input: 'bundler-cache', byDefault: false },
  'astral-sh/setup-uv': { input: 'enable-cache', byDefault: false },
  'pnpm/action-setup': { input: 'cache', byDefault: false },
  'oven-sh/setup-bun': { input: 'cache', byDefault: false },
};

/** Actions backed by the Actions cache whatever their inputs say: they restore (and save) entries of it. */
const CACHING_ACTIONS = new Set([
  'swatinem/rust-cache',
  'gradle/actions/setup-gradle',
  'gradle/gradle-build-action',
  'mozilla-actions/sccache-action',
  'determinatesystems/magic-nix-cache-action',
  'nix-community/cache-nix-action',
  'hendrikmuhs/ccache-action',
]);

/** Actions that publish a release / package (read by the outside world). */
const RELEASE_ACTIONS = new Set([
  'softprops/action-gh-release',
  'actions/create-release',
  'actions/upload-release-asset',
  'ncipollo/release-action',
  'pypa/gh-action-pypi-publish',
  'js-devtools/npm-publish',
  'goreleaser/goreleaser-action',
  'changesets/action',
  'svenstaro/upload-release-action',
  'google-github-actions/release-please-action',
  'googleapis/release-please-action',
  'actions/deploy-pages',
]);

/** Actions that push commits or branches with the job's token. */
const PUSH_ACTIONS = new Set([
  'stefanzweifel/git-auto-commit-action',
  'ad-m/github-push-action',
  'peter-evans/create-pull-request',
  'endbug/add-and-commit',
  'github-actions-x/commit',
]);

/** Shell commands that push or publish; the name recorded is the command as recognised. */
const RUN_FLOWS: Array<{ re: RegExp; via: 'push' | 'release'; name: string }> = [
  { re: /\bgit\s+push\b/, via: 'push', name: 'git push' },
  { re: /\bgh\s+release\b/, via: 'release', name: 'gh release' },
  { re: /\b(?:npm|yarn|pnpm|bun)\s+publish\b/, via: 'release', name: 'npm publish' },
  { re: /\b(?:semantic-release|lerna\s+publish|changeset\s+publish)\b/, via: 'release', name: 'package release' },
  { re: /\bdocker\s+(?:image\s+)?push\b|\bdocker\s+buildx\s+build\b[^\n]*\s--push\b/, via: 'release', name: 'docker push' },
  { re: /\btwine\s+upload\b|\b(?:poetry|uv|hatch|flit)\s+publish\b/, via: 'release', name: 'python package publish' },
  { re: /\bcargo\s+publish\b/, via: 'release', name: 'cargo publish' },
  { re: /\bgem\s+push\b/, via: 'release', name: 'gem push' },
  { re: /\bmvn\b[^\n]*\sdeploy\b|\bgradlew?\b[^\n]*\spublish\w*/, via: 'release', name: 'maven/gradle publish' },
];

/** A word every RUN_FLOWS expression needs (they are case-sensitive): text without any matches none of them. */
const RUN_FLOW_WORDS = ['push', 'publish', 'release', 'deploy', 'upload'];

function mentionsAny(text: string, words: readonly string[]): boolean {
  for (const w of words) if (text.includes(w)) return true;
  return false;
}

/** Deployment commands (beyond the publishing ones above). */
const DEPLOY_RUN = /(?:^|[\s;&|(])(?:deploy|publish)(?=$|[\s;&|)])|\bkubectl\s+(?:apply|rollout|set\s+image)\b|\bhelm\s+(?:upgrade|install)\b|\bterraform\s+apply\b|\baws\s+s3\s+(?:sync|cp)\b|\bvercel\b[^\n]*--prod\b/im;

/**
 * A job or step name that says it deploys, releases or publishes — but not one that publishes test
 * results, reports or coverage.
 */
export const DEPLOY_NAME = /(?:deploy|release|publish)(?![\w ./:-]*(?:results?|reports?|coverage))/i;

const COMMENT_LINE = /^\s*#/m;

/** Shell text without comment-only lines (a commented-out `git push` does not push). */
function liveShell(run: string): string {
  // Most scripts with a `#` have no comment-only line (`${#x}`, a comment after a command): then there
  // is nothing to drop. (`^\s*#` under `m` matches wherever a comment-only line starts, and at times
  // elsewhere: without a match, no line is dropped.)
  if (!run.includes('#') || !COMMENT_LINE.test(run)) return run;
  return run
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n');
}

/** What a script pushes or publishes (RUN_FLOWS, in their order) and whether it deploys. */
interface ShellFlows {
  flows: ReadonlyArray<{ via: 'push' | 'release'; name: string }>;
  deploys: boolean;
}

function readShell(run: string): ShellFlows {
  const shell = liveShell(run);
  return { flows: mentionsAny(shell, RUN_FLOW_WORDS) ? RUN_FLOWS.filter((f) => f.re.test(shell)) : [], deploys: DEPLOY_RUN.test(shell) };
}

/**
 * readShell's answers by script: the same scripts (`npm ci`, `npm test`, …) come back step after step,
 * and reading one takes a dozen passes over it. Long scripts are read each time (not kept).
 */
const SHELL_FLOWS = new Map<string, ShellFlows>();

function shellFlows(run: string): ShellFlows {
  if (run.length > 4096) return readShell(run);
  let found = SHELL_FLOWS.get(run);
  if (found === undefined) {
    found = readShell(run);
    if (SHELL_FLOWS.size >= 2048) SHELL_FLOWS.clear();
    SHELL_FLOWS.set(run, found);
  }
  return found;
}

export function stepFlows(step: StepFacts): StepFlows {
  const produces: ArtifactFlow[] = [];
  const consumes: ArtifactFlow[] = [];
  let deploys = false;
  const { pos, inputs } = step;
  const flow = (via: ArtifactFlow['via'], name: string | undefined): ArtifactFlow => (name === undefined ? { via, pos } : { via, name, pos });

  const id = step.ref ? actionId(step.ref) : undefined;
  if (id !== undefined) {
    if (id === 'actions/upload-artifact') produces.push(flow('artifact', inputs.name ?? 'artifact'));
    if (id === 'actions/upload-pages-artifact') produces.push(flow('artifact', inputs.name ?? 'github-pages'));
    if (id === 'actions/download-artifact') consumes.push(flow('artifact', inputs.name ?? inputs.pattern));
    if (id === 'actions/deploy-pages') consumes.push(flow('artifact', inputs['artifact_name'] ?? 'github-pages'));
    if (id === 'actions/cache' || id === 'actions/cache/save') produces.push(flow('cache', inputs.key));
    if (id === 'actions/cache' || id === 'actions/cache/restore') consumes.push(flow('cache', inputs.key));
    const setup = SETUP_CACHE[id];
    if (setup) {
      const value = inputs[setup.input];
      const on = value === undefined ? setup.byDefault : truthy(value);
      if (on) {
        const name = `${id}${value !== undefined && value !== 'true' ? `:${value}` : ''}`;
        produces.push(flow('cache', name));
        consumes.push(flow('cache', name));
      }
    }
    if (CACHING_ACTIONS.has(id)) {
      produces.push(flow('cache', id));
      consumes.push(flow('cache', id));
    }
    if (id === 'docker/build-push-action') {
      if (/type=gha/.test(inputs['cache-to'] ?? '')) produces.push(flow('cache', 'docker buildx (type=gha)'));
      if (/type=gha/.test(inputs['cache-from'] ?? '')) consumes.push(flow('cache', 'docker buildx (type=gha)'));
      if (truthy(inputs.push)) produces.push(flow('release', inputs.tags ?? 'docker image'));
    }
    if (RELEASE_ACTIONS.has(id)) produces.push(flow('release', id));
    if (PUSH_ACTIONS.has(id)) produces.push(flow('push', id));
  }

  if (step.run !== undefined) {
    const shell = shellFlows(step.run);
    for (const f of shell.flows) produces.push(flow(f.via, f.name));
    if (shell.deploys) deploys = true;
  }
  if (produces.some((f) => f.via === 'release')) deploys = true;
  if (step.name !== undefined && DEPLOY_NAME.test(step.name)) deploys = true;
  return { produces, consumes, deploys };
}
