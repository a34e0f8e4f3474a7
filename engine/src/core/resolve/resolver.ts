/**
 * Transitive resolution: builds, for a job, the tree of every component it executes — its own `uses`,
 * each step's `uses` (nested under the components the step's text came through), scripts fetched at run
 * time in its shell text (also a file downloaded in one step and run in a later one), and the repository
 * files its shell text runs (scripts, Makefile targets, Dockerfiles it builds: repo-files.ts) — following
 * each component into its definition through an expander (the platform that reads that kind; the
 * repository reader for repository files), any depth.
 *
 * Terminates: a component met again on its own path is a `cycle`; nesting deeper than MAX_DEPTH is a
 * `depth-limit` (repository files nested deeper than MAX_REPO_FILE_DEPTH are unresolved: not read); a
 * job's tree is capped at MAX_NODES nodes (diamonds of shared components would otherwise grow
 * exponentially). Expansions are memoised per component (kind, ref, inputs) for the resolver's lifetime
 * — one scan. Pure: definitions come only through the expander's ComponentSource, repository files
 * through the repository's RepoFileReader.
 */
import type { ComponentKind, ComponentNode, ComponentUse, ExpandContext, Expansion, Job, Pipeline, Position, ResolvedJob, ScanError, Step } from '../model';
import type { Download } from '../shell/analyse';
import { type Cwd, resolveRepoPath } from '../shell/paths';
import { expandRepoFile, MAX_REPO_FILE_DEPTH, shellUses, type ShellUses, stepBuildUses, type Unreadable } from './repo-files';

/** Reads a component's definition; undefined when no platform reads definitions of that kind. */
export type Expander = (use: ComponentUse, ctx: ExpandContext) => Expansion | undefined;

export const MAX_DEPTH = 25;
export const MAX_NODES = 5000;

/** Components that are executed as they are: nothing further to read. */
const LEAF_KINDS: ReadonlySet<ComponentKind> = new Set<ComponentKind>(['image', 'script-url', 'package']);
/** Components whose definition lives in the scanned repository (memo keys include the repository). */
const LOCAL_KINDS: ReadonlySet<ComponentKind> = new Set<ComponentKind>(['gha-local-action', 'gha-local-workflow', 'repo-file']);
/** Key prefix of repository files (to count how deep they nest). */
const REPO_FILE_KEY = 'repo-file\u0000';

/**
 * The repository's root, where steps start unless they say otherwise (one object: it is only read). Not
 * frozen, as the shared empty answers below are not: a frozen object has a shape of its own, and meeting
 * it where the others are met made the engine throw away and recompile the resolver's optimised code.
 */
const ROOT: Readonly<Cwd> = { path: '' };

/** The directory a step's `run` starts in. */
function stepCwd(step: Step): Cwd {
  if (step.workdir === undefined) return ROOT;
  const r = resolveRepoPath(step.workdir, { path: '' });
  return r.kind === 'repo' ? { path: r.path } : { unknown: `the step runs in ${step.workdir}, which is not known when reading` };
}

/**
 * Shell analyses of step text run with no earlier download, by working directory and text, made at line 0
 * of no file: the same text in another step (organisations repeat their `run:` blocks) is moved to its
 * place instead of analysed again (the analysis depends on the position only through the positions it
 * returns, each the text's line plus an offset). Bounded by entries and characters; what is stored is
 * never handed out: each caller gets new uses, unreadables, downloads and positions. Keyed by the text
 * itself under its directory, not by one joined string: joining would copy every script to hash it.
 */
const SHELL_MEMO = new Map<string, Map<string, ShellUses>>();
const SHELL_MEMO_MAX_ENTRIES = 4096;
const SHELL_MEMO_MAX_CHARS = 4 * 1024 * 1024;
let shellMemoEntries = 0;
let shellMemoChars = 0;

/** What a step's shell text runs, as the resolver reads it (read only: the empty answer is shared). */
type StepShellUses = { readonly [K in keyof ShellUses]: Readonly<ShellUses[K]> };

const USES_NOTHING: StepShellUses = { uses: [], unresolved: [], downloads: [] };

function stepShellUses(text: string, pos: Position, cwd: Cwd, downloads: readonly Download[]): StepShellUses {
  if (downloads.length > 0 || text.length > 64 * 1024) return shellUses(text, pos, { cwd, downloads });
  const dir = 'path' in cwd ? `p${cwd.path}` : `u${cwd.unknown}`;
  let base = SHELL_MEMO.get(dir)?.get(text);
  if (base === undefined) {
    base = shellUses(text, { file: '', line: 0 }, { cwd });
    const chars = dir.length + 1 + text.length;
    if (shellMemoEntries >= SHELL_MEMO_MAX_ENTRIES || shellMemoChars + chars > SHELL_MEMO_MAX_CHARS) {
      SHELL_MEMO.clear();
      shellMemoEntries = 0;
      shellMemoChars = 0;
    }
    let texts = SHELL_MEMO.get(dir);
    if (texts === undefined) {
      texts = new Map();
      SHELL_MEMO.set(dir, texts);
    }
    texts.set(text, base);
    shellMemoEntries++;
    shellMemoChars += chars;
  }
  // Most step texts fetch and run nothing: one shared empty answer for them (callers only read it).
  if (base.uses.length === 0 && base.unresolved.length === 0 && base.downloads.length === 0) return USES_NOTHING;
  const at = (p: Position): Position => ({ file: pos.file, line: pos.line + p.line });
  const use = (u: ComponentUse): ComponentUse => ({ ...u, pos: at(u.pos) });
  return {
    uses: base.uses.map(use),
    unresolved: base.unresolved.map((u) => ({ ...u, use: use(u.use) })),
    downloads: base.downloads.map((d) => ({ ...d, pos: at(d.pos) })),
  };
}

/** Identity of a component (for cycles): what it is, not how it was called. */
export function componentKey(use: ComponentUse, repo: string): string {
  // Its parts joined by NUL; concatenated rather than collected and joined (it is made for every use resolved).
  const ref = use.ref;
  let key = `${ref.kind}\u0000${ref.raw}`;
  if (ref.kind === 'orb-element') key += `\u0000${ref.orb.raw}\u0000${ref.elementKind}`;
  if (ref.kind === 'gitlab-include') key += `\u0000${ref.include}\u0000${ref.project ?? ''}\u0000${ref.ref ?? ''}\u0000${ref.file}`;
  if (ref.kind === 'repo-file') key += `\u0000${ref.role}\u0000${ref.path}\u0000${ref.cwd ?? '\u0000unknown'}\u0000${ref.target ?? ''}`;
  // A Jenkins library variable reads the global variables of every library its run loaded.
  if (ref.kind === 'jenkins-library-step' && ref.loaded !== undefined) key += `\u0000${ref.loaded.map((l) => l.raw).join(',')}`;
  if (LOCAL_KINDS.has(ref.kind) || (ref.kind === 'gitlab-include' && ref.include === 'local')) key += `\u0000${repo}`;
  return key;
}

/** Identity of one expansion: the component (its componentKey) plus the inputs it was given (they change its scripts). */
function expansionKey(use: ComponentUse, component: string): string {
  const inputs = use.inputs === undefined ? [] : Object.entries(use.inputs);
  // No inputs: `[]`, as JSON.stringify writes an empty list.
  if (inputs.length === 0) return `${component}\u0000[]`;
  inputs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${component}\u0000${JSON.stringify(inputs)}`;
}

export interface Resolver {
  resolveJob(job: Job, pipeline: Pipeline): ResolvedJob;
  /** Resolves free-standing uses (e.g. a pipeline's `orbs:` / `include:`), for the unresolved inventory. */
  resolveUses(uses: readonly ComponentUse[]): ComponentNode[];
  /** Problems met while reading definitions, each once. */
  readonly errors: ScanError[];
  /** How many expansions were computed (not served from the memo). */
  readonly expansions: number;
}

/** Expansions already computed, shareable between the resolvers of one scan (keys include the repo for local components). */
export type ExpansionMemo = Map<string, Expansion | undefined>;

/**
 * The expansions of a memo that ignore their use's inputs (Expansion.inputsIgnored) and report no errors, by componentKey alone:
 * found without making (and hashing) the key of the use's inputs. Kept beside the memo, not in it, so that
 * no component's key can be taken for an expansion's. Only beside a plain Map: a memo of its own kind
 * watches the keys looked up in it (the inventory records what each repository used), and must see them all.
 */
const INPUTS_IGNORED = new WeakMap<ExpansionMemo, Map<string, Expansion>>();

function inputsIgnoredOf(memo: ExpansionMemo): Map<string, Expansion> | undefined {
  if (Object.getPrototypeOf(memo) !== Map.prototype) return undefined;
  let found = INPUTS_IGNORED.get(memo);
  if (found === undefined) {
    found = new Map();
    INPUTS_IGNORED.set(memo, found);
  }
  return found;
}

/** What an expansion's scripts run (shellUses of each), found once per expansion: a memoised expansion is met again by every job using it. */
const SCRIPT_USES = new WeakMap<Expansion, { uses: ComponentUse[]; unresolved: Unreadable[] }>();

function scriptUses(expansion: Expansion): { uses: ComponentUse[]; unresolved: Unreadable[] } {
  let found = SCRIPT_USES.get(expansion);
  if (!found) {
    found = { uses: [], unresolved: [] };
    for (const s of expansion.scripts) {
      const r = shellUses(s.text, s.pos);
      found.uses.push(...r.uses);
      found.unresolved.push(...r.unresolved);
    }
    SCRIPT_USES.set(expansion, found);
  }
  return found;
}

const TOO_MANY_NODES = `the job's component tree exceeds ${MAX_NODES} components; not followed further`;

/** An unresolved node for a use whose code could not be read. */
function unread(u: Unreadable, budget: { left: number }): ComponentNode {
  budget.left--;
  return { use: u.use, status: 'unresolved', reason: u.reason, children: [] };
}

function samePlace(a: ComponentUse, b: ComponentUse): boolean {
  return a.ref.kind === b.ref.kind && a.ref.raw === b.ref.raw && a.pos.file === b.pos.file && a.pos.line === b.pos.line;
}

/**
 * The resolver of one repository. A class rather than closures made per repository: its methods are one
 * function each for the whole scan, so the engine optimises them once (closures made anew for each of
 * thousands of repositories were compiled again and again).
 */
class RepoResolver implements Resolver {
  readonly errors: ScanError[] = [];
  expansions = 0;
  private readonly errorKeys = new Set<string>();
  private readonly repo: string;
  private readonly inputsIgnored: Map<string, Expansion> | undefined;

  constructor(
    private readonly ctx: ExpandContext,
    private readonly expander: Expander,
    private readonly memo: ExpansionMemo,
  ) {
    this.repo = ctx.repo.repo;
    this.inputsIgnored = inputsIgnoredOf(memo);
  }

  /** The expansion of `use`, whose componentKey is `component`. */
  private expand(use: ComponentUse, component: string): Expansion | undefined {
    if (this.inputsIgnored !== undefined && this.inputsIgnored.size > 0) {
      const same = this.inputsIgnored.get(component);
      if (same !== undefined) return same;
    }
    const key = expansionKey(use, component);
    const known = this.memo.get(key);
    // A kind no platform reads is memoised as undefined.
    if (known !== undefined || this.memo.has(key)) return known;
    this.expansions++;
    let result: Expansion | undefined;
    try {
      result = use.ref.kind === 'repo-file' ? expandRepoFile(use, this.ctx) : this.expander(use, this.ctx);
    } catch (err) {
      // Expanders must not throw; if one does, the component is unresolved rather than the scan lost.
      result = { status: 'unresolved', reason: `reading ${use.ref.raw} failed: ${(err as Error).message}`, uses: [], scripts: [], secrets: [], errors: [] };
    }
    this.memo.set(key, result);
    // Not one with errors: each repository that reads it anew reports them (its errors name the repository).
    if (result?.inputsIgnored === true && result.errors.length === 0) this.inputsIgnored?.set(component, result);
    for (const e of result?.errors ?? []) {
      const k = `${e.repo}\u0000${e.file}\u0000${e.line}\u0000${e.code}\u0000${e.message}`;
      if (this.errorKeys.has(k)) continue;
      this.errorKeys.add(k);
      this.errors.push(e);
    }
    return result;
  }

  /** The tree of one use reached through the components `path` (their keys), within the budget. */
  private node(use: ComponentUse, path: readonly string[], budget: { left: number }): ComponentNode {
    budget.left--;
    if (LEAF_KINDS.has(use.ref.kind)) return { use, status: 'leaf', children: [] };
    const key = componentKey(use, this.repo);
    if (path.includes(key)) {
      return { use, status: 'cycle', reason: `${use.ref.raw} uses itself through ${path.length} level(s); not followed again`, children: [] };
    }
    if (path.length >= MAX_DEPTH) {
      return { use, status: 'depth-limit', reason: `nested more than ${MAX_DEPTH} components deep; not followed further`, children: [] };
    }
    if (use.ref.kind === 'repo-file' && path.filter((k) => k.startsWith(REPO_FILE_KEY)).length >= MAX_REPO_FILE_DEPTH) {
      // Fail closed: what a file this deep runs was not read, so it is unresolved rather than a quiet depth limit.
      return { use, status: 'unresolved', reason: `more than ${MAX_REPO_FILE_DEPTH} repository files deep: not read`, children: [] };
    }
    if (budget.left <= 0) return { use, status: 'depth-limit', reason: TOO_MANY_NODES, children: [] };
    const expansion = this.expand(use, key);
    if (!expansion) return { use, status: 'leaf', children: [] };
    if (expansion.status === 'unresolved') {
      return { use, status: 'unresolved', reason: expansion.reason ?? this.ctx.source.describe(use.ref), children: [] };
    }
    const fromScripts = scriptUses(expansion);
    const next = [...path, key];
    const children: ComponentNode[] = [];
    let full = false;
    // The expansion's own uses, then those its scripts run; the budget spent: one depth-limit node, no more.
    for (const list of [expansion.uses, fromScripts.uses]) {
      for (const child of list) {
        if (budget.left <= 0) {
          children.push({ use: child, status: 'depth-limit', reason: TOO_MANY_NODES, children: [] });
          full = true;
          break;
        }
        children.push(this.node(child, next, budget));
      }
      if (full) break;
    }
    for (const u of expansion.unresolved ?? []) children.push(unread(u, budget));
    for (const u of fromScripts.unresolved) children.push(unread(u, budget));
    const resolved: ComponentNode = { use, status: 'resolved', children };
    if (expansion.secrets.length > 0) resolved.secrets = expansion.secrets;
    if (expansion.globalVariables !== undefined && expansion.globalVariables.length > 0) resolved.globalVariables = expansion.globalVariables;
    if (expansion.codeUrls !== undefined) resolved.codeUrls = expansion.codeUrls;
    return resolved;
  }

  /** Trees for `uses`, then unresolved nodes for `unreadable`, added to `into` with a shared node budget. */
  private build(into: ComponentNode[], uses: readonly ComponentUse[], budget: { left: number }, unreadable: readonly Unreadable[] = []): ComponentNode[] {
    for (const u of uses) into.push(this.node(u, [], budget));
    for (const u of unreadable) into.push(unread(u, budget));
    return into;
  }

  resolveUses(uses: readonly ComponentUse[]): ComponentNode[] {
    return this.build([], uses, { left: MAX_NODES });
  }

  resolveJob(job: Job, _pipeline: Pipeline): ResolvedJob {
    const budget = { left: MAX_NODES };
    const components: ComponentNode[] = this.build([], job.uses, budget);
    // Files downloaded by earlier steps: running one in a later step is a use of its URL.
    let downloads: readonly Download[] = [];
    for (const step of job.steps) {
      const builds = stepBuildUses(step);
      const found = step.run === undefined ? undefined : stepShellUses(step.run, step.runPos ?? step.pos, stepCwd(step), downloads);
      if (found !== undefined) downloads = found.downloads;
      if (step.uses === undefined && builds.uses.length === 0 && builds.unresolved.length === 0 && (found === undefined || (found.uses.length === 0 && found.unresolved.length === 0))) continue;
      // Nest under the step's `from` chain (outermost first), sharing chain nodes between steps.
      let level = components;
      for (const via of step.from ?? []) {
        let holder = level.find((n) => n.status === 'resolved' && samePlace(n.use, via));
        if (!holder) {
          holder = { use: via, status: 'resolved', children: [] };
          level.push(holder);
        }
        level = holder.children;
      }
      // In the order the step's uses were always listed: its action, the images it builds, what its shell
      // text runs; then what of those could not be read.
      if (step.uses !== undefined) level.push(this.node(step.uses, [], budget));
      this.build(level, builds.uses, budget);
      if (found !== undefined) this.build(level, found.uses, budget);
      this.build(level, [], budget, builds.unresolved);
      if (found !== undefined) this.build(level, [], budget, found.unresolved);
    }
    return { job, components };
  }
}

export function createResolver(ctx: ExpandContext, expander: Expander, memo: ExpansionMemo = new Map()): Resolver {
  return new RepoResolver(ctx, expander, memo);
}

/** Every node of a tree, depth first, with the path of uses from the root to it (inclusive). */
export function* walkNodes(nodes: readonly ComponentNode[], path: readonly ComponentNode[] = []): Generator<{ node: ComponentNode; path: ComponentNode[] }> {
  for (const node of nodes) {
    const here = [...path, node];
    yield { node, path: here };
    yield* walkNodes(node.children, here);
  }
}
