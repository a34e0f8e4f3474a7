/**
 * Matching: which of a job's components (any depth) are the indicator's components, and through which
 * chain of references the job reaches them. Pure.
 */
import { globMatcher } from '../glob';
import type { ChainLink, ComponentNode, ComponentRef, Indicator, IndicatorComponent, Job, Match, Pipeline, ResolvedJob, Step } from '../model';
import { JOB_INPUT } from '../platforms/gitlab-ci/job';
import { walkNodes } from '../resolve/resolver';
import { decideRef, type RefEvidence } from './refs';

/** The start of the reason of a GitLab include that is in the pipeline but gives the job nothing. */
export const INCLUDE_TAKES_NOTHING = 'the include is in the pipeline but this job takes nothing from it';

/** Deepest component tree walked (the resolver bounds depth too; this is a second fence). */
const MAX_DEPTH = 64;

// ───────────── identifiers ─────────────

/** `https://Codecov.io/bash/` and `http://codecov.io/bash` → `codecov.io/bash` (scheme and case of host ignored). */
export function normaliseUrl(url: string): string {
  const text = url.trim();
  let parsed: URL | undefined;
  try {
    parsed = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    parsed = undefined;
  }
  if (!parsed) return text.toLowerCase().replace(/\/+$/, '');
  const path = parsed.pathname.replace(/\/+$/, '');
  return `${parsed.host.toLowerCase()}${path}${parsed.search}`;
}

/** `docker.io/library/node` and `node` are the same image; registry hosts and names are case-insensitive. */
export function normaliseImage(name: string): string {
  let n = name.trim().toLowerCase();
  n = n.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '');
  n = n.replace(/^library\//, '');
  return n;
}

/** The ref a component is used at (what refs.ts judges), or `null` when the component is not the indicator's. */
type RefReader = (ref: ComponentRef) => string | undefined | null;

/**
 * refFor for one component, with what depends on the component alone (its id split and lower-cased)
 * worked out once: it is asked of every node of every job's tree.
 */
function refReader(c: IndicatorComponent): RefReader {
  switch (c.kind) {
    case 'gha-action': {
      const [owner, repo, ...rest] = c.id.split('/');
      if (owner === undefined || repo === undefined) return () => null;
      const wantOwner = owner.toLowerCase();
      const wantRepo = repo.toLowerCase();
      const wantPath = rest.length > 0 ? rest.join('/').toLowerCase() : undefined;
      return (ref) => {
        if (ref.kind !== 'gha-action' && ref.kind !== 'gha-reusable-workflow') return null;
        if (ref.owner.toLowerCase() !== wantOwner || ref.repo.toLowerCase() !== wantRepo) return null;
        if (wantPath !== undefined && (ref.path ?? '').replace(/^\/+|\/+$/g, '').toLowerCase() !== wantPath) return null;
        return ref.ref;
      };
    }
    case 'orb': {
      const want = c.id.toLowerCase();
      return (ref) => {
        const orb = ref.kind === 'orb' ? ref : ref.kind === 'orb-element' ? ref.orb : undefined;
        if (!orb || `${orb.namespace}/${orb.name}`.toLowerCase() !== want) return null;
        return orb.version;
      };
    }
    case 'script-url': {
      const want = normaliseUrl(c.id);
      return (ref) => (ref.kind === 'script-url' && normaliseUrl(ref.url) === want ? undefined : null);
    }
    case 'image': {
      const want = normaliseImage(c.id);
      return (ref) => (ref.kind !== 'image' || normaliseImage(ref.name) !== want ? null : (ref.digest ?? ref.tag));
    }
    case 'gitlab-include': {
      const want = c.id.toLowerCase();
      return (ref) => (ref.kind !== 'gitlab-include' || ref.project === undefined ? null : ref.project.toLowerCase() === want ? ref.ref : null);
    }
    case 'package': {
      const want = c.id.toLowerCase();
      return (ref) => (ref.kind !== 'package' || ref.version === undefined ? null : `${ref.ecosystem}:${ref.name}`.toLowerCase() === want ? ref.version : null);
    }
    case 'platform':
    case 'workflow':
    case 'runner-label':
      return () => null;
  }
}

/** Readers by component: an indicator's components are matched against every job of a scan. */
const REF_READERS = new WeakMap<IndicatorComponent, RefReader>();

function refFor(ref: ComponentRef, c: IndicatorComponent): string | undefined | null {
  let read = REF_READERS.get(c);
  if (read === undefined) {
    read = refReader(c);
    REF_READERS.set(c, read);
  }
  return read(ref);
}

function link(node: ComponentNode): ChainLink {
  const l: ChainLink = { kind: node.use.ref.kind, ref: node.use.ref.raw, file: node.use.pos.file, line: node.use.pos.line };
  return node.status === 'unresolved' ? { ...l, unresolved: true } : l;
}

function chainKey(chain: readonly ChainLink[]): string {
  return chain.map((l) => `${l.kind}|${l.ref}|${l.file ?? ''}|${l.line ?? ''}`).join('>');
}

// ───────────── packages named in shell text ─────────────

export interface PackagePin {
  ecosystem: 'npm' | 'pypi';
  name: string;
  version: string;
  raw: string;
  /** 0-based line offset inside the text. */
  lineOffset: number;
}

const NPM_COMMAND = /\b(npx|bunx|npm\s+(?:install|i|add|exec|ci)|yarn\s+(?:add|dlx|global\s+add)|pnpm\s+(?:add|dlx|install|i)|bun\s+(?:add|install|x))\b/;
const PIP_COMMAND = /\b(pip3?|pipx|uv\s+pip|python3?\s+-m\s+pip)\s+(install|run)\b|\buv\s+(add|tool\s+install)\b/;
const NPM_TOKEN = /^(@[a-z0-9._~-]+\/)?[a-z0-9._~-]+@v?\d+\.\d+\.\d+[0-9a-z.+-]*$/i;
const PIP_TOKEN = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(\d[0-9A-Za-z.+!-]*)$/;

/**
 * Packages installed or run at a visible, exact version in shell text (`npx nx@21.5.0`,
 * `npm install nx@20.9.0`, `pip install ultralytics==8.3.41`). Lockfiles and manifests are not read.
 */
export function packagePins(text: string): PackagePin[] {
  // Text where no installer is named anywhere has no pin in any line (most steps): not split into lines.
  // A line's code is a prefix of it ending before a blank, so what matches in it matches in the text too.
  if (!NPM_COMMAND.test(text) && !PIP_COMMAND.test(text)) return [];
  const pins: PackagePin[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && pins.length < 1000; i++) {
    const line = lines[i] ?? '';
    if (line.length > 10_000) continue;
    const code = line.replace(/(^|\s)#.*$/, '');
    const npm = NPM_COMMAND.test(code);
    const pip = PIP_COMMAND.test(code);
    if (!npm && !pip) continue;
    for (const rawToken of code.split(/[\s;&|()]+/)) {
      const token = rawToken.replace(/^['"]|['"]$/g, '');
      if (npm && NPM_TOKEN.test(token)) {
        const at = token.lastIndexOf('@');
        pins.push({ ecosystem: 'npm', name: token.slice(0, at), version: token.slice(at + 1).replace(/^v/, ''), raw: token, lineOffset: i });
      } else if (pip) {
        const m = PIP_TOKEN.exec(token);
        if (m?.[1] !== undefined && m[2] !== undefined) {
          pins.push({ ecosystem: 'pypi', name: m[1].toLowerCase().replace(/_/g, '-'), version: m[2], raw: token, lineOffset: i });
        }
      }
    }
  }
  return pins;
}

/** packagePins of each step's text, found once: every package indicator of a scan reads the same steps. */
const STEP_PINS = new WeakMap<Step, { text: string; pins: readonly PackagePin[] }>();

function stepPins(step: Step, text: string): readonly PackagePin[] {
  const known = STEP_PINS.get(step);
  if (known !== undefined && known.text === text) return known.pins;
  const pins = packagePins(text);
  STEP_PINS.set(step, { text, pins });
  return pins;
}

// ───────────── job-level components ─────────────

function platformComponent(indicator: Indicator): IndicatorComponent[] {
  const listed = indicator.components.filter((c) => c.kind === 'platform');
  if (listed.length > 0 || indicator.kind !== 'platform' || indicator.platform === undefined) return listed;
  return [{ kind: 'platform', id: indicator.platform, affectedRefs: ['*'], safeRefs: [], maliciousShas: [] }];
}

/** Compiled globs of workflow file names, by pattern: the same few are tried on every job of a scan. */
const WORKFLOW_FILE_MATCHERS = new Map<string, (file: string) => boolean>();

function workflowFileMatcher(pattern: string): (file: string) => boolean {
  let m = WORKFLOW_FILE_MATCHERS.get(pattern);
  if (m === undefined) {
    // Bounded: patterns come from indicators, which a long-running process may load many of.
    if (WORKFLOW_FILE_MATCHERS.size >= 1024) WORKFLOW_FILE_MATCHERS.clear();
    m = globMatcher(pattern, { nocase: true });
    WORKFLOW_FILE_MATCHERS.set(pattern, m);
  }
  return m;
}

function jobLevelMatches(job: Job, pipeline: Pipeline, indicator: Indicator): Match[] {
  const matches: Match[] = [];
  for (const c of platformComponent(indicator)) {
    if (c.id !== pipeline.platform) continue;
    matches.push({
      indicator,
      component: c,
      chain: [{ kind: 'platform', ref: pipeline.platform }],
      refReason: `a breach of the ${pipeline.platform} platform exposes every secret stored there, whichever job ran and whatever it ran`,
      affected: true,
    });
  }
  for (const c of indicator.components) {
    if (c.kind === 'workflow') {
      const byFile = c.id.includes('/') && workflowFileMatcher(c.id)(pipeline.file);
      const byName = pipeline.name === c.id || job.workflow === c.id;
      if (!byFile && !byName) continue;
      matches.push({
        indicator,
        component: c,
        chain: [{ kind: 'job', ref: byFile ? `workflow file ${pipeline.file}` : `workflow "${c.id}"`, file: job.pos.file, line: job.pos.line }],
        refReason: byFile
          ? `the workflow file ${pipeline.file} has the name of a file the attacker pushed into repositories`
          : `the workflow is named "${c.id}", the name of the workflow the attacker pushed into repositories`,
        affected: true,
      });
    } else if (c.kind === 'runner-label') {
      const label = job.runner.labels.find((l) => l.toLowerCase() === c.id.toLowerCase());
      if (label === undefined) continue;
      matches.push({
        indicator,
        component: c,
        chain: [{ kind: 'job', ref: `runs-on ${label}`, file: job.pos.file, line: job.pos.line }],
        refReason: `the job runs on the runner label ${label}, which the attacker registers on compromised machines`,
        affected: true,
      });
    }
  }
  return matches;
}

// ───────────── the walk ─────────────

/**
 * A GitLab include that the job draws nothing from (the parser tags the job's use of it with an empty
 * JOB_INPUT: none of its jobs, templates, `default:` or global keys reach the job) runs nothing in the
 * job — unless the included files set top-level `variables:`, which every job gets. Other uses: as decided.
 */
function includeReach(node: ComponentNode, decision: { affected: boolean; reason: string }): { affected: boolean; reason: string } {
  if (!decision.affected || node.use.ref.kind !== 'gitlab-include' || node.use.inputs?.[JOB_INPUT] !== '' || node.status !== 'resolved') return decision;
  const subtree = [...walkNodes([node])].map(({ node: n }) => n);
  const unread = subtree.filter((n) => n.status === 'unresolved').map((n) => `\`${n.use.ref.raw}\``);
  if (unread.length > 0) {
    return { affected: true, reason: `${decision.reason}; the job takes none of the include's jobs or templates, but it includes ${unread.join(', ')}, which could not be read and may set \`default:\` keys` };
  }
  const variables = [...new Set(subtree.flatMap((n) => n.globalVariables ?? []))];
  if (variables.length > 0) {
    const shown = variables.slice(0, 6).map((v) => `\`${v}\``).join(', ') + (variables.length > 6 ? ` and ${variables.length - 6} more` : '');
    return { affected: true, reason: `${decision.reason}; the job takes none of the include's jobs or templates, but its global variables ${shown} reach every job` };
  }
  return { affected: false, reason: `${INCLUDE_TAKES_NOTHING}: none of its jobs, templates, \`default:\`, global keys or variables reach the job` };
}

/** What the component's code says about the indicator's run-time fetch, when that code was read. */
function codeEvidence(node: ComponentNode, c: IndicatorComponent): RefEvidence {
  const label = node.use.label === undefined ? {} : { label: node.use.label };
  if (c.runTimeFetch === undefined || node.status !== 'resolved' || node.codeUrls === undefined) return label;
  const wanted = normaliseUrl(c.runTimeFetch);
  return { ...label, namesRunTimeFetch: node.codeUrls.some((u) => normaliseUrl(u) === wanted || normaliseUrl(u).startsWith(`${wanted}?`)) };
}

/** Where a walk starts no component has matched yet (one set for every walk: it is only read). */
const NOTHING_MATCHED: ReadonlySet<IndicatorComponent> = new Set();

const TREE_KINDS: ReadonlyArray<IndicatorComponent['kind']> = ['gha-action', 'orb', 'script-url', 'image', 'gitlab-include', 'package'];

/** The keys of every prefix of the chain: `keys[i]` is chainKey(chain.slice(0, i)). */
function prefixKeys(chain: readonly ChainLink[]): string[] {
  const keys = [''];
  for (const l of chain) keys.push(`${keys[keys.length - 1] === '' ? '' : `${keys[keys.length - 1]}>`}${chainKey([l])}`);
  return keys;
}

/**
 * Along one path of the tree, keep one match: the deepest affected one (it names the code that ran,
 * e.g. the script an orb fetched), with the reasons of the matches above it; when none is affected,
 * the outermost one (e.g. the safe SHA pin). Linear in the matches times the chain length (a job can
 * have thousands of matching steps).
 */
function collapseNested(matches: readonly Match[]): Match[] {
  const keys = matches.map((m) => prefixKeys(m.chain));
  /** By the key of a whole chain, the matches with exactly that chain. */
  const byChain = new Map<string, Match[]>();
  /** By the key of a chain, whether some match strictly below it is affected (present: some match is below). */
  const belowAffected = new Map<string, boolean>();
  matches.forEach((m, i) => {
    const k = keys[i] as string[];
    const whole = k[k.length - 1] as string;
    const same = byChain.get(whole);
    if (same) same.push(m);
    else byChain.set(whole, [m]);
    for (let len = 1; len < k.length - 1; len++) {
      const p = k[len] as string;
      belowAffected.set(p, (belowAffected.get(p) ?? false) || m.affected);
    }
  });
  const out: Match[] = [];
  matches.forEach((m, i) => {
    const k = keys[i] as string[];
    const whole = k[k.length - 1] as string;
    const deeperAffected = belowAffected.get(whole) === true;
    const shallower: Match[] = [];
    for (let len = 1; len < k.length - 1; len++) shallower.push(...(byChain.get(k[len] as string) ?? []));
    if (m.affected) {
      if (deeperAffected) return;
      const above = shallower.filter((n) => n.affected).map((n) => n.refReason);
      out.push(above.length > 0 ? { ...m, refReason: [...above, m.refReason].join('; ') } : m);
    } else {
      if (shallower.length > 0 || deeperAffected) return;
      out.push(m);
    }
  });
  return out;
}

/**
 * Every place where `resolved`'s job reaches one of the indicator's components, as a chain from the
 * pipeline's own reference to that component. One Match per distinct chain. Below a node that matched
 * a component, the same component is not reported again (the outer reference already reaches it).
 */
export function matchJob(resolved: ResolvedJob, pipeline: Pipeline, indicator: Indicator): Match[] {
  const matches = jobLevelMatches(resolved.job, pipeline, indicator);
  const treeComponents = indicator.components.filter((c) => TREE_KINDS.includes(c.kind));
  const seen = new Set<string>();
  const add = (m: Match): void => {
    const key = `${m.component.kind}:${m.component.id}#${chainKey(m.chain)}`;
    if (seen.has(key)) return;
    seen.add(key);
    matches.push(m);
  };

  if (treeComponents.length > 0) {
    // The nodes from the root to the one walked; a chain of links is made only where a component matches
    // (most nodes of most trees match none).
    const path: ComponentNode[] = [];
    const walk = (node: ComponentNode, matched: ReadonlySet<IndicatorComponent>, depth: number): void => {
      if (depth > MAX_DEPTH) return;
      path.push(node);
      let chain: ChainLink[] | undefined;
      let below = matched;
      for (const c of treeComponents) {
        if (matched.has(c)) continue;
        const ref = refFor(node.use.ref, c);
        if (ref === null) continue;
        const decision = includeReach(node, decideRef(ref, c, codeEvidence(node, c)));
        chain ??= path.map(link);
        add({ indicator, component: c, chain, refReason: decision.reason, affected: decision.affected });
        below = new Set([...below, c]);
      }
      for (const child of node.children) walk(child, below, depth + 1);
      path.pop();
    };
    for (const root of resolved.components) walk(root, NOTHING_MATCHED, 0);
  }
  // One match or none is its own collapse (most jobs match nothing): the tables are made only for more.
  if (matches.length > 1) {
    const collapsed = collapseNested(matches);
    matches.length = 0;
    matches.push(...collapsed);
  }

  // Packages pinned visibly in the job's own shell text.
  const packages = indicator.components.filter((c) => c.kind === 'package');
  if (packages.length > 0) {
    for (const step of resolved.job.steps) {
      if (step.run === undefined) continue;
      for (const pin of stepPins(step, step.run)) {
        const c = packages.find((p) => p.id.toLowerCase() === `${pin.ecosystem}:${pin.name}`.toLowerCase());
        if (!c) continue;
        const decision = decideRef(pin.version, c);
        add({
          indicator,
          component: c,
          chain: [{ kind: 'package', ref: pin.raw, file: step.pos.file, line: step.pos.line }],
          refReason: `${decision.reason} (the version is pinned in the pipeline; lockfiles were not read)`,
          affected: decision.affected,
        });
      }
    }
  }
  return matches;
}
