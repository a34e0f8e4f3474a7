/**
 * Indexing: each repository parsed and resolved exactly as scan.ts does (same platforms, same job cap,
 * same resolver and expansion memo shared across the repositories of one run), kept as a RepoModel plus
 * the RepoSummary the index looks up — and, for incremental re-scans, what the result depended on: the
 * component files and repository files read (by digest). Pure: reads go through the ports given.
 */
import { MAX_JOBS_PER_REPO, tooManyJobsMessage } from '../limits';
import type { ComponentNode, ComponentRef, ComponentSource, Expansion, Pipeline, PlatformModule, RepoFileReader, RepoInput, ScanError } from '../model';
import { PLATFORMS } from '../platforms';
import { createResolver, type Expander, walkNodes } from '../resolve/resolver';
import { modelKeys } from './keys';
import type { ComponentRead, ExpansionError, InventoryTables, PipelineUnresolved, PlatformModel, RepoModel, RepoRead, RepoSummary, UnresolvedEntry } from './model';

export interface InventoryOptions {
  platforms?: readonly PlatformModule[];
  expander?: Expander;
  /** A digest of a text (the shell's hash): what a read held, to tell later whether it changed. */
  digest: (text: string) => string;
}

/** The hint scan.ts adds to an unresolved component of a job that does not match the indicator. */
export const UNMATCHED_HINT = ': what it runs was not read, so it might hide the indicator';

/** The ScanError key scan.ts deduplicates errors by. */
export function errorKey(e: ScanError): string {
  return `${e.repo}\u0000${e.file}\u0000${e.line}\u0000${e.code}\u0000${e.message}\u0000${e.versions?.map((v) => v.commit).join(',') ?? ''}`;
}

/** Keeps the first `room` jobs of the pipeline, as scan.ts does. */
function capJobs(pipeline: Pipeline, room: number): { pipeline: Pipeline; error?: ScanError } {
  if (pipeline.jobs.length <= room) return { pipeline };
  const first = pipeline.jobs[room];
  const left = pipeline.jobs.length - room;
  return {
    pipeline: { ...pipeline, jobs: pipeline.jobs.slice(0, room) },
    error: {
      repo: pipeline.repo,
      file: first?.pos.file ?? pipeline.file,
      line: first?.pos.line ?? 1,
      code: 'too-many-jobs',
      message: tooManyJobsMessage(pipeline.file, left, first?.id ?? 'here'),
    },
  };
}

/** Unresolved nodes of trees: [file, line, raw, why], depth first (as scan.ts walks them). */
export function unresolvedOf(nodes: readonly ComponentNode[], describe: (ref: ComponentRef) => string): PipelineUnresolved[] {
  const out: PipelineUnresolved[] = [];
  for (const { node } of walkNodes(nodes)) {
    if (node.status !== 'unresolved') continue;
    out.push({ file: node.use.pos.file, line: node.use.pos.line, ref: node.use.ref.raw, why: node.reason ?? describe(node.use.ref) });
  }
  return out;
}

export interface IndexedRepo {
  model: RepoModel;
  summary: RepoSummary;
}

export interface InventoryBuilder {
  /** Parses and resolves one repository (call in scan order). */
  index(repo: RepoInput): IndexedRepo;
  /** The tables the summaries' ids point into. */
  tables(): InventoryTables;
}

/**
 * A builder for one indexing run. `tables` are those of the index being updated (ids already given stay
 * valid); repositories indexed in this run share one expansion memo, as in one scan.
 */
export function createInventoryBuilder(source: ComponentSource, options: InventoryOptions, tables: InventoryTables = { expansionErrors: [], componentReads: [] }): InventoryBuilder {
  const platforms = options.platforms ?? PLATFORMS;
  const expander: Expander = options.expander ?? ((use, ctx) => platforms.find((p) => p.expands.includes(use.ref.kind))?.expand(use, ctx));
  const expansionErrors = [...tables.expansionErrors];
  const componentReads = [...tables.componentReads];
  const readIds = new Map<string, number>(componentReads.map((r, i) => [JSON.stringify([r.ref, r.path, r.digest]), i]));
  const errorIds = new Map<string, number>(expansionErrors.map((e, i) => [e.key, i]));

  /** Component reads since the last expansion was stored. */
  let pending: number[] = [];
  /** Per memo key: the component reads its expansion made, the id of its errors. */
  const keyReads = new Map<string, number[]>();
  const keyErrors = new Map<string, number>();
  /** Memo keys the current repository used, in first-use order. */
  let touched = new Set<string>();
  let currentRepo = '';

  const recordingSource: ComponentSource = {
    read(ref, path) {
      const text = source.read(ref, path);
      const digest = text === undefined ? 'missing' : options.digest(text);
      const k = JSON.stringify([ref, path, digest]);
      let id = readIds.get(k);
      if (id === undefined) {
        id = componentReads.length;
        componentReads.push({ ref, path, digest });
        readIds.set(k, id);
      }
      pending.push(id);
      return text;
    },
    describe: (ref) => source.describe(ref),
  };

  class TrackingMemo extends Map<string, Expansion | undefined> {
    override get(key: string): Expansion | undefined {
      touched.add(key);
      return super.get(key);
    }
    override set(key: string, value: Expansion | undefined): this {
      keyReads.set(key, pending);
      pending = [];
      if (value !== undefined && value.errors.length > 0) {
        const errors: ExpansionError[] = value.errors.map((e) => ({ ...e, repo: e.repo === currentRepo ? null : e.repo }));
        let id = errorIds.get(key);
        if (id === undefined) {
          id = expansionErrors.length;
          errorIds.set(key, id);
          expansionErrors.push({ key, errors });
        } else {
          expansionErrors[id] = { key, errors };
        }
        keyErrors.set(key, id);
      }
      touched.add(key);
      return super.set(key, value);
    }
  }
  const memo = new TrackingMemo();

  const index = (input: RepoInput): IndexedRepo => {
    currentRepo = input.repo;
    touched = new Set();
    pending = [];
    const repoReads = new Map<string, string>();
    const inner = input.reader;
    const reader: RepoFileReader | undefined = inner && {
      read(path) {
        const answer = inner.read(path);
        if (!repoReads.has(path)) repoReads.set(path, 'text' in answer ? options.digest(answer.text) : options.digest(JSON.stringify(answer)));
        return answer;
      },
    };
    const repo: RepoInput = reader ? { ...input, reader } : input;
    const ctx = { repo, source: recordingSource };
    const resolver = createResolver(ctx, expander, memo);
    const ownReads: number[] = [];
    const matchedFiles = new Set<string>();
    const models: PlatformModel[] = [];
    const errors: ScanError[] = [];
    let room = MAX_JOBS_PER_REPO;
    let jobs = 0;

    for (const platform of platforms) {
      const own = repo.files.filter((f) => platform.matches(f.path));
      if (own.length === 0) continue;
      for (const f of own) matchedFiles.add(f.path);
      const pm: PlatformModel = { preErrors: [], pipelines: [], trees: [], pipelineUnresolved: [] };
      models.push(pm);
      let parsed: { pipelines: Pipeline[]; errors: ScanError[] };
      try {
        parsed = platform.parse(repo, recordingSource);
      } catch (err) {
        pm.preErrors.push({ repo: repo.repo, file: own[0]?.path ?? '', line: 1, code: 'internal-error', message: `${platform.displayName} parser failed: ${(err as Error).message}` });
        continue;
      } finally {
        ownReads.push(...pending);
        pending = [];
      }
      pm.preErrors.push(...parsed.errors);
      for (const p of parsed.pipelines) pm.preErrors.push(...p.errors);
      pm.pipelines = parsed.pipelines.map((p) => {
        const capped = capJobs(p, room);
        if (capped.error) pm.preErrors.push(capped.error);
        room = Math.max(0, room - capped.pipeline.jobs.length);
        return capped.pipeline;
      });
      for (const pipeline of pm.pipelines) {
        pm.trees.push(pipeline.jobs.map((job) => resolver.resolveJob(job, pipeline).components));
        pm.pipelineUnresolved.push(unresolvedOf(resolver.resolveUses(pipeline.uses), source.describe.bind(source)));
        jobs += pipeline.jobs.length;
      }
      errors.push(...pm.preErrors);
    }
    ownReads.push(...pending);
    pending = [];

    const expansions: number[] = [];
    const reads = new Set<number>(ownReads);
    for (const key of touched) {
      for (const id of keyReads.get(key) ?? []) reads.add(id);
      const e = keyErrors.get(key);
      if (e !== undefined) expansions.push(e);
    }

    // What a scan lists as unresolved when no job of this repository matches (scan.ts's order and texts).
    const unresolved: UnresolvedEntry[] = [];
    const seen = new Set<string>();
    const add = (list: readonly PipelineUnresolved[], usedBy: string): void => {
      for (const u of list) {
        const k = `${u.file}\u0000${u.line}\u0000${u.ref}`;
        if (seen.has(k)) continue;
        seen.add(k);
        unresolved.push({ file: u.file, line: u.line, ref: u.ref, reason: `${u.why} (used by ${usedBy}${UNMATCHED_HINT})` });
      }
    };
    for (const pm of models) {
      pm.pipelines.forEach((pipeline, p) => add(pm.pipelineUnresolved[p] ?? [], pipeline.file));
      pm.pipelines.forEach((pipeline, p) => {
        pipeline.jobs.forEach((job, j) => add(unresolvedOf(pm.trees[p]?.[j] ?? [], source.describe.bind(source)), `job ${job.name} in ${pipeline.file}`));
      });
    }

    const model: RepoModel = { repo: repo.repo, platforms: models };
    const versioned =
      repo.version === undefined
        ? {}
        : {
            version: repo.version,
            fileNames: [...matchedFiles],
            jobIds: models.flatMap((pm) => pm.pipelines.flatMap((p) => p.jobs.map((j) => `${p.file}\u0000${j.id}`))),
          };
    const summary: RepoSummary = {
      repo: repo.repo,
      ...versioned,
      files: matchedFiles.size,
      jobs,
      keys: modelKeys(models),
      errors,
      expansions,
      unresolved,
      componentReads: [...reads].sort((a, b) => a - b),
      repoReads: [...repoReads].map(([path, digest]): RepoRead => ({ path, digest })),
    };
    return { model, summary };
  };

  return { index, tables: () => ({ expansionErrors, componentReads }) };
}

export type { ComponentRead };
