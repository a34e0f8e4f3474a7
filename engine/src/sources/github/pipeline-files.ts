/**
 * Which files of a repository the GitHub source reads at one revision, and the GraphQL selections that
 * read them — many repositories and revisions per query, one alias each.
 *
 * The paths come from the registered platforms' `discovery` (core/platforms), never from a list here:
 *   - a literal path (`.gitlab-ci.yml`, `Jenkinsfile`, `action.yml`) is one `object(expression: "REV:path")`;
 *   - a one-level glob (`.github/workflows/*.yml`) lists its directory: with the blob texts when the
 *     directory is a hidden CI folder (`.github/workflows`: nearly every entry is wanted), by names only
 *     otherwise (`jenkins/`, the root for `*.Jenkinsfile`), whose matches are read in the next round;
 *   - a `**` glob (`.github/**` + `/action.yml`) is read where a file already read names it: a local
 *     action `uses: ./.github/actions/x` (GitHub's own discovery of local actions), and `follow`
 *     (GitLab `include: local`, Jenkins `load`) for every platform, transitively, in further rounds.
 * A blob GitHub returns truncated, binary, not UTF-8, larger than the limit, or a symbolic link is a
 * located ScanError (never silently skipped); a path absent at the revision is simply absent.
 */
import { z } from 'zod';
import { anyGlobMatcher, globBase, globDepth, globMatcher, isGlob } from '../../core/glob';
import type { Discovery, ScanError, SourceFile } from '../../core/model';

export interface PathPlan {
  /** Directories listed in the first round. */
  trees: ReadonlyArray<{ dir: string; withText: boolean }>;
  /** Literal paths read in the first round. */
  literals: readonly string[];
  /** Is this path one the platforms read (a pipeline or component file)? */
  wanted(path: string): boolean;
  /** Paths whose changes make a new version (history `path:` filters); root-level globs add their matches. */
  historyPaths: readonly string[];
  /** Root-level globs (`*.Jenkinsfile`): their matches at a revision join `historyPaths`. */
  rootGlob(path: string): boolean;
  /** The platforms' discoveries, in registry order (for `follow`). */
  discoveries: readonly Discovery[];
}

/** The plan for the given platforms' discoveries. Pure. */
export function planFromDiscovery(discoveries: readonly Discovery[]): PathPlan {
  const literals: string[] = [];
  const trees = new Map<string, boolean>();
  const rootGlobs: string[] = [];
  const history = new Set<string>();
  const all: string[] = [];
  for (const d of discoveries) {
    for (const pattern of [...d.pipelines, ...(d.components ?? [])]) {
      all.push(pattern);
      const base = globBase(pattern);
      if (!isGlob(pattern)) {
        literals.push(pattern);
        history.add(pattern);
        continue;
      }
      if (base === '') {
        if (globDepth(pattern) === 1) rootGlobs.push(pattern);
        continue;
      }
      history.add(base);
      if (globDepth(pattern) === 1) trees.set(base, (trees.get(base) ?? false) || base.split('/')[0]?.startsWith('.') === true);
    }
  }
  if (rootGlobs.length > 0) trees.set('', false);
  // `.github` covers `.github/workflows`: keep only the outermost history paths.
  const paths = [...history].sort();
  const outer = paths.filter((p) => !paths.some((q) => q !== p && p.startsWith(`${q}/`)));
  return {
    trees: [...trees].map(([dir, withText]) => ({ dir, withText })),
    literals: [...new Set(literals)],
    wanted: anyGlobMatcher(all),
    historyPaths: outer,
    rootGlob: anyGlobMatcher(rootGlobs),
    discoveries,
  };
}

export interface ReadLimits {
  /** Largest file read, in bytes (default 5 MiB). */
  maxFileBytes: number;
  /** Most files per repository revision (default 500). */
  maxFiles: number;
  /** Most rounds of files named by files already read (default 12). */
  maxRounds: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = { maxFileBytes: 5 * 1024 * 1024, maxFiles: 500, maxRounds: 12 };

const BlobSchema = z.object({
  __typename: z.string(),
  byteSize: z.number().optional(),
  isBinary: z.boolean().nullable().optional(),
  isTruncated: z.boolean().optional(),
  text: z.string().nullable().optional(),
});
const EntrySchema = z.object({
  name: z.string(),
  path: z.string().nullable().optional(),
  type: z.string(),
  mode: z.number(),
  object: BlobSchema.nullable().optional(),
});
const TreeSchema = z.object({ __typename: z.string(), entries: z.array(EntrySchema).nullable().optional() });
const RootSchema = z.object({ __typename: z.string(), tree: z.object({ entries: z.array(EntrySchema).nullable().optional() }).optional() });

const BLOB_FIELDS = '__typename ... on Blob { byteSize isBinary isTruncated text }';

/** The entries of a commit's root tree as the comparison of revisions needs them (`ROOT_ENTRIES_SELECTION`). */
export const RootEntriesSchema = z.array(z.object({ name: z.string(), type: z.string(), mode: z.number(), oid: z.string() }));
export type RootEntries = z.infer<typeof RootEntriesSchema>;
/** Inside a `Commit` selection: its root tree's entries with their object ids (no contents). */
export const ROOT_ENTRIES_SELECTION = 'tree { entries { name type mode oid } }';
const SYMLINK_MODE = 0o120000;

/** A GraphQL string literal (JSON's escapes are GraphQL's). */
export function gqlString(s: string): string {
  return JSON.stringify(s);
}

/** `./a/../b`, `/x` → repository-relative `b`, `x`; undefined when it leaves the repository. */
export function normalisePath(p: string): string | undefined {
  const out: string[] = [];
  for (const seg of p.replace(/\\/g, '/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return undefined;
      out.pop();
      continue;
    }
    out.push(seg);
  }
  return out.length === 0 ? undefined : out.join('/');
}

type Pending = { kind: 'blob'; path: string; origin?: number } | { kind: 'tree'; dir: string; withText: boolean; match: (p: string) => boolean; origin?: number };

/**
 * The files of one repository at one revision, read over GraphQL rounds. `selection(prefix)` gives the
 * fields to put inside a `repository { … }` selection for the pending reads, `take(prefix, node)` decodes
 * them from that repository's answer; repeat while `hasPending()`.
 */
export class RevisionFiles {
  readonly files: SourceFile[] = [];
  readonly errors: ScanError[] = [];
  private pending: Pending[] = [];
  private inFlight: Pending[] = [];
  private readonly asked = new Set<string>();
  private round = 0;
  private tooMany = false;
  /** Top-level names under which a read was asked (`.github` for `.github/workflows`), for `sameAs`. */
  private readonly tops = new Set<string>();
  /** The matches of root listings asked (root-level globs): which root entries a read depended on. */
  private readonly rootMatches: Array<(path: string) => boolean> = [];

  constructor(
    readonly repo: string,
    /** A revision GitHub's rev-parse understands: `HEAD`, a branch, a tag, a commit oid. */
    readonly rev: string,
    private readonly plan: PathPlan,
    /** Local paths a GitHub workflow or action file names (`uses: ./x`): extra reads. */
    private readonly localUses: (file: SourceFile) => string[],
    private readonly limits: ReadLimits = DEFAULT_READ_LIMITS,
  ) {
    for (const t of plan.trees) {
      this.noteAsked(t.dir, plan.wanted);
      this.pending.push({ kind: 'tree', dir: t.dir, withText: t.withText, match: plan.wanted });
    }
    for (const path of plan.literals) this.queueBlob(path);
  }

  private noteAsked(path: string, rootMatch?: (p: string) => boolean): void {
    if (path === '') {
      if (rootMatch) this.rootMatches.push(rootMatch);
      return;
    }
    this.tops.add(path.split('/')[0] as string);
  }

  /**
   * Would this revision's reading give the same files and errors at a revision whose root tree has
   * `other` entries, this one's being `own`? Yes when every top-level entry a read was asked under has the
   * same object id, mode and type in both (or is absent from both) and the root entries a root listing
   * matched are the same: every answer would then be the same, so would everything read after them.
   * Call it once this revision has nothing pending. Pure.
   */
  sameAs(own: RootEntries, other: RootEntries): boolean {
    if (this.hasPending() || this.inFlight.length > 0) return false;
    const index = (list: RootEntries): Map<string, string> => new Map(list.map((e) => [e.name, `${e.type} ${e.mode} ${e.oid}`]));
    const a = index(own);
    const b = index(other);
    for (const top of this.tops) if (a.get(top) !== b.get(top)) return false;
    for (const match of this.rootMatches) {
      const pick = (list: RootEntries): string => list.filter((e) => e.type === 'blob' && match(e.name)).map((e) => `${e.name} ${e.mode} ${e.oid}`).sort().join('\n');
      if (pick(own) !== pick(other)) return false;
    }
    return true;
  }

  /** Takes `other`'s files and errors as this revision's (it read the same objects: see `sameAs`). */
  adopt(other: RevisionFiles): void {
    this.pending = [];
    this.inFlight = [];
    this.files.push(...other.files);
    this.errors.push(...other.errors.map((e) => ({ ...e })));
  }

  hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** How many `object` fields the next round asks for. */
  objectCount(): number {
    return this.pending.length;
  }

  private error(file: string, code: string, message: string, line = 1): void {
    this.errors.push({ repo: this.repo, file, line, code, message });
  }

  private queueBlob(path: string, origin?: number): void {
    if (this.asked.has(`b:${path}`)) return;
    this.asked.add(`b:${path}`);
    this.noteAsked(path);
    this.pending.push({ kind: 'blob', path, origin });
  }

  private queueTree(dir: string, match: (p: string) => boolean, origin?: number): void {
    if (this.asked.has(`t:${dir}:${origin ?? ''}`)) return;
    this.asked.add(`t:${dir}:${origin ?? ''}`);
    this.noteAsked(dir, match);
    this.pending.push({ kind: 'tree', dir, withText: false, match, origin });
  }

  /** The fields for this round, aliased `<prefix>_<n>`. Moves the pending reads in flight. */
  selection(prefix: string): string {
    this.round++;
    if (this.round > this.limits.maxRounds) {
      for (const p of this.pending) this.error(p.kind === 'blob' ? p.path : p.dir || '.', 'too-deep', `files naming files more than ${this.limits.maxRounds} levels deep; not read`);
      this.pending = [];
    }
    this.inFlight = this.pending;
    this.pending = [];
    return this.inFlight
      .map((p, i) => {
        const alias = `${prefix}_${i}`;
        if (p.kind === 'blob') return `${alias}: object(expression: ${gqlString(`${this.rev}:${p.path}`)}) { ${BLOB_FIELDS} }`;
        const entries = p.withText ? `entries { name path type mode object { ${BLOB_FIELDS} } }` : 'entries { name path type mode }';
        if (p.dir === '') return `${alias}: object(expression: ${gqlString(this.rev)}) { __typename ... on Commit { tree { ${entries} } } }`;
        return `${alias}: object(expression: ${gqlString(`${this.rev}:${p.dir}`)}) { __typename ... on Tree { ${entries} } }`;
      })
      .join('\n');
  }

  /** Decodes this round's answer (`repository` node of the query); queues what the files read name. */
  take(prefix: string, repository: Record<string, unknown>): void {
    const flight = this.inFlight;
    this.inFlight = [];
    flight.forEach((p, i) => {
      const node = repository[`${prefix}_${i}`];
      if (node === null || node === undefined) return; // not at this revision
      if (p.kind === 'blob') {
        const blob = BlobSchema.safeParse(node);
        if (!blob.success) return this.error(p.path, 'bad-answer', 'GitHub answered this file in an unexpected shape; not read');
        if (blob.data.__typename === 'Blob') this.addBlob(p.path, blob.data, p.origin);
        return;
      }
      const tree = p.dir === '' ? RootSchema.safeParse(node) : TreeSchema.safeParse(node);
      if (!tree.success) return this.error(p.dir || '.', 'bad-answer', 'GitHub answered this directory in an unexpected shape; not read');
      const entries = ('tree' in tree.data ? tree.data.tree?.entries : 'entries' in tree.data ? tree.data.entries : undefined) ?? [];
      for (const e of entries) {
        const path = e.path ?? (p.dir === '' ? e.name : `${p.dir}/${e.name}`);
        if (e.type !== 'blob' || !p.match(path)) continue;
        if (e.mode === SYMLINK_MODE) {
          this.error(path, 'symlink', 'a symbolic link in the repository; the GitHub source does not follow links, not read');
          continue;
        }
        if (p.withText) {
          const blob = BlobSchema.safeParse(e.object);
          if (blob.success && blob.data.__typename === 'Blob') this.addBlob(path, blob.data, p.origin);
          else this.error(path, 'bad-answer', 'GitHub listed this file without its content; not read');
        } else {
          this.queueBlob(path, p.origin);
        }
      }
    });
  }

  /** Every path a round read or listed as matching (for history filters): the files plus located errors. */
  paths(): string[] {
    return [...new Set([...this.files.map((f) => f.path), ...this.errors.map((e) => e.file)])];
  }

  private addBlob(path: string, blob: z.infer<typeof BlobSchema>, origin: number | undefined): void {
    if (blob.isBinary === true) return this.error(path, 'binary', 'GitHub says this file is binary; not read');
    if (blob.isTruncated === true) return this.error(path, 'too-large', `GitHub returned this file truncated (${blob.byteSize ?? '?'} bytes); not read`);
    if (blob.text === null || blob.text === undefined) return this.error(path, 'not-utf8', 'GitHub gave no text for this file (not UTF-8?); not read');
    if ((blob.byteSize ?? 0) > this.limits.maxFileBytes) {
      return this.error(path, 'too-large', `file is ${blob.byteSize} bytes; files over ${this.limits.maxFileBytes} bytes are not read`);
    }
    if (this.files.some((f) => f.path === path)) return;
    if (this.files.length >= this.limits.maxFiles) {
      if (!this.tooMany) this.error(path, 'too-many-files', `more than ${this.limits.maxFiles} CI files in this repository; the rest were not read`);
      this.tooMany = true;
      return;
    }
    const file = { path, text: blob.text };
    this.files.push(file);
    this.follow(file, origin);
  }

  private follow(file: SourceFile, origin: number | undefined): void {
    this.plan.discoveries.forEach((d, index) => {
      if (!d.follow) return;
      const own = anyGlobMatcher(d.pipelines);
      if (origin !== index && !own(file.path)) return;
      let named: string[];
      try {
        named = d.follow(file);
      } catch (err) {
        return this.error(file.path, 'internal-error', `finding the files ${file.path} names failed: ${(err as Error).message}`);
      }
      for (const raw of named) {
        const pattern = raw.replace(/^\.\//, '').replace(/^\/+/, '');
        if (isGlob(pattern)) {
          if (globDepth(pattern) === 1) this.queueTree(globBase(pattern), globMatcher(pattern), index);
          else this.error(file.path, 'glob-not-listed', `${raw} spans several directory levels; the GitHub source lists one level, the files it names were not read`);
          continue;
        }
        const path = normalisePath(pattern);
        if (path === undefined) this.error(file.path, 'outside-repo', `${raw} points outside the repository; not read`);
        else this.queueBlob(path, index);
      }
    });
    for (const raw of this.localUses(file)) {
      const path = normalisePath(raw);
      if (path !== undefined && this.plan.wanted(path)) this.queueBlob(path);
    }
  }
}
