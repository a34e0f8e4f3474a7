/**
 * The on-disk format of the component-usage index: the manifest (versioned; everything a query reads for
 * every repository) and the models (one per repository version, in pack files, each checked against the
 * SHA-256 the manifest recorded). The manifest is validated with zod when it is written, and read back
 * only when its bytes are the ones its header's SHA-256 names (store.ts): a file this program did not
 * write, or wrote in another format, is refused — the caller then scans, never answers from it.
 */
import { z } from 'zod';
import type { ComponentRef, ScanError, VersionInfo } from '../../core/model';
import type { ComponentRead, ExpansionErrors, PipelineUnresolved, RepoModel, RepoSummary, UnresolvedEntry } from '../../core/inventory';
import { PLATFORMS } from '../../core/vocabulary';

export const INVENTORY_FORMAT = 'ci-exposure-inventory';
/** Bumped whenever what is stored changes meaning; an index of another version is rebuilt. */
export const INVENTORY_VERSION = 3;

const str = z.string();
const int = z.number().int();
const position = z.looseObject({ file: str, line: int, col: int.optional() });

const scanError = z.object({ repo: str, file: str, line: int, col: int.optional(), code: str, message: str }) satisfies z.ZodType<ScanError>;

const orbRef = z.object({ kind: z.literal('orb'), namespace: str, name: str, version: str.optional(), raw: str });
const componentRef = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('gha-action'), owner: str, repo: str, path: str.optional(), ref: str.optional(), raw: str }),
  z.object({ kind: z.literal('gha-local-action'), path: str, raw: str }),
  z.object({ kind: z.literal('gha-reusable-workflow'), owner: str, repo: str, path: str, ref: str.optional(), raw: str }),
  z.object({ kind: z.literal('gha-local-workflow'), path: str, raw: str }),
  z.object({ kind: z.literal('image'), name: str, tag: str.optional(), digest: str.optional(), raw: str }),
  orbRef,
  z.object({ kind: z.literal('orb-element'), orb: orbRef, elementKind: z.enum(['job', 'command', 'executor']), element: str, raw: str }),
  z.object({
    kind: z.literal('gitlab-include'),
    include: z.enum(['local', 'project', 'remote', 'template', 'component']),
    project: str.optional(),
    ref: str.optional(),
    file: str,
    raw: str,
  }),
  z.object({ kind: z.literal('script-url'), url: str, how: z.enum(['pipe', 'process-substitution', 'download-then-run']), raw: str }),
  z.object({ kind: z.literal('package'), ecosystem: z.enum(['npm', 'pypi']), name: str, version: str.optional(), raw: str }),
  z.object({ kind: z.literal('repo-file'), role: z.enum(['script', 'make', 'dockerfile']), path: str, cwd: str.optional(), target: str.optional(), raw: str }),
  z.object({ kind: z.literal('jenkins-library-step'), library: z.object({ name: str, ref: str.optional(), raw: str }), step: str, method: str, raw: str }),
]) satisfies z.ZodType<ComponentRef>;

const pipelineUnresolved = z.object({ file: str, line: int, ref: str, why: str }) satisfies z.ZodType<PipelineUnresolved>;
/**
 * A model as written (tests, and a check of what is written). Read back, its bytes are checked against
 * the SHA-256 the manifest recorded when this program wrote it, and only its head is checked (store.ts): a
 * deep validation of every job and component tree costs more than the query it guards (10,000
 * repositories), and adds nothing to a byte-for-byte check of what a typed value was serialised to.
 */
const platformModel = z.object({
  preErrors: z.array(scanError),
  pipelines: z.array(z.looseObject({ platform: z.enum(PLATFORMS), repo: str, file: str, jobs: z.array(z.looseObject({ id: str, pos: position })) })),
  trees: z.array(z.array(z.array(z.looseObject({ use: z.looseObject({ ref: z.looseObject({ kind: str, raw: str }), pos: position }), children: z.array(z.unknown()) })))),
  pipelineUnresolved: z.array(z.array(pipelineUnresolved)),
});

export const modelFile = z.object({
  format: z.literal(`${INVENTORY_FORMAT}-model`),
  version: z.literal(INVENTORY_VERSION),
  model: z.object({ repo: str, platforms: z.array(platformModel) }).transform((m) => m as unknown as RepoModel),
});

/** The manifest file's first line: what it is, and the SHA-256 of the rest (the manifest's JSON). */
export const manifestHeader = z.object({
  format: z.literal(INVENTORY_FORMAT),
  version: int,
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

const unresolvedEntry = z.object({ file: str, line: int, ref: str, reason: str }) satisfies z.ZodType<UnresolvedEntry>;
const versionInfo = z.object({
  commit: str,
  committedAt: z.number().optional(),
  role: z.enum(['window-start', 'in-window', 'head']),
  liveFrom: z.number().optional(),
  liveUntil: z.number().optional(),
  replacedBy: str.optional(),
}) satisfies z.ZodType<VersionInfo>;

const repoSummary = z.object({
  repo: str,
  version: versionInfo.optional(),
  fileNames: z.array(str).optional(),
  jobIds: z.array(str).optional(),
  files: int,
  jobs: int,
  keys: z.array(str),
  errors: z.array(scanError),
  expansions: z.array(int),
  unresolved: z.array(unresolvedEntry),
  componentReads: z.array(int),
  repoReads: z.array(z.object({ path: str, digest: str })),
}) satisfies z.ZodType<RepoSummary>;

const expansionErrors = z.object({
  key: str,
  errors: z.array(z.object({ repo: str.nullable(), file: str, line: int, col: int.optional(), code: str, message: str })),
}) satisfies z.ZodType<ExpansionErrors>;
const componentRead = z.object({ ref: componentRef, path: str, digest: str }) satisfies z.ZodType<ComponentRead>;

export const manifestFile = z.object({
  format: z.literal(INVENTORY_FORMAT),
  version: z.literal(INVENTORY_VERSION),
  /** The engine version that wrote it (another version re-reads everything: parsing may have changed). */
  tool: str,
  /** Where components were read from (`--cache` as given, or none): unresolved reasons name it. */
  source: str,
  /** What was indexed (the paths as given, or source ids). */
  inputs: z.array(str),
  repos: z.array(
    z.object({
      /** Which input this is: `repo` (and its position among inputs of the same name), or `source id/repo@commit role`. */
      key: str,
      /** Local: SHA-256 of the pipeline files (paths, sizes, contents); a source's version: `source id/repo@commit role` and when it was live (refresh.ts versionIdentity). */
      identity: str,
      /** SHA-256 of the model's bytes. */
      model: z.string().regex(/^[0-9a-f]{64}$/),
      /** Where they are (written by the store): the pack (its position in `packs`), the offset and the length. */
      at: z.tuple([int, int, int]).optional(),
      summary: repoSummary,
      /** A local checkout: its folder, its read errors, and its stat facts (fingerprint.ts; absent: read it again next time). */
      root: str.optional(),
      readErrors: z.array(scanError).optional(),
      facts: str.optional(),
    }),
  ),
  tables: z.object({ expansionErrors: z.array(expansionErrors), componentReads: z.array(componentRead) }),
  /** The pack files of the models (`<SHA-256 of the pack>.pack`), written by the store. */
  packs: z.array(z.string().regex(/^[0-9a-f]{64}\.pack$/)).optional(),
  /** Local folders: the listing (listing.ts), reused while its facts hold; the ids of the entries' checkouts, in order. */
  listing: z.object({ facts: str, ids: z.array(str), errors: z.array(scanError) }).optional(),
});

export type Manifest = z.infer<typeof manifestFile>;
export type ManifestRepo = Manifest['repos'][number];
