/**
 * The component-usage index (inventory): what a scan learnt about each repository version, kept so that
 * an indicator the scan was not run for is answered by index lookups instead of a new scan.
 *
 *   RepoInput ──build.ts (parse + resolve, as scan.ts)──▶ RepoModel (the resolved jobs, kept whole)
 *                                                     └─▶ RepoSummary (component keys, counts, errors,
 *                                                          unresolved, what was read)
 *   Indicator ──keys.ts──▶ keys ──postings──▶ candidate repositories ──query.ts (match + assess, as
 *                                                           scan.ts, on their RepoModels only)──▶ ScanResult
 *
 * A repository whose summary has none of the indicator's keys has no job that matches it (keys.ts keys a
 * component as coarsely as or more coarsely than indicators/match.ts compares it), so its part of the
 * result is its errors and unresolved components alone, which the summary holds. FUNCTIONAL CORE.
 */
import type { ComponentNode, ComponentRef, Pipeline, ScanError, VersionInfo } from '../model';

/** An unresolved component as ScanResult lists it, with its reason already written. */
export interface UnresolvedEntry {
  file: string;
  line: number;
  ref: string;
  reason: string;
}

/** An unresolved component of a pipeline's own `orbs:`/`include:` (reported whatever the indicator). */
export interface PipelineUnresolved {
  file: string;
  line: number;
  ref: string;
  /** The node's reason (or the source's description when it has none). */
  why: string;
}

/** One platform's part of a repository, as the scan walks it. */
export interface PlatformModel {
  /** Errors met before its jobs are matched, in scan order: parse errors, pipeline errors, jobs past the limit. */
  preErrors: ScanError[];
  pipelines: Pipeline[];
  /** Per pipeline, per job (same order as `pipelines[p].jobs`): the job's resolved component trees. */
  trees: ComponentNode[][][];
  /** Per pipeline: the unresolved components of its pipeline-level uses. */
  pipelineUnresolved: PipelineUnresolved[][];
}

/** A repository version parsed and resolved: what match + assess need to answer any indicator exactly as a scan. */
export interface RepoModel {
  repo: string;
  platforms: PlatformModel[];
}

/** A ScanError of a component expansion; `repo` null: the repository that first uses the component (scan order). */
export type ExpansionError = Omit<ScanError, 'repo'> & { repo: string | null };

/** A file of a component read through the ComponentSource while indexing, and what it held. */
export interface ComponentRead {
  ref: ComponentRef;
  path: string;
  /** Digest of the text; `missing` when the source did not have it. */
  digest: string;
}

/** A repository file read through the RepoFileReader while indexing, and what the answer was. */
export interface RepoRead {
  path: string;
  digest: string;
}

/** What the index keeps in its manifest for one repository version (the model itself is stored apart). */
export interface RepoSummary {
  repo: string;
  /** Which commit it is, when the source read versions (results then carry it; versions of one repository count once). */
  version?: VersionInfo;
  /** Of a version: its pipeline files and its jobs (`file NUL job id`), which the summary counts by name across versions. */
  fileNames?: string[];
  jobIds?: string[];
  /** Pipeline files read as such (ScanSummary.files). */
  files: number;
  jobs: number;
  /** Component keys (keys.ts) of every job: the postings. */
  keys: string[];
  /** Every error up to the jobs, in scan order (the expansion errors are `expansions`). */
  errors: ScanError[];
  /** Ids of the expansion errors it reports (see RepoModel.expansions). */
  expansions: number[];
  /** Unresolved components as a scan reports them when no job of the repository matches the indicator. */
  unresolved: UnresolvedEntry[];
  /** Component files it depends on (ids into the reads table). */
  componentReads: number[];
  /** Repository files (scripts, Makefiles, Dockerfiles) it depends on. */
  repoReads: RepoRead[];
}

/** The errors of one component expansion (by the resolver's memo key: component, ref, inputs). */
export interface ExpansionErrors {
  key: string;
  errors: ExpansionError[];
}

/** Tables shared by the repositories of an index. */
export interface InventoryTables {
  expansionErrors: ExpansionErrors[];
  componentReads: ComponentRead[];
}
