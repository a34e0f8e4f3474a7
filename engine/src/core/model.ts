/**
 * The normalised model every CI platform is parsed into, and the types that flow through the engine:
 *
 *   files ──parse (platforms/*)──▶ Pipeline ──resolve (resolve/)──▶ ComponentNode trees per job
 *         ──match (indicators/)──▶ chains ──assess (exposure/)──▶ Finding ──report (report/)──▶ text
 *
 * FUNCTIONAL CORE: nothing under core/ touches the file system, the network, the clock or the
 * environment. Files come in as text; component sources come through the ComponentSource port, the
 * repository's other files (scripts, Makefiles, Dockerfiles a job runs) through the RepoFileReader port;
 * "now" is never needed (incident windows come from the indicator).
 */
import type { ExposureVerdict, Platform, Verdict } from './vocabulary';

export type { ExposureVerdict, Platform, Verdict };

/** A place in a repository file. Lines and columns are 1-based. */
export interface Position {
  /** Path relative to the repository root, with `/` separators (or to the component's root). */
  file: string;
  line: number;
  col?: number;
}

/** An input problem, reported as data, never thrown: malformed YAML, unreadable file, unresolved include… */
export interface ScanError {
  /** `owner/repo` (or the folder name) of the repository the file belongs to. */
  repo: string;
  file: string;
  line: number;
  col?: number;
  /** Stable kebab-case code, e.g. `yaml-syntax`, `yaml-alias-limit`, `not-utf8`, `too-large`, `outside-repo`. */
  code: string;
  message: string;
  /** The versions of the repository (commits) the problem was met in, when the source said (sources/source.ts). */
  versions?: VersionInfo[];
}

export type VersionRole = 'window-start' | 'in-window' | 'head';

/**
 * Which commit of a repository was read, and when it was live on the default branch (ms since the epoch),
 * as far as its source says: `window-start` the commit current when the incident window opened,
 * `in-window` a commit inside the window that changed a pipeline file, `head` today's head. `replacedBy`
 * is the next version read (the commit that changed or removed its pipeline files, at `liveUntil`);
 * neither: it is still live. A local folder without history is `worktree`.
 */
export interface VersionInfo {
  /** Full commit id (a local folder: `worktree`). */
  commit: string;
  committedAt?: number;
  role: VersionRole;
  liveFrom?: number;
  liveUntil?: number;
  replacedBy?: string;
}

// ───────────────────────────── components ─────────────────────────────

/**
 * Something a job executes that was written by somebody else (or fetched at run time).
 * A union tagged by `kind`. `raw` is the text as written in the file.
 */
export type ComponentRef =
  /** `owner/repo[/path]@ref` in a GitHub `uses:` (step). `ref` undefined when unpinned. */
  | { kind: 'gha-action'; owner: string; repo: string; path?: string; ref?: string; raw: string }
  /** `./path` or `$/path` — an action in the same repository. */
  | { kind: 'gha-local-action'; path: string; raw: string }
  /** `owner/repo/.github/workflows/x.yml@ref` — a reusable workflow called by a job's `uses:`. */
  | { kind: 'gha-reusable-workflow'; owner: string; repo: string; path: string; ref?: string; raw: string }
  /** `./.github/workflows/x.yml` or `$/.github/workflows/x.yml` — a reusable workflow in the same repository. */
  | { kind: 'gha-local-workflow'; path: string; raw: string }
  /** A container image: `docker://…`, `container:`, `services:`, CircleCI docker executor, GitLab `image:`. */
  | { kind: 'image'; name: string; tag?: string; digest?: string; raw: string }
  /** A CircleCI orb `namespace/name@version` (version may be `volatile`, or undefined). */
  | { kind: 'orb'; namespace: string; name: string; version?: string; raw: string }
  /**
   * A job, command or executor of an orb, as used in a config: `codecov/upload`. `orb` is the orb it
   * belongs to (resolved through the config's `orbs:` aliases); `element` is the name inside the orb.
   */
  | { kind: 'orb-element'; orb: OrbRef; elementKind: 'job' | 'command' | 'executor'; element: string; raw: string }
  /** A GitLab CI include. */
  | {
      kind: 'gitlab-include';
      include: 'local' | 'project' | 'remote' | 'template' | 'component';
      /** project path (`group/project`) for project/component includes. */
      project?: string;
      ref?: string;
      /** file path for local/project/template includes; URL for remote; component name for component. */
      file: string;
      raw: string;
    }
  /** A script fetched and executed at run time (`curl … | bash`, `bash <(curl …)`, download-then-run). */
  | { kind: 'script-url'; url: string; how: 'pipe' | 'process-substitution' | 'download-then-run'; raw: string }
  /** A package installed at run time (npm/pypi), when the version is visible in the pipeline. */
  | { kind: 'package'; ecosystem: 'npm' | 'pypi'; name: string; version?: string; raw: string }
  /**
   * A file of the scanned repository that a job runs, read through `RepoInput.reader`: a shell script
   * (`role: 'script'`, run in `cwd`), a Makefile target (`make`: `target` in `path`, or in the Makefile
   * make finds in `cwd` when `path` is `''`), a Dockerfile a job builds (`dockerfile`). `cwd` undefined:
   * the directory it runs in is not known. `raw`: the path, or `make <target>` (with `-C`/`-f` as called).
   */
  | { kind: 'repo-file'; role: 'script' | 'make' | 'dockerfile'; path: string; cwd?: string; target?: string; raw: string }
  /**
   * A global variable of a Jenkins shared library (`vars/<step>.groovy`) called as a step: `codecov(…)`
   * runs its `call` method, `codecov.upload(…)` its `upload`. `library` is the library as loaded
   * (`@Library('name@ref')`, the `library` step, `libraries { lib(…) }`; `ref` undefined: the version
   * configured in Jenkins). `raw`: `<library raw>/<step>`. `loaded`: every library the run loaded, in
   * load order (implicit ones first), when it loaded more than `library` — their global variables are
   * global to the run, so the variable's own calls may name any of them; absent: `library` alone.
   */
  | { kind: 'jenkins-library-step'; library: JenkinsLibrary; step: string; method: string; raw: string; loaded?: JenkinsLibrary[] };

export type OrbRef = Extract<ComponentRef, { kind: 'orb' }>;

/** A Jenkins shared library as a pipeline loads it: `name[@ref]`. */
export interface JenkinsLibrary {
  name: string;
  ref?: string;
  /** As written: `ci-lib@v1`. */
  raw: string;
}
export type ComponentKind = ComponentRef['kind'];

/** A component as used at a place in a file. */
export interface ComponentUse {
  ref: ComponentRef;
  pos: Position;
  /** Parameters / `with:` inputs given at this use, after expansion (strings only). */
  inputs?: Record<string, string>;
  /**
   * Where the job takes this component in, when that is not `pos`: for a GitLab include that defines a
   * template the job `extends:` (at any depth), the job's `extends:` line (same file as `pos`). A finding
   * reached through this use points there; the chain keeps `pos` (the `include:` entry).
   */
  usedAt?: Position;
  /**
   * The release a same-line comment names for a commit-SHA pin (`uses: owner/repo@<sha> # v4.2.1`, as
   * pinning tools write it). What the file says, not checked against the component's repository.
   */
  label?: string;
}

// ───────────────────────────── pipelines ─────────────────────────────

export type TriggerKind =
  | 'push'
  | 'tag'
  | 'pull_request'
  | 'pull_request_fork'
  | 'pull_request_target'
  | 'workflow_run'
  | 'workflow_call'
  | 'workflow_dispatch'
  | 'schedule'
  | 'merge_request'
  | 'api'
  | 'other';

export interface Trigger {
  kind: TriggerKind;
  /** e.g. the cron line, the branch filter, the upstream workflow name. */
  detail?: string;
}

/** A credential a job can read, by NAME only. */
export interface SecretRef {
  name: string;
  /**
   * secret: `secrets.X` / GitLab masked var; context: CircleCI context (all its variables);
   * variable: a CI variable that is set from a secret store; inherit: `secrets: inherit`;
   * all-secrets: `toJSON(secrets)`; environment: a deployment environment's secrets; id-token: OIDC;
   * project-env: CircleCI project environment variables (reach every job, not in the config);
   * ci-token: the platform's built-in job token (GITHUB_TOKEN, CI_JOB_TOKEN).
   */
  kind: 'secret' | 'context' | 'variable' | 'inherit' | 'all-secrets' | 'environment' | 'id-token' | 'project-env' | 'ci-token';
  pos?: Position;
}

/** GitHub token permissions; `default` when the workflow and job say nothing (repository default). */
export type Permissions =
  | { kind: 'default' }
  | { kind: 'read-all' }
  | { kind: 'write-all' }
  | { kind: 'scopes'; scopes: Record<string, 'read' | 'write' | 'none'> }
  /** A platform without a GitHub-style token scope model (CircleCI, GitLab's CI_JOB_TOKEN). */
  | { kind: 'not-applicable' };

/** Something a job writes that other jobs (or the outside world) consume, or something it reads. */
export interface ArtifactFlow {
  via: 'workspace' | 'artifact' | 'cache' | 'push' | 'release';
  /** Artifact name, cache key, workspace root, pushed ref… (as written; may hold expressions). */
  name?: string;
  pos: Position;
  /**
   * When, in the job's run, the step that writes (or reads) it runs: its `at` in `Job.sequence`. Set where
   * the platform's writes are explicit steps (`WriteRule.timing`); absent: not known, and a write then
   * counts whichever step is compromised.
   */
  at?: number;
}

/** A step in the order the job runs it (`Job.sequence`). */
export interface SequencedStep {
  step: Step;
  /**
   * Its place in the run: steps run in increasing `at`; steps whose order relative to one another is not
   * known (steps handed to an orb's command or job as a parameter, and that command's own steps) share one.
   */
  at: number;
}

export interface Step {
  /** The step's display name, or a synthesised one (`run: npm test`). */
  name: string;
  pos: Position;
  /** The component this step runs, if any (`uses:`, an orb command, …). */
  uses?: ComponentUse;
  /** Shell text this step runs (after parameter/variable expansion where possible). */
  run?: string;
  /** Where the first line of `run` is (e.g. the line after `run: |`); defaults to `pos`. */
  runPos?: Position;
  /** The directory `run` runs in, as the step writes it (`working-directory:`), from the repository root; default the root. */
  workdir?: string;
  /**
   * The components this step's text came through, outermost first (e.g. the GitLab include that
   * defined the job or the `extends` template it came from). The resolver nests the step's own
   * components under these so that chains show them.
   */
  from?: ComponentUse[];
}

export interface Runner {
  selfHosted: boolean;
  /** runs-on labels, resource class, executor/image names, GitLab tags. */
  labels: string[];
}

export interface Job {
  /** The job's id (key) in its workflow/pipeline; unique within the Pipeline. */
  id: string;
  /** Display name (`name:`), or the id. */
  name: string;
  pos: Position;
  /** The workflow (GitHub workflow name, CircleCI workflow, GitLab pipeline) it runs in. */
  workflow: string;
  triggers: Trigger[];
  /** Ids of jobs this one waits for (`needs` / `requires` / earlier stages). */
  needs: string[];
  runner: Runner;
  steps: Step[];
  /**
   * Components used by the job itself rather than by a step: a reusable workflow (`jobs.x.uses`),
   * an orb job, the job's container/services/executor images, GitLab `extends` of included jobs.
   */
  uses: ComponentUse[];
  secrets: SecretRef[];
  /** CircleCI contexts named on the workflow job entry. */
  contexts: string[];
  /** GitHub `environment:` / GitLab `environment:` (deployment target). */
  environment?: string;
  permissions: Permissions;
  /** The job can mint an OIDC token (GitHub `id-token: write`, GitLab `id_tokens`). */
  oidc: boolean;
  produces: ArtifactFlow[];
  consumes: ArtifactFlow[];
  /** The job (by name, environment or what it runs) releases or deploys something. */
  deploys: boolean;
  /**
   * Every step the job runs, in order — also those that come from a component's definition and that
   * `steps` leaves to the resolver (an orb job's or orb command's own steps) — for platforms whose writes
   * are explicit steps: tamper paths place the compromised step in it, and only writes at or after it
   * count. Absent: `steps`, step i at i.
   */
  sequence?: SequencedStep[];
}

export interface Pipeline {
  platform: Platform;
  /** `owner/repo` of the repository. */
  repo: string;
  /** The main file (workflow file, .circleci/config.yml, .gitlab-ci.yml). */
  file: string;
  /** Workflow display name (GitHub `name:`), or the file name. */
  name: string;
  triggers: Trigger[];
  jobs: Job[];
  /** Components used at pipeline level (CircleCI `orbs:`, GitLab `include:`), for completeness. */
  uses: ComponentUse[];
  /** Problems met while parsing this pipeline (the pipeline may still be partly usable). */
  errors: ScanError[];
}

// ───────────────────────────── resolution ─────────────────────────────

/** A file as handed to a parser: repository-relative path and its text. */
export interface SourceFile {
  path: string;
  text: string;
}

/**
 * Where component definitions come from (orbs, remote actions, reusable workflows, includes).
 * v1: the component cache directory; later: online sources that fill it. Synchronous on purpose: the
 * core stays pure and the shell pre-fetches.
 */
export interface ComponentSource {
  /**
   * The files of a component, or undefined when the source does not have it (the component is then
   * reported as unresolved). Paths are relative to the component's root.
   */
  read(ref: ComponentRef, path: string): string | undefined;
  /**
   * A short description of where it looked, for "unresolved" messages; a source that fetches components
   * says why a fetch failed (the provider's reason), and every unresolved reason carries it.
   */
  describe(ref: ComponentRef): string;
}

export type ResolutionStatus = 'resolved' | 'unresolved' | 'leaf' | 'cycle' | 'depth-limit';

/** A component and what it runs in turn. */
export interface ComponentNode {
  use: ComponentUse;
  status: ResolutionStatus;
  /** Why it is unresolved / where it was looked for. */
  reason?: string;
  /** Secret names the component's definition reads by itself (from its Expansion). */
  secrets?: SecretRef[];
  /** Variables the component's file sets for every job that includes it (from its Expansion). */
  globalVariables?: string[];
  /** URLs named in the component's code, when all of it was read (from its Expansion). */
  codeUrls?: string[];
  children: ComponentNode[];
}

/** A job with the full tree of what it executes. */
export interface ResolvedJob {
  job: Job;
  /** Roots: the job's own `uses` and each step's `uses`, plus script-urls found in its `run` text. */
  components: ComponentNode[];
}

// ───────────────────────────── indicators ─────────────────────────────

export type IndicatorKind = 'action' | 'orb' | 'script' | 'image' | 'package' | 'platform' | 'gitlab';

/** A component an indicator names, with the refs that were bad and the refs that are known safe. */
export interface IndicatorComponent {
  /**
   * `gha-action` | `orb` | `script-url` | `image` | `gitlab-include` | `package` (matches ComponentRef kinds);
   * `platform` (every job of a CI platform: id is the Platform), `workflow` (a workflow file path, `*` glob,
   * or a workflow name, pushed into repositories by an attacker), `runner-label` (a runs-on label).
   */
  kind: 'gha-action' | 'orb' | 'script-url' | 'image' | 'gitlab-include' | 'package' | 'platform' | 'workflow' | 'runner-label';
  /**
   * `owner/repo[/path]` for actions, `ns/name` for orbs, the URL for scripts, image name, `group/project`,
   * `npm:<name>` / `pypi:<name>` for packages, the platform id, a workflow path/name, a runner label.
   */
  id: string;
  /** Affected refs: exact tags/versions, ranges like `>=1.0.0 <1.5.0`, `*` (every mutable ref). */
  affectedRefs: string[];
  /** Known-safe refs (documentation; SHA pins other than malicious ones are safe by rule). */
  safeRefs: string[];
  /** Malicious commit SHAs (a pin to one of these is affected). */
  maliciousShas: string[];
  /**
   * A script URL that releases of this component download and run at run time (codecov-action v1 fetched
   * https://codecov.io/bash). A SHA pin does not freeze what such a release runs, so a pin to any commit
   * not listed in `safeRefs` is affected: which release the commit belongs to is not known offline.
   */
  runTimeFetch?: string;
  note?: string;
}

export interface Indicator {
  /** Stable kebab-case id, e.g. `codecov-bash-uploader-2021`. */
  id: string;
  title: string;
  kind: IndicatorKind;
  /** ISO-8601 UTC. */
  windowStart: string;
  windowEnd: string;
  windowConfidence: string;
  components: IndicatorComponent[];
  /** For platform incidents: which platform's stored secrets are exposed. */
  platform?: Platform;
  /** What the payload could read. */
  exposureScope: string;
  sources: string[];
}

/** The chain from the pipeline's own reference down to the indicator's component. */
export interface ChainLink {
  kind: ComponentKind | 'job' | 'platform';
  ref: string;
  file?: string;
  line?: number;
  unresolved?: boolean;
}

export interface Match {
  indicator: Indicator;
  component: IndicatorComponent;
  chain: ChainLink[];
  /** Why the ref is (or may be) affected: "tag v1 is mutable and could resolve to the bad code during the window". */
  refReason: string;
  /** false: pinned to a safe SHA (reported as not affected, with the reason). */
  affected: boolean;
}

// ───────────────────────────── findings ─────────────────────────────

export interface Exposure {
  contexts: string[];
  secrets: string[];
  /** A readable summary of the token power: `repository default`, `contents: write, packages: write`, … */
  permissions: string;
  oidc: boolean;
  selfHosted: boolean;
  triggers: string[];
}

/** A job a tampered content passes through on its way to a consumer, and how it passes it on. */
export interface TamperHop {
  /** The job's name, followed by ` (<file>)` when it is in another workflow file than the affected job. */
  job: string;
  /** What that job writes that the next job reads. */
  via: ArtifactFlow['via'];
  /** Artifact name, cache key, workspace root or pushed ref of what it writes, when known. */
  name?: string;
}

export interface TamperPath {
  via: ArtifactFlow['via'];
  name?: string;
  /**
   * Jobs that consume what this job writes, with what they hold. `through`: the jobs in between, in order,
   * when the consumer reads it from another job that passed it on (absent for a direct consumer; `job`
   * then also names the route, shortened, as ` (through <job>: <via>, …)`).
   */
  consumers: Array<{ job: string; holds: string[]; through?: TamperHop[] }>;
  /**
   * Why the affected job's code can change what is written, and who reads it: the step that writes after
   * the compromised one, collection at the end of the job, or a store any step can write (GitHub's
   * Actions cache) with the scope its runs write into.
   */
  reach?: string;
}

export interface Finding {
  repo: string;
  file: string;
  line: number;
  platform: Platform;
  workflow: string;
  /** The job's display name (`name:`, which can be an expression), or its key. */
  job: string;
  /** The job's own key in its pipeline (Job.id): `jobs.<key>` on GitHub, the workflow job name on CircleCI, the job key on GitLab. */
  jobId: string;
  /** The file whose key defines the job (Job.pos.file): with `repo` and `jobId`, names one job (reports group its uses by it). */
  jobFile: string;
  affected: boolean;
  chain: ChainLink[];
  exposure: Exposure;
  tamper: TamperPath[];
  /**
   * The static exposure (critical…low, from the config), or `not-run` when the platform says the job did
   * not run in the window (exposure/run-verdict.ts `withRunVerdicts`; `exposureVerdict` then keeps the
   * static one). Not `not-run` for a use that is not affected, nor for run history that is unavailable.
   */
  verdict: Verdict;
  /** The static exposure, kept whenever `verdict` is replaced (`not-run`); absent otherwise (it is `verdict`). */
  exposureVerdict?: ExposureVerdict;
  /** The exposure rules that fired (exposure/rule.ts ids), the one that decided the verdict first; empty when not affected. */
  ruleIds: string[];
  reasons: string[];
  advice: string[];
  indicator: string;
  /**
   * The versions of the repository the finding holds for, oldest first (findings identical in several
   * versions are one finding); absent when the repository was read without version (a local folder).
   */
  versions?: VersionInfo[];
  /**
   * What happened, from the platform (`--evidence`, GitHub only): did the job run in the window, on which
   * commit of the component. `withRunVerdicts` turns an affected finding whose state is `not-run` into the
   * verdict `not-run` (the static one kept in `exposureVerdict`): `not-run` is not "not affected", and
   * `unavailable` is never read as `not-run`.
   */
  runs?: FindingRuns;
}

/** An action as the runner resolved it in one job's set-up log. */
export interface ResolvedAction {
  /** `owner/repo@ref` as the runner wrote it. */
  action: string;
  sha: string;
  malicious: boolean;
}

/** One job log read: its hash when read and the lines kept (never the whole log, never a payload blob). */
export interface LogReading {
  jobId: number;
  url: string;
  readAt: string;
  sha256: string;
  bytes: number;
  lines: Array<{ line: number; text: string }>;
  /** Lines holding a double-base64 blob (a payload's print): where and how long, never the blob. */
  payloadLines: Array<{ line: number; length: number }>;
  /** The log is longer than the reader's cap: read (and hashed) up to `bytes` only, not past it. */
  truncated?: boolean;
}

/** A job's runs inside the incident window, as the platform reports them. */
export interface FindingRuns {
  state: 'ran' | 'not-run' | 'unavailable';
  /** Job runs (every attempt) in the window. */
  count: number;
  first?: string;
  last?: string;
  /** Up to five job URLs, newest first. */
  urls: string[];
  resolved: ResolvedAction[];
  /** For the compromised component: some run resolved to a malicious SHA; every log read named a clean one; or not known. */
  resolution?: 'malicious' | 'clean' | 'unavailable';
  resolutionReason?: string;
  payloadInLog?: boolean;
  /**
   * The repository is public (its visibility as the platform's inventory says) and a run in the window
   * printed the payload to its log: the secrets were readable by anyone who opened the log. Absent when
   * the visibility is not known (never guessed).
   */
  publicLog?: boolean;
  /** Why `unavailable`. */
  reason?: string;
  logs: LogReading[];
  /** Job logs the platform no longer gives (HTTP 404/410: expired or deleted) when they were asked for. */
  gone?: Array<{ jobId: number; url: string; status: number }>;
  /**
   * CircleCI: the contexts the matched runs used (the platform's job details), sorted; absent when not
   * read. Compared with the contexts the configuration names (`exposure.contexts`) on the finding's reasons.
   */
  contexts?: string[];
}

export interface ScanSummary {
  repos: number;
  /** Pipeline files a platform read as such (workflow files, .circleci/config.yml, .gitlab-ci.yml, action.yml); not the files they bring in. */
  files: number;
  jobs: number;
  affected: number;
  unresolved: number;
  errors: number;
  /** Affected jobs that ran in the window (with `--evidence`; absent without it). */
  ran?: number;
  /**
   * Affected jobs that did not run in the window (verdict `not-run`; still counted in `affected`: they are
   * listed with their static exposure). Set by `withRunVerdicts` when there is run evidence; absent without it.
   */
  notRun?: number;
}

export interface ScanResult {
  /** `kind` is optional: renderers use it for kind-specific notes (package incidents: lockfiles not read). */
  indicator: { id: string; title: string; kind?: IndicatorKind };
  summary: ScanSummary;
  findings: Finding[];
  /** Components that could not be resolved, where they were used. */
  unresolved: Array<{ repo: string; file: string; line: number; ref: string; reason: string; versions?: VersionInfo[] }>;
  errors: ScanError[];
}

// ───────────────────────────── platform modules ─────────────────────────────

/** A repository as the core sees it: its CI files, already read by the shell. */
export interface RepoInput {
  /** `owner/repo`. */
  repo: string;
  files: SourceFile[];
  /**
   * The repository's other files, read on demand (scripts a job runs, Makefiles, Dockerfiles it builds).
   * Absent: only `files` are known (a file not there is reported unresolved, never assumed clean).
   */
  reader?: RepoFileReader;
  /**
   * Which commit these files are (several versions of one repository share `repo`): findings, unresolved
   * components and errors met in it carry it. Absent: the files as they are (a local folder).
   */
  version?: VersionInfo;
}

/**
 * The shell's port for the repository's own files, like ComponentSource for components: synchronous on
 * purpose (the core stays pure), bounded by the shell (size, count; symlinks out of the repository refused).
 */
export interface RepoFileReader {
  /**
   * The text of repository-relative `path`; `missing` when there is no such file; otherwise why it was
   * not read, with a ScanError code (`outside-repo`, `too-large`, `not-utf8`, `too-many-files`, …).
   */
  read(path: string): { text: string } | { missing: true } | { code: string; message: string };
}

/** What a component's definition runs in turn, as read through the ComponentSource. */
export interface Expansion {
  /** unresolved: the definition could not be found or read (say where it was looked for in `reason`). */
  status: 'resolved' | 'unresolved';
  reason?: string;
  /**
   * Components the definition uses (positions in the component's own files, whose `file` is written
   * `<component raw>//<path inside it>`, e.g. `codecov/codecov@1.1.1//orb.yml`).
   */
  uses: ComponentUse[];
  /** Shell text it runs, after parameter expansion (the resolver looks for fetched scripts in it). */
  scripts: Array<{ text: string; pos: Position }>;
  /** Secret names the definition reads by itself (e.g. an orb command's env var parameters' defaults). */
  secrets: SecretRef[];
  /**
   * Names of the variables the file sets at top level, which reach every job that includes it whatever
   * the job draws from it (GitLab include `variables:`). Set by a job-narrowed GitLab include expansion.
   */
  globalVariables?: string[];
  /**
   * URLs named in the code the component runs, when all of it was read: a JavaScript action's
   * `runs.main`/`pre`/`post` files, a composite action's definition. Undefined when the code was not
   * read (a docker action, a missing file). Tells whether a component pinned by SHA downloads a script.
   */
  codeUrls?: string[];
  /**
   * Parts of the definition that run something the reader cannot tell (a Dockerfile `FROM ${BASE}` with
   * no value, a Makefile recipe line a make function builds): reported as unresolved uses, with why.
   */
  unresolved?: Array<{ use: ComponentUse; reason: string }>;
  errors: ScanError[];
  /**
   * True when the expansion is the same whatever inputs the use passes (a definition that could not be
   * read: the inputs never reached anything). The resolver then hands it to every use of the component
   * without telling their inputs apart (unless it has errors, which each reading reports). Absent: it may
   * depend on them.
   */
  inputsIgnored?: boolean;
}

export interface ExpandContext {
  /** The repository whose pipeline uses the component (for local actions / local workflows / local includes). */
  repo: RepoInput;
  source: ComponentSource;
}

/**
 * When code running in a job can still change something the job writes:
 *  - `explicit-step`: a step of the job writes it, copying what is there when that step runs (CircleCI
 *    `save_cache`, `persist_to_workspace`, `store_artifacts`; Jenkins `stash`, `archiveArtifacts`;
 *    GitHub `upload-artifact`): only writes at or after the compromised step carry its changes. The
 *    platform sets `ArtifactFlow.at` (and `Job.sequence` when `steps` is not the whole run).
 *  - `end-of-job`: the platform collects it after the job's steps (GitLab `artifacts:` and `cache:`,
 *    GitHub's `actions/cache` post step): every step counts.
 *  - `any-time`: code in any step can write it itself, whenever it runs (a push with the job's token,
 *    GitHub's Actions cache through the runner's runtime token): every step counts.
 */
export type WriteTiming = 'explicit-step' | 'end-of-job' | 'any-time';

/** How one kind of flow is written on a platform. */
export interface WriteRule {
  timing: WriteTiming;
  /**
   * `any`: code in the job can write any name of the store, not only those the job declares — GitHub's
   * Actions cache, whose every key the runtime token in the runner can write — so the flow reaches every
   * job that reads the store in scope, whatever it reads, and even from a job that declares no write.
   * Such a write is `any-time`.
   */
  names: 'declared' | 'any';
  /** Why, as a clause for a report: `CircleCI writes a cache only in a save_cache step`. */
  why: string;
}

/**
 * Whose runs read what a job writes to the platform's cache, given the job's triggers: `repository`, every
 * job of the repository; `refs`, only jobs that run on one of `triggers` (GitHub: a pull request run
 * writes into its own merge ref; GitLab: merge request pipelines write unprotected caches). `why` says
 * which scope and why, for a report.
 */
export type CacheScope = { kind: 'repository'; why: string } | { kind: 'refs'; triggers: readonly TriggerKind[]; why: string };

/** How what a job writes reaches other jobs on a platform (read by exposure/tamper.ts). */
export interface FlowRules {
  /** Per flow kind; a kind not listed is `end-of-job` with declared names (every step counts). */
  writes: Partial<Record<ArtifactFlow['via'], WriteRule>>;
  /** The scope a job with these triggers writes its cache into. */
  cacheScope(triggers: readonly Trigger[]): CacheScope;
}

/**
 * One module per CI platform (platforms/<id>/index.ts), registered in platforms/index.ts.
 * `parse` never throws for bad input: problems land in `Pipeline.errors` / the returned errors.
 */
/** What a scan tells the platforms' parsers beyond the repository's files (ScanOptions.parse). */
export interface ParseOptions {
  /**
   * Jenkins: the shared libraries every pipeline loads without `@Library` (Jenkins' "Load implicitly"),
   * each at the version Jenkins loads it (`ref`: its default version).
   */
  jenkinsImplicitLibraries?: readonly JenkinsLibrary[];
}

export interface PlatformModule {
  id: Platform;
  displayName: string;
  /** Which repository files it reads (the shell reads them; `matches` is true for exactly `discovery.pipelines`). */
  discovery: Discovery;
  /** Does this repository-relative path belong to this platform (the pipeline entry points)? */
  matches(path: string): boolean;
  /**
   * What every project keeps on the platform outside its pipeline files (a breach of the platform exposes
   * it): `project environment variables`, `Jenkins credentials (global and folder scope)`, …
   */
  stored: readonly string[];
  /** What the job's token is where the platform has no GitHub-style scoped token (shown as the job's permissions). */
  jobToken?: string;
  /** Parses the platform's pipelines of one repository (all its matching files). */
  parse(repo: RepoInput, source: ComponentSource, options?: ParseOptions): { pipelines: Pipeline[]; errors: ScanError[] };
  /** Component kinds whose definitions this platform reads (e.g. github-actions: gha-action, …). */
  expands: readonly ComponentKind[];
  /** Reads one component's definition through the source and says what it runs. Never throws. */
  expand(use: ComponentUse, ctx: ExpandContext): Expansion;
  /**
   * Where the component cache keeps the definitions of the kinds it expands, for kinds that
   * resolve/cache-key.ts does not lay out itself: the cache-relative key of `path` (`''`: the
   * component's own file) of `ref`, undefined for a key that would leave the cache. Pure.
   */
  cacheKey?(ref: ComponentRef, path: string): string | undefined;
  /**
   * How its caches, artifacts and workspaces are written and scoped. Absent: every write counts whichever
   * step is compromised and caches reach every job of the repository (fail closed); every registered
   * platform states it (platforms/flow-rules.spec.ts).
   */
  flows?: FlowRules;
}

/**
 * Which repository files a platform reads, as globs in the notation of `core/glob.ts` over
 * repository-relative paths. The shell (sources/local-dir.ts) asks every registered platform.
 */
export interface Discovery {
  /** The pipeline entry files (`.github/workflows/*.yml`, `Jenkinsfile`): what `matches` is true for. */
  pipelines: readonly string[];
  /** Other files of the repository its pipelines may use, read when present (GitHub local actions). */
  components?: readonly string[];
  /**
   * Files a file already read names in turn (GitLab `include: local`, Jenkins `load`), as
   * repository-relative paths or globs; read, and asked again, transitively. Pure; never throws.
   */
  follow?(file: SourceFile): string[];
}
