/**
 * What a job runs from its own repository, followed for the resolver: the scripts its shell text runs
 * (`./scripts/cover.sh`, `bash ci/coverage.sh`, `. env.sh`), the Makefile targets it makes (`make coverage`:
 * prerequisites, then each recipe line that is a plain shell line), and the Dockerfiles it builds
 * (`docker build -f …`, `docker/build-push-action` with `file:`/`context:`; `Dockerfile` in the context by
 * default): their base images and what their `RUN`s fetch. Each link is a `repo-file` component at the
 * line that runs it, so chains read `make coverage → scripts/cover.sh → bash <(curl …)` with file:line.
 *
 * Files come only through the repository's RepoFileReader (or `RepoInput.files`): the core never reads a
 * file. A file that is missing or cannot be read, a path that depends on something not known when
 * reading, a recipe line a make function builds, a `FROM` whose argument has no value: each is an
 * unresolved use at its line (fail closed, never "not affected"). Depth is bounded by the resolver
 * (MAX_REPO_FILE_DEPTH), cycles by its component keys, the number and size of files by the reader. Pure.
 */
import type { ComponentRef, ComponentUse, ExpandContext, Expansion, Position, RepoInput, ScanError, Step } from '../model';
import { parseImage } from '../platforms/github-actions/parse';
import { analyseShell, type Download, type Invocation, placeFile, type ShellContext } from '../shell/analyse';
import { basename, SHELLS } from '../shell/commands';
import { parseDockerfile } from '../shell/dockerfile';
import { expandName, expandRecipeLine, parseMakefile } from '../shell/makefile';
import { anchored, type Cwd, joinRepoPath, type RepoPath, resolveRepoPath } from '../shell/paths';

export type RepoFileRef = Extract<ComponentRef, { kind: 'repo-file' }>;

/** A use whose code could not be read, and why (the resolver makes it an unresolved node). */
export interface Unreadable {
  use: ComponentUse;
  reason: string;
}

/** What a piece of shell text runs, as the resolver takes it. */
export interface ShellUses {
  /** Fetched scripts and the repository files it runs. */
  uses: ComponentUse[];
  unresolved: Unreadable[];
  /** Downloads known after it ran (for the job's later steps). */
  downloads: Download[];
}

/** Most repository files nested in one chain (a script that makes a target that runs a script …). */
export const MAX_REPO_FILE_DEPTH = 12;
/** Most Makefiles a Makefile brings in through `include`. */
const MAX_INCLUDES = 16;
const MAX_RAW = 120;

function shorten(text: string): string {
  const r = text.replace(/\s*\\\n\s*/g, ' ').replace(/\s+/g, ' ').trim();
  return r.length > MAX_RAW ? `${r.slice(0, MAX_RAW - 1)}…` : r;
}

/** How a `make` call reads in a chain: `make coverage`, `make coverage (tools/ci.mk)`, `make (in tools/)`. */
function makeRaw(dir: string, file: string, target: string | undefined): string {
  const call = target === undefined ? 'make' : `make ${target}`;
  if (file !== '') return `${call} (${file})`;
  return dir === '' ? call : `${call} (in ${dir}/)`;
}

function unreadable(raw: string, pos: Position, why: string, path = raw): Unreadable {
  return { use: { ref: { kind: 'repo-file', role: 'script', path, raw: shorten(raw) }, pos }, reason: why };
}

/** A use (or why it cannot be followed) for one invocation the analyser found. */
function invocationUses(inv: Invocation): Array<{ use: ComponentUse } | Unreadable> {
  switch (inv.kind) {
    case 'script': {
      if (inv.path.kind !== 'repo') return inv.path.kind === 'unknown' ? [unreadable(inv.written, inv.pos, inv.path.why)] : [];
      const ref: RepoFileRef = { kind: 'repo-file', role: 'script', path: inv.path.path, raw: inv.path.path };
      if ('path' in inv.cwd) ref.cwd = inv.cwd.path;
      return [{ use: { ref, pos: inv.pos } }];
    }
    case 'make': {
      if (inv.dir.kind !== 'repo') return inv.dir.kind === 'unknown' ? [unreadable(inv.raw, inv.pos, inv.dir.why)] : [];
      if (inv.file !== undefined && inv.file.kind !== 'repo') return inv.file.kind === 'unknown' ? [unreadable(inv.raw, inv.pos, inv.file.why)] : [];
      const dir = inv.dir.path;
      const file = inv.file?.kind === 'repo' ? inv.file.path : '';
      const targets: Array<string | undefined> = inv.targets.length > 0 ? inv.targets : [undefined];
      return targets.map((target) => {
        if (target !== undefined && (target.includes('$') || target.includes('\u0001'))) {
          return unreadable(inv.raw, inv.pos, `the target ${target} is not known when reading`);
        }
        const ref: RepoFileRef = { kind: 'repo-file', role: 'make', path: file, cwd: dir, raw: makeRaw(dir, file, target) };
        if (target !== undefined) ref.target = target;
        const use: ComponentUse = { ref, pos: inv.pos };
        if (Object.keys(inv.vars).length > 0) use.inputs = inv.vars;
        return { use };
      });
    }
    case 'build':
      return buildUses(inv.dockerfile, inv.buildArgs, inv.raw, inv.pos);
  }
}

function buildUses(dockerfile: RepoPath, buildArgs: Record<string, string>, raw: string, pos: Position): Array<{ use: ComponentUse } | Unreadable> {
  if (dockerfile.kind === 'outside') return [];
  if (dockerfile.kind === 'unknown') return [unreadable(raw, pos, `the Dockerfile it builds is not known (${dockerfile.why})`)];
  const use: ComponentUse = { ref: { kind: 'repo-file', role: 'dockerfile', path: dockerfile.path, raw: dockerfile.path }, pos };
  if (Object.keys(buildArgs).length > 0) use.inputs = buildArgs;
  return [{ use }];
}

function collect(parts: ReadonlyArray<{ use: ComponentUse } | Unreadable>, into: { uses: ComponentUse[]; unresolved: Unreadable[] }): void {
  for (const p of parts) {
    if ('reason' in p) into.unresolved.push(p);
    else into.uses.push(p.use);
  }
}

/** The uses of shell text whose first line is at `pos`: fetched scripts, then the repository files it runs. */
export function shellUses(text: string, pos: Position, context: ShellContext = {}): ShellUses {
  const a = analyseShell(text, pos, context);
  const out: ShellUses = { uses: [...a.fetched], unresolved: [], downloads: a.downloads };
  for (const inv of a.invocations) collect(invocationUses(inv), out);
  return out;
}

/** Actions that build the repository's Dockerfile, with the inputs naming it. */
const BUILD_ACTIONS: ReadonlyArray<{ action: string; file: string; context: string; buildArgs?: string }> = [
  { action: 'docker/build-push-action', file: 'file', context: 'context', buildArgs: 'build-args' },
  { action: 'redhat-actions/buildah-build', file: 'containerfiles', context: 'context', buildArgs: 'build-args' },
];

const BUILD_ACTION_LENGTHS: ReadonlySet<number> = new Set(BUILD_ACTIONS.map((b) => b.action.length));

/** Not frozen (a frozen object's shape of its own cost the resolver's optimised code: resolver.ts ROOT); read only by type. */
const BUILDS_NOTHING: { readonly uses: readonly ComponentUse[]; readonly unresolved: readonly Unreadable[] } = { uses: [], unresolved: [] };

/**
 * The Dockerfile a step's action builds (`docker/build-push-action`: `file:`, default `Dockerfile` in
 * `context:`, itself the checkout by default; `build-args:` as `KEY=value` lines). Action inputs are
 * relative to the repository root.
 */
export function stepBuildUses(step: Step): { readonly uses: readonly ComponentUse[]; readonly unresolved: readonly Unreadable[] } {
  const use = step.uses;
  const ref = use?.ref;
  // Most steps build nothing: one shared empty answer rather than new lists for each.
  if (!use || ref?.kind !== 'gha-action' || ref.path !== undefined) return BUILDS_NOTHING;
  // Told apart by the length of the name first: most steps run other actions, and their name need not be made
  // (lower-casing changes the length only of İ, which lower-cases to no ASCII name).
  if (!BUILD_ACTION_LENGTHS.has(ref.owner.length + 1 + ref.repo.length)) return BUILDS_NOTHING;
  const name = `${ref.owner}/${ref.repo}`.toLowerCase();
  const action = BUILD_ACTIONS.find((b) => b.action === name);
  if (!action) return BUILDS_NOTHING;
  const out = { uses: [] as ComponentUse[], unresolved: [] as Unreadable[] };
  const inputs = use.inputs ?? {};
  const root: Cwd = { path: '' };
  const context = inputs[action.context]?.trim();
  const file = inputs[action.file]?.split('\n')[0]?.trim();
  const buildArgs: Record<string, string> = {};
  for (const line of (action.buildArgs === undefined ? undefined : inputs[action.buildArgs])?.split('\n') ?? []) {
    const at = line.indexOf('=');
    if (at > 0) buildArgs[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  const expression = (v: string | undefined): boolean => v !== undefined && v.includes('${{');
  let dockerfile: RepoPath;
  if (expression(file) || ((file === undefined || file === '') && expression(context))) {
    dockerfile = { kind: 'unknown', why: 'the Dockerfile is named by an expression, not known when reading' };
  } else if (file !== undefined && file !== '') {
    dockerfile = resolveRepoPath(file, root);
  } else if (context !== undefined && /^[a-z][a-z0-9+.-]*:\/\/|^git@/i.test(context)) {
    dockerfile = { kind: 'unknown', why: `the build context ${context} is not in the repository` };
  } else {
    const dir: RepoPath = context === undefined || context === '' ? { kind: 'repo', path: '' } : resolveRepoPath(context, root);
    dockerfile = dir.kind === 'repo' ? { kind: 'repo', path: joinRepoPath(dir.path, 'Dockerfile') ?? 'Dockerfile' } : dir;
  }
  collect(buildUses(dockerfile, buildArgs, `${ref.raw} (${action.file}: ${file ?? `${context ?? '.'}/Dockerfile`})`, use.pos), out);
  return out;
}

// ───────────────────────────── reading ─────────────────────────────

/** A repository file: from the files already given, else through the reader. */
export function readRepoFile(repo: RepoInput, path: string): { text: string } | { missing: true } | { code: string; message: string } {
  const known = repo.files.find((f) => f.path === path);
  if (known) return { text: known.text };
  return repo.reader?.read(path) ?? { missing: true };
}

type Found = { text: string; path: string } | { expansion: Expansion };

function unresolvedExpansion(reason: string, errors: ScanError[] = []): Expansion {
  return { status: 'unresolved', reason, uses: [], scripts: [], secrets: [], errors };
}

/**
 * The code a remote source's reader answers for a file it has not read yet (sources/source.ts
 * PendingReader): it remembers the path and reads it before the next scan round.
 */
const NOT_FETCHED = 'not-fetched';

/**
 * The first of `candidates` that exists; a read problem is unresolved with its error. A candidate not
 * read yet (`not-fetched`) decides nothing — an earlier name wins over a later one — but the later names
 * are still asked, so that a remote reader reads them all in one round (make's GNUmakefile, makefile,
 * Makefile: one round, not three); the answer is then that first candidate's.
 */
function findFile(ctx: ExpandContext, candidates: readonly string[], what: string): Found {
  let blocked: Found | undefined;
  for (const path of candidates) {
    const r = readRepoFile(ctx.repo, path);
    if (blocked !== undefined) continue;
    if ('text' in r) return { text: r.text, path };
    if ('missing' in r) continue;
    const error: ScanError = { repo: ctx.repo.repo, file: path, line: 1, code: r.code, message: r.message };
    const found: Found = { expansion: unresolvedExpansion(`${path} could not be read (${r.message})`, r.code === 'binary' || r.code === 'not-utf8' ? [] : [error]) };
    if (r.code !== NOT_FETCHED) return found;
    blocked = found;
  }
  if (blocked !== undefined) return blocked;
  const hint = ctx.repo.reader === undefined ? ' (only its CI files were given)' : ' (made or downloaded while the job runs?)';
  return { expansion: unresolvedExpansion(`no ${what} in ${ctx.repo.repo}${hint}`) };
}

/** Does a script with this text run as shell when executed by its path (no `#!`, or a shell's)? */
function shellScript(text: string): boolean {
  const m = /^#!\s*(\S+)(?:\s+(?:-\S+\s+)*(\S+))?/.exec(text);
  if (!m?.[1]) return true;
  const prog = basename(m[1]) === 'env' ? basename(m[2] ?? '') : basename(m[1]);
  return SHELLS.has(prog);
}

function expandScript(ref: RepoFileRef, ctx: ExpandContext): Expansion {
  const found = findFile(ctx, [ref.path], ref.path);
  if ('expansion' in found) return found.expansion;
  const expansion: Expansion = { status: 'resolved', uses: [], scripts: [], secrets: [], errors: [] };
  // A program of another language (`#!/usr/bin/env python3`): run, but not shell text to follow.
  if (!shellScript(found.text)) return expansion;
  const cwd: Cwd = ref.cwd === undefined ? { unknown: `${ref.path} runs in a directory not known when reading` } : { path: ref.cwd };
  const r = shellUses(found.text, { file: ref.path, line: 1 }, { cwd, self: ref.path });
  expansion.uses = r.uses;
  if (r.unresolved.length > 0) expansion.unresolved = r.unresolved;
  return expansion;
}

function expandMake(ref: RepoFileRef, callVars: Record<string, string>, ctx: ExpandContext): Expansion {
  const dir = ref.cwd ?? '';
  const candidates = ref.path !== '' ? [ref.path] : ['GNUmakefile', 'makefile', 'Makefile'].map((n) => joinRepoPath(dir, n) ?? n);
  const found = findFile(ctx, candidates, ref.path !== '' ? ref.path : dir === '' ? 'Makefile' : `Makefile in ${dir}/`);
  if ('expansion' in found) return found.expansion;
  const errors: ScanError[] = [];
  const mk = parseMakefile(found.text, found.path);
  const unread: string[] = [];
  let budget = MAX_INCLUDES;
  for (let k = 0; k < mk.includes.length; k++) {
    const inc = mk.includes[k]!;
    for (const name of inc.names) {
      const expanded = expandName(name, mk.vars);
      const path = expanded === undefined || /[*?[]/.test(expanded) ? undefined : resolveRepoPath(expanded, { path: dir });
      if (path?.kind === 'outside') continue;
      if (path?.kind !== 'repo' || budget <= 0) {
        if (!inc.optional) unread.push(`${name} (${inc.file}:${inc.line})`);
        continue;
      }
      budget--;
      const r = readRepoFile(ctx.repo, path.path);
      if ('text' in r) parseMakefile(r.text, path.path, mk);
      else if ('code' in r) {
        errors.push({ repo: ctx.repo.repo, file: path.path, line: 1, code: r.code, message: r.message });
        unread.push(`${name} (${inc.file}:${inc.line})`);
      } else if (!inc.optional) unread.push(`${name} (${inc.file}:${inc.line})`);
    }
  }
  const includesNote = unread.length > 0 ? `; it includes ${unread.slice(0, 3).join(', ')}, which could not be read` : '';
  const target = ref.target ?? mk.defaultTarget;
  if (target === undefined) {
    if (unread.length > 0) return unresolvedExpansion(`${found.path} has no target${includesNote}`, errors);
    return { status: 'resolved', uses: [], scripts: [], secrets: [], errors };
  }
  const rule = mk.rules.get(target);
  if (!rule) return unresolvedExpansion(`no rule for ${target} in ${found.path}${includesNote}`, errors);

  const vars = new Map(mk.vars);
  for (const [k, v] of Object.entries(callVars)) vars.set(k, v);
  const out: { uses: ComponentUse[]; unresolved: Unreadable[] } = { uses: [], unresolved: [] };
  for (const p of rule.prerequisites) {
    if (p.startsWith('.') || !mk.rules.has(p)) continue;
    const pre: RepoFileRef = { kind: 'repo-file', role: 'make', path: ref.path, cwd: dir, target: p, raw: makeRaw(dir, ref.path, p) };
    const use: ComponentUse = { ref: pre, pos: { file: rule.file, line: rule.line } };
    if (Object.keys(callVars).length > 0) use.inputs = callVars;
    out.uses.push(use);
  }
  let downloads: Download[] = [];
  for (const line of rule.recipe) {
    const pos: Position = { file: line.file, line: line.line };
    const expanded = expandRecipeLine(line.text, { target, prerequisites: rule.prerequisites, vars, curdir: anchored(dir) });
    if ('notPlain' in expanded) {
      out.unresolved.push(unreadable(line.text, pos, `this recipe line of make ${target} is not a plain shell line: ${expanded.notPlain}`, line.file));
      continue;
    }
    // Each recipe line runs in its own shell, in the directory make runs in; files it downloads stay.
    const r = shellUses(expanded.text, pos, { cwd: { path: dir }, downloads });
    out.uses.push(...r.uses);
    out.unresolved.push(...r.unresolved);
    downloads = r.downloads;
  }
  const expansion: Expansion = { status: 'resolved', uses: out.uses, scripts: [], secrets: [], errors };
  if (out.unresolved.length > 0) expansion.unresolved = out.unresolved;
  return expansion;
}

function expandDockerfile(ref: RepoFileRef, buildArgs: Record<string, string>, ctx: ExpandContext): Expansion {
  const found = findFile(ctx, [ref.path], ref.path);
  if ('expansion' in found) return found.expansion;
  const parsed = parseDockerfile(found.text, buildArgs);
  const uses: ComponentUse[] = [];
  const unresolved: Unreadable[] = [];
  for (const img of parsed.images) {
    const pos: Position = { file: found.path, line: img.line };
    const image = img.unresolved === undefined ? parseImage(img.name) : undefined;
    if (image) uses.push({ ref: image, pos });
    else unresolved.push({ use: { ref: { kind: 'image', name: img.name, raw: img.name }, pos }, reason: `${img.unresolved ?? `${img.name} is not an image reference`} (${img.raw})` });
  }
  // RUN runs inside the image being built: what it fetches is followed, not the files it runs.
  const inImage: Cwd = { unknown: 'RUN runs inside the image' };
  let downloads: Download[] = parsed.adds.map((a) => ({ file: placeFile(a.dest, inImage), url: a.url, raw: a.raw, pos: { file: found.path, line: a.line } }));
  for (const run of parsed.runs) {
    const a = analyseShell(run.text, { file: found.path, line: run.line }, { cwd: inImage, downloads });
    uses.push(...a.fetched);
    downloads = a.downloads;
  }
  const expansion: Expansion = { status: 'resolved', uses, scripts: [], secrets: [], errors: [] };
  if (unresolved.length > 0) expansion.unresolved = unresolved;
  return expansion;
}

/** Reads one repository file a job runs and says what it runs in turn. Never throws. */
export function expandRepoFile(use: ComponentUse, ctx: ExpandContext): Expansion {
  const ref = use.ref;
  if (ref.kind !== 'repo-file') return unresolvedExpansion(`${ref.kind} is not a repository file`);
  switch (ref.role) {
    case 'script':
      return expandScript(ref, ctx);
    case 'make':
      return expandMake(ref, use.inputs ?? {}, ctx);
    case 'dockerfile':
      return expandDockerfile(ref, use.inputs ?? {}, ctx);
  }
}
