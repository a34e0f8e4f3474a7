/**
 * Reads a parsed Jenkinsfile (or a shared-library file) the way Jenkins runs it, into jobs: a Jenkins
 * "job" in the report is a STAGE — declarative (`pipeline { stages { stage('x') { steps { … } } } }`,
 * nested `stages`, `parallel`, `matrix`, stage and pipeline `post`) or scripted
 * (`node('label') { stage('x') { sh … } }`, `parallel 'a': { … }`). Steps outside any stage make one
 * job of their own, `(outside stages)`.
 *
 * For each stage: its agent (labels; every Jenkins agent is a machine of yours: self-hosted), the images
 * it runs in (`agent { docker … }`, `docker.image('x').inside { … }`, pod templates), the credentials its
 * steps can read (pipeline and stage `environment { X = credentials('id') }`, `withCredentials([...])`,
 * wrapper steps given a credentials id, credential-looking variables its shell text reads), its steps in
 * the order they run (shell text for the shell analyser, shared-library global variables as components),
 * what it writes and reads (`stash`/`unstash`, `archiveArtifacts`/`copyArtifacts`, the workspace it
 * shares with later stages on the same agent, pushes and releases), when it runs (`triggers`,
 * `properties([pipelineTriggers(…)])`, `when { branch … }`) and whether it deploys.
 *
 * Calls of methods defined in the same file, and of files `load`ed from the repository, are followed
 * where they are called. What cannot be read (shell text computed at run time, a `load` of a file that
 * is not there) is a located error: the scan is then incomplete, never "not affected". Bounded: steps
 * per pipeline, depth of followed methods and loads. Pure; never throws for bad input.
 */
import type { ArtifactFlow, ComponentSource, ComponentUse, JenkinsLibrary, Position, RepoInput, ScanError, SecretRef, Step, Trigger } from '../../model';
import { parseImageRef } from '../circleci/refs';
import { credentialNames, isDeployCommand, isDeployName } from '../circleci/signals';
import { parseGroovy, type Call, type Closure, type Expr, type GroovyFile, type Stmt } from './groovy';
import { LIBRARY_COMMIT_FILE, libraryStepRef, parseLibrarySpec, varsFile, type LibraryStepRef } from './library';
import {
  exprText,
  KNOWN_STEPS,
  named,
  positional,
  PUBLISH_STEPS,
  RELEASE_COMMANDS,
  SHELL_STEPS,
  stringArg,
  stringOf,
  stringsOf,
  withCredentialsBindings,
  wrapperCredentials,
} from './steps';

/** Most steps read in one pipeline (with what its methods and loads add). */
export const MAX_STEPS = 20_000;
/** Deepest chain of followed method calls and loads. */
export const MAX_FOLLOW_DEPTH = 32;

/** The name of the job holding steps that run outside any stage. */
export const OUTSIDE_STAGES = '(outside stages)';
/** The name of the job of the pipeline-level `post` block. */
export const PIPELINE_POST = 'post (pipeline)';

/** What runs a stage: agent labels, the workspace it shares with other stages, the images it runs in. */
interface Agent {
  labels: string[];
  /**
   * Where its files are, as the report names it: `on agent <labels>` (the job's workspace on the node that
   * runs it), `in pod <label>` (a Kubernetes pod of its own), `at <path>` (`customWorkspace`, `ws`).
   * pipeline.ts tells from it which stages share files.
   */
  workspace?: string;
  images: ComponentUse[];
  secrets: SecretRef[];
}

export interface JobDraft {
  id: string;
  name: string;
  pos: Position;
  agent?: Agent;
  secrets: SecretRef[];
  triggers: Trigger[];
  needs: string[];
  steps: Step[];
  uses: ComponentUse[];
  produces: ArtifactFlow[];
  consumes: ArtifactFlow[];
  deploys: boolean;
  /** Methods and loaded files already followed in this job (each once). */
  followed: Set<string>;
}

interface Scope {
  job?: JobDraft;
  agent?: Agent;
  secrets: SecretRef[];
  triggers: Trigger[];
  depth: number;
}

/** A file being walked: where its positions point, its own methods, its simple string variables. */
interface FileCtx {
  /** The `file` of positions in it (repository-relative, or `<library>//vars/x.groovy`). */
  file: string;
  methods: Map<string, Extract<Stmt, { kind: 'method' }>>;
  strings: Map<string, string | undefined>;
  /** Variables bound to a `load`ed file (`def utils = load 'ci/utils.groovy'`). */
  loads: Map<string, string>;
  /** Variables bound to a Docker image or build (`def img = docker.build(…)`). */
  images: Set<string>;
}

export interface WalkOptions {
  repo: RepoInput;
  source: ComponentSource;
  /** One job for everything (a library variable's definition), instead of one per stage. */
  flat?: boolean;
  /** Libraries whose global variables calls may name (a library file: every library its run loaded). */
  libraries?: readonly JenkinsLibrary[];
  /** Libraries every pipeline loads without naming them (Jenkins' "Load implicitly"), loaded first. */
  implicit?: readonly JenkinsLibrary[];
  /** The library whose variable's file is walked (flat): it is there, whatever its file calls. */
  own?: JenkinsLibrary;
}

const DEFAULT_TRIGGER: Trigger = { kind: 'push', detail: 'SCM changes (branch builds of a multibranch job, or a webhook)' };

function join(...parts: Array<string | undefined>): string | undefined {
  const kept = parts.filter((p): p is string => p !== undefined && p !== '');
  return kept.length === 0 ? undefined : kept.join('; ');
}

function firstLine(text: string): string {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#!')) ?? '';
  return line.length > 80 ? `${line.slice(0, 77)}…` : line;
}

/** The string leaves of an expression, in order (the literal parts of `'a' + b + "c"`). */
function stringLeaves(e: Expr, out: string[] = []): string[] {
  if (e.kind === 'string') out.push(e.value);
  else if (e.kind === 'compound') for (const p of e.parts) stringLeaves(p, out);
  return out;
}

export class Walker {
  readonly jobs: JobDraft[] = [];
  private readonly jobIds = new Set<string>();
  private outside: JobDraft | undefined;
  readonly errors: ScanError[] = [];
  readonly triggers: Trigger[] = [DEFAULT_TRIGGER];
  readonly libraries: JenkinsLibrary[] = [];
  /** Global variables found in a library: name → the library that defines it. */
  private readonly vars = new Map<string, JenkinsLibrary>();
  /**
   * Libraries not known to be there: none of their variables could be read and no fetcher wrote them
   * whole (not in the cache, or no call names one of their variables).
   */
  private missing: JenkinsLibrary[] = [];
  /** Libraries (raw) one of whose variables was read, or written whole by a fetcher: they are in the source. */
  private readonly present = new Set<string>();
  private frontier: string[] = [];
  private stepCount = 0;
  private tooMany = false;
  private readonly parsed = new Map<string, GroovyFile>();
  private readonly loading: string[] = [];
  private flatJob: JobDraft | undefined;

  constructor(private readonly opts: WalkOptions) {
    for (const lib of [...(opts.implicit ?? []), ...(opts.libraries ?? [])]) if (!this.libraries.some((l) => l.raw === lib.raw)) this.libraries.push(lib);
    if (opts.own) this.present.add(opts.own.raw);
  }

  private error(file: string, line: number, code: string, message: string, col?: number): void {
    if (this.errors.some((e) => e.file === file && e.line === line && e.code === code)) return;
    this.errors.push({ repo: this.opts.repo.repo, file, line, ...(col !== undefined ? { col } : {}), code, message });
  }

  // ───────────── files ─────────────

  /** A FileCtx for a parsed file: its top-level methods (and those of its classes) and simple string variables. */
  fileCtx(file: string, body: readonly Stmt[]): FileCtx {
    const ctx: FileCtx = { file, methods: new Map(), strings: new Map(), loads: new Map(), images: new Set() };
    const visit = (stmts: readonly Stmt[]): void => {
      for (const s of stmts) {
        if (s.kind === 'method' && !ctx.methods.has(s.name)) ctx.methods.set(s.name, s);
        else if (s.kind === 'class') visit(s.body);
      }
    };
    visit(body);
    // `def CMD = 'curl … | bash'` … `sh CMD`: a variable given one string (and nothing else) is that string.
    const seeAssign = (target: string, value: Expr): void => {
      const known = ctx.strings.has(target);
      const text = value.kind === 'string' ? value.value : undefined;
      ctx.strings.set(target, known && ctx.strings.get(target) !== text ? undefined : text);
    };
    forEachStmt(body, (s) => {
      if (s.kind === 'assign') seeAssign(s.target, s.value);
    });
    return ctx;
  }

  /** Collects the libraries a file loads and the pipeline triggers it declares (before walking). */
  prepass(body: readonly Stmt[]): void {
    forEachStmt(body, (s) => {
      if (s.kind === 'annotation' && s.name === 'Library') {
        for (const a of s.args) for (const spec of stringsOf(a.value)) this.addLibrary(spec);
      }
    });
    forEachCall(body, (call) => {
      if (call.receiver) return;
      if (call.name === 'library') {
        const id = stringOf(named(call, 'identifier') ?? positional(call));
        if (id !== undefined) this.addLibrary(id);
      } else if (call.name === 'libraries' && call.closure) {
        forEachCall(call.closure.body, (c) => {
          if (c.name === 'lib') for (const spec of stringsOf(positional(c))) this.addLibrary(spec);
        });
      } else if ((call.name === 'triggers' && call.closure) || call.name === 'pipelineTriggers') {
        const calls: Call[] = [];
        if (call.closure) forEachCall(call.closure.body, (c) => calls.push(c));
        else
          forEachCall([{ kind: 'expr', expr: { kind: 'list', items: call.args.map((a) => a.value), loc: call.loc }, loc: call.loc }], (c) => {
            if (c !== call) calls.push(c);
          });
        for (const c of calls) {
          const t = triggerOf(c);
          if (t) this.triggers.push(t);
        }
      }
    });
  }

  private addLibrary(spec: string): void {
    const lib = parseLibrarySpec(spec);
    if (!lib || this.libraries.some((l) => l.raw === lib.raw)) return;
    // An implicit library the pipeline names itself is loaded at the version it names, in its place.
    const implicit = this.libraries.findIndex((l) => l.name === lib.name && (this.opts.implicit ?? []).some((i) => i.raw === l.raw));
    if (implicit >= 0) this.libraries.splice(implicit, 1, lib);
    else this.libraries.push(lib);
  }

  /** Which call names are global variables of the loaded libraries (read through the source). */
  probeLibraries(body: readonly Stmt[]): void {
    if (this.libraries.length === 0) return;
    const names = new Set<string>();
    forEachCall(body, (call) => {
      if (!call.receiver) names.add(call.name);
      else if (call.receiver.kind === 'name' && !call.receiver.path.includes('.')) names.add(call.receiver.path);
    });
    const present = this.present;
    let probed: string | undefined;
    for (const name of names) {
      if (!/^[A-Za-z_$][\w$]*$/.test(name) || SHELL_STEPS.has(name) || name === 'pipeline' || name === 'stage' || name === 'node') continue;
      probed ??= name;
      for (const lib of this.libraries) {
        const ref = libraryStepRef(lib, name);
        if (this.opts.source.read(ref, varsFile(name)) !== undefined) {
          present.add(lib.raw);
          if (!this.vars.has(name)) this.vars.set(name, lib);
        }
      }
    }
    // A library a fetcher wrote whole is there even when no call names one of its variables.
    if (probed !== undefined) {
      for (const lib of this.libraries) {
        if (!present.has(lib.raw) && this.opts.source.read(libraryStepRef(lib, probed), LIBRARY_COMMIT_FILE) !== undefined) present.add(lib.raw);
      }
    }
    this.missing = this.libraries.filter((l) => !present.has(l.raw));
  }

  /** Parses and walks one Jenkinsfile. */
  walkFile(file: string, parsed: GroovyFile): void {
    for (const e of parsed.errors) this.error(file, e.line, e.code, e.message, e.col);
    this.prepass(parsed.body);
    this.probeLibraries(parsed.body);
    const fc = this.fileCtx(file, parsed.body);
    this.walkStmts(parsed.body, this.topScope(), fc);
  }

  topScope(): Scope {
    return { secrets: [], triggers: [...this.triggers], depth: 0 };
  }

  // ───────────── jobs ─────────────

  /** The job a step outside any stage goes to (one per pipeline). */
  private jobFor(scope: Scope, fc: FileCtx, line: number): JobDraft {
    if (this.opts.flat) {
      this.flatJob ??= this.newJob('definition', { file: fc.file, line }, scope, undefined);
      return this.flatJob;
    }
    if (scope.job) return scope.job;
    this.outside ??= this.newJob(OUTSIDE_STAGES, { file: fc.file, line }, scope, scope.agent);
    return this.outside;
  }

  newJob(name: string, pos: Position, scope: Scope, agent: Agent | undefined): JobDraft {
    let id = name;
    if (this.jobIds.has(id)) id = `${name} (${pos.file}:${pos.line})`;
    for (let n = 2; this.jobIds.has(id); n++) id = `${name} (${pos.file}:${pos.line} #${n})`;
    this.jobIds.add(id);
    const job: JobDraft = {
      id,
      name,
      pos,
      ...(agent ? { agent } : {}),
      secrets: [...scope.secrets, ...(agent?.secrets ?? [])],
      triggers: scope.triggers,
      needs: [...this.frontier],
      steps: [],
      uses: [...(agent?.images ?? [])],
      produces: [],
      consumes: [],
      deploys: isDeployName(name),
      followed: new Set(),
    };
    this.jobs.push(job);
    if (!this.opts.flat) this.frontier = [job.id];
    return job;
  }

  private addSecrets(job: JobDraft, secrets: readonly SecretRef[]): void {
    for (const s of secrets) if (!job.secrets.some((x) => x.name === s.name && x.kind === s.kind)) job.secrets.push(s);
  }

  private emit(scope: Scope, fc: FileCtx, step: Step): JobDraft | undefined {
    if (this.stepCount >= MAX_STEPS) {
      if (!this.tooMany) this.error(fc.file, step.pos.line, 'jenkins-too-many-steps', `more than ${MAX_STEPS} steps in this pipeline; the rest were not read`);
      this.tooMany = true;
      return undefined;
    }
    this.stepCount++;
    const job = this.jobFor(scope, fc, step.pos.line);
    this.addSecrets(job, scope.secrets);
    job.steps.push(step);
    return job;
  }

  // ───────────── statements ─────────────

  walkStmts(stmts: readonly Stmt[], scope: Scope, fc: FileCtx): void {
    for (const s of stmts) this.walkStmt(s, scope, fc);
  }

  private walkStmt(s: Stmt, scope: Scope, fc: FileCtx): void {
    switch (s.kind) {
      case 'expr':
        this.walkExpr(s.expr, scope, fc);
        return;
      case 'assign':
        this.assign(s.target, s.value, scope, fc);
        return;
      case 'if':
        this.walkExpr(s.cond, scope, fc);
        this.walkStmts(s.then, scope, fc);
        if (s.else) this.walkStmts(s.else, scope, fc);
        return;
      case 'try':
        this.walkStmts(s.body, scope, fc);
        for (const h of s.handlers) this.walkStmts(h, scope, fc);
        return;
      case 'loop':
        for (const h of s.head) this.walkExpr(h, scope, fc);
        this.walkStmts(s.body, scope, fc);
        return;
      case 'return':
        if (s.value) this.walkExpr(s.value, scope, fc);
        return;
      case 'method':
      case 'class':
      case 'annotation':
        // Methods run where they are called; classes and annotations run nothing by themselves.
        return;
    }
  }

  private assign(target: string, value: Expr, scope: Scope, fc: FileCtx): void {
    if (value.kind === 'call' && !value.call.receiver && value.call.name === 'load') {
      const path = this.load(value.call, scope, fc);
      if (path !== undefined) fc.loads.set(target, path);
      return;
    }
    if (value.kind === 'call' && isDockerCall(value.call)) fc.images.add(target);
    this.walkExpr(value, scope, fc);
  }

  private walkExpr(e: Expr, scope: Scope, fc: FileCtx): void {
    switch (e.kind) {
      case 'call':
        this.walkCall(e.call, scope, fc);
        return;
      case 'closure':
        // A closure may run later or never; what it would run is read where it is written (fail closed).
        this.walkStmts(e.closure.body, scope, fc);
        return;
      case 'list':
        for (const i of e.items) this.walkExpr(i, scope, fc);
        return;
      case 'map':
        for (const m of e.entries) this.walkExpr(m.value, scope, fc);
        return;
      case 'compound':
        for (const p of e.parts) this.walkExpr(p, scope, fc);
        return;
      case 'string':
      case 'literal':
      case 'name':
        return;
    }
  }

  private walkArgs(call: Call, scope: Scope, fc: FileCtx, closureToo = true): void {
    if (call.receiver) this.walkExpr(call.receiver, scope, fc);
    for (const a of call.args) this.walkExpr(a.value, scope, fc);
    if (closureToo && call.closure) this.walkStmts(call.closure.body, scope, fc);
  }

  private pos(fc: FileCtx, line: number): Position {
    return { file: fc.file, line };
  }

  // ───────────── calls ─────────────

  private walkCall(call: Call, scope: Scope, fc: FileCtx): void {
    if (call.receiver) {
      this.walkMethodCall(call, scope, fc);
      return;
    }
    const name = call.name;
    if (name === 'pipeline' && call.closure) {
      this.declarative(call.closure, scope, fc);
      return;
    }
    if (name === 'node' && call.closure) {
      const label = stringOf(named(call, 'label') ?? positional(call));
      const labels = [label ?? (positional(call) ? exprText(positional(call) as Expr) : 'any')];
      this.walkArgs(call, scope, fc, false);
      this.walkStmts(call.closure.body, { ...scope, agent: { labels, workspace: `on agent ${labels.join(', ')}`, images: [], secrets: [] } }, fc);
      return;
    }
    if (name === 'stage' && call.closure) {
      this.scriptedStage(call, scope, fc);
      return;
    }
    if (name === 'parallel') {
      this.parallelBranches(call, scope, fc);
      return;
    }
    if (SHELL_STEPS.has(name)) {
      this.shell(call, scope, fc);
      return;
    }
    if (name === 'withCredentials') {
      const secrets: SecretRef[] = withCredentialsBindings(call).flatMap((b) =>
        (b.variables.length > 0 ? b.variables : [b.id]).map((v) => ({ name: b.variables.length > 0 ? `${v} (credentials ${b.id})` : `credentials ${b.id}`, kind: 'secret' as const, pos: this.pos(fc, call.loc.line) })),
      );
      this.walkArgs(call, scope, fc, false);
      this.block(call.closure, { ...scope, secrets: [...scope.secrets, ...secrets] }, fc, call.loc.line);
      return;
    }
    if (name === 'stash' || name === 'unstash' || name === 'archiveArtifacts' || name === 'archive' || name === 'copyArtifacts') {
      this.flowStep(call, name, scope, fc);
      return;
    }
    if (name === 'step') {
      const arg = positional(call);
      const cls = arg?.kind === 'map' ? stringOf(arg.entries.find((e) => e.key === '$class')?.value) : undefined;
      if (arg?.kind === 'map' && (cls === 'CopyArtifact' || cls === 'ArtifactArchiver')) {
        const asCall: Call = { name: cls === 'CopyArtifact' ? 'copyArtifacts' : 'archiveArtifacts', args: arg.entries.map((e) => ({ name: e.key, value: e.value })), loc: call.loc };
        this.flowStep(asCall, asCall.name, scope, fc);
        return;
      }
    }
    if (name === 'load') {
      this.load(call, scope, fc);
      return;
    }
    if (name === 'ws' && call.closure) {
      const path = stringOf(positional(call)) ?? exprText(positional(call) ?? { kind: 'literal', text: '?', loc: call.loc });
      const agent: Agent = { ...(scope.agent ?? { labels: ['any'], images: [], secrets: [] }), workspace: `at ${path}` };
      this.walkStmts(call.closure.body, { ...scope, agent }, fc);
      return;
    }
    if (name === 'podTemplate' && call.closure) {
      const images = this.podImages(call, fc);
      const label = stringOf(named(call, 'label'));
      const agent: Agent = { labels: [label ?? 'kubernetes pod'], workspace: `in pod ${label ?? 'kubernetes pod'}`, images, secrets: [] };
      this.walkArgs(call, scope, fc, false);
      this.walkStmts(call.closure.body, { ...scope, agent }, fc);
      return;
    }
    const method = fc.methods.get(name);
    if (method) {
      this.walkArgs(call, scope, fc);
      this.follow(`method ${fc.file}#${name}`, method.body, scope, fc, call.loc.line);
      return;
    }
    const lib = this.vars.get(name);
    if (lib) {
      this.libraryStep(call, lib, name, 'call', scope, fc);
      return;
    }
    const credentials = wrapperCredentials(call);
    if (credentials && call.closure) {
      const secrets = credentials.map((c) => ({ name: c, kind: 'secret' as const, pos: this.pos(fc, call.loc.line) }));
      this.walkArgs(call, scope, fc, false);
      this.block(call.closure, { ...scope, secrets: [...scope.secrets, ...secrets] }, fc, call.loc.line);
      return;
    }
    if (PUBLISH_STEPS.has(name)) {
      const job = this.emit(scope, fc, { name, pos: this.pos(fc, call.loc.line) });
      if (job) {
        job.deploys = true;
        job.produces.push({ via: 'release', name, pos: this.pos(fc, call.loc.line), at: job.steps.length - 1 });
      }
    }
    if (!KNOWN_STEPS.has(name) && !fc.strings.has(name) && this.missing.length > 0 && /^[a-z_$][\w$]*$/.test(name)) {
      // Not a step Jenkins or a common plugin provides, and a loaded library could not be read: it may be
      // one of that library's global variables. Reported as such (unresolved), never as a plain step.
      this.libraryStep(call, this.missing[0] as JenkinsLibrary, name, 'call', scope, fc);
      return;
    }
    this.walkArgs(call, scope, fc);
  }

  private walkMethodCall(call: Call, scope: Scope, fc: FileCtx): void {
    const recv = call.receiver as Expr;
    const recvName = recv.kind === 'name' ? recv.path : undefined;
    if (recvName === 'docker' && call.name === 'image') {
      const image = stringOf(positional(call));
      if (image !== undefined) this.imageStep(image, scope, fc, call.loc.line);
      else this.error(fc.file, call.loc.line, 'jenkins-computed-image', `the image of docker.image(${exprText(positional(call) ?? recv)}) is computed; which image runs could not be read`);
      this.walkArgs(call, scope, fc);
      return;
    }
    if (recvName === 'docker' && (call.name === 'withRegistry' || call.name === 'withServer') && call.closure) {
      const credentials = wrapperCredentials(call) ?? [];
      const secrets = credentials.map((c) => ({ name: c, kind: 'secret' as const, pos: this.pos(fc, call.loc.line) }));
      this.walkArgs(call, scope, fc, false);
      this.block(call.closure, { ...scope, secrets: [...scope.secrets, ...secrets] }, fc, call.loc.line);
      return;
    }
    if (call.name === 'push' && (recv.kind === 'call' ? isDockerCall(recv.call) : recvName !== undefined && fc.images.has(recvName))) {
      const job = this.emit(scope, fc, { name: 'docker push', pos: this.pos(fc, call.loc.line) });
      if (job) {
        job.deploys = true;
        job.produces.push({ via: 'release', name: `docker push (${recv.kind === 'call' ? exprText(recv) : recvName ?? 'image'})`, pos: this.pos(fc, call.loc.line) });
      }
      this.walkArgs(call, scope, fc);
      return;
    }
    if ((call.name === 'inside' || call.name === 'withRun' || call.name === 'run') && recv.kind === 'call' && isDockerCall(recv.call)) {
      this.walkExpr(recv, scope, fc);
      for (const a of call.args) this.walkExpr(a.value, scope, fc);
      if (call.closure) this.walkStmts(call.closure.body, scope, fc);
      return;
    }
    if (recvName !== undefined && fc.loads.has(recvName)) {
      const path = fc.loads.get(recvName) as string;
      this.walkArgs(call, scope, fc);
      const loaded = this.parsed.get(path);
      const method = loaded ? this.fileCtx(path, loaded.body).methods.get(call.name) : undefined;
      if (method && loaded) this.follow(`method ${path}#${call.name}`, method.body, scope, this.fileCtx(path, loaded.body), call.loc.line);
      return;
    }
    if (recvName !== undefined && !recvName.includes('.') && this.vars.has(recvName) && !fc.strings.has(recvName)) {
      this.libraryStep(call, this.vars.get(recvName) as JenkinsLibrary, recvName, call.name, scope, fc);
      return;
    }
    this.walkArgs(call, scope, fc);
  }

  /** A block that binds something for its steps: walked with `scope`; its bindings reach the job even when it holds no step. */
  private block(closure: Closure | undefined, scope: Scope, fc: FileCtx, line: number): void {
    if (scope.job || this.opts.flat) this.addSecrets(this.jobFor(scope, fc, line), scope.secrets);
    if (closure) this.walkStmts(closure.body, scope, fc);
  }

  /** Walks a method body or a loaded file where it is called, once per job, at most MAX_FOLLOW_DEPTH deep. */
  private follow(key: string, body: readonly Stmt[], scope: Scope, fc: FileCtx, line: number): void {
    const job = scope.job ?? (this.opts.flat ? this.flatJob : undefined);
    if (job?.followed.has(key)) return;
    if (scope.depth >= MAX_FOLLOW_DEPTH) {
      this.error(fc.file, line, 'jenkins-too-deep', `methods and loads call one another more than ${MAX_FOLLOW_DEPTH} deep here; not followed further`);
      return;
    }
    job?.followed.add(key);
    this.walkStmts(body, { ...scope, depth: scope.depth + 1 }, fc);
  }

  private shell(call: Call, scope: Scope, fc: FileCtx): void {
    const arg = stringArg(call, 'script');
    const line = call.loc.line;
    let text: string | undefined;
    let runLine = line;
    if (arg?.kind === 'string') {
      text = arg.value;
      runLine = arg.loc.line;
    } else if (arg?.kind === 'name' && fc.strings.get(arg.path) !== undefined) {
      text = fc.strings.get(arg.path);
    } else if (arg?.kind === 'compound' && stringLeaves(arg).length > 0) {
      // `'curl ' + url + ' | bash'`: the literal parts are read; the computed parts are not known.
      text = stringLeaves(arg).join(' ');
      runLine = arg.loc.line;
      this.error(fc.file, line, 'jenkins-computed-script', `the text \`${call.name}\` runs here is partly computed (${exprText(arg)}); only its literal parts were read`);
    } else {
      this.error(fc.file, line, 'jenkins-computed-script', `the text \`${call.name}\` runs here is computed (${arg ? exprText(arg) : 'no argument'}); what it runs could not be read`);
    }
    if (arg) this.walkExpr(arg, scope, fc);
    if (text === undefined) return;
    const step: Step = { name: `${call.name}: ${firstLine(text)}`, pos: this.pos(fc, line), run: text, runPos: this.pos(fc, runLine) };
    const job = this.emit(scope, fc, step);
    if (!job) return;
    if (isDeployCommand(text)) job.deploys = true;
    for (const r of RELEASE_COMMANDS) {
      if (!r.re.test(text)) continue;
      job.produces.push({ via: r.via, name: r.name, pos: step.pos });
      if (r.via === 'release') job.deploys = true;
    }
    const bound = new Set(scope.secrets.flatMap((s) => [s.name.split(' ')[0] as string]));
    for (const v of credentialNames(text)) {
      if (bound.has(v) || job.secrets.some((s) => s.name.split(' ')[0] === v)) continue;
      job.secrets.push({ name: v, kind: 'variable', pos: step.pos });
    }
  }

  private flowStep(call: Call, name: string, scope: Scope, fc: FileCtx): void {
    const pos = this.pos(fc, call.loc.line);
    const text = (e: Expr | undefined): string | undefined => (e ? (stringOf(e) ?? exprText(e)) : undefined);
    let flow: ArtifactFlow;
    let writes: boolean;
    let stepName: string;
    if (name === 'stash' || name === 'unstash') {
      const stash = text(named(call, 'name') ?? positional(call)) ?? 'stash';
      flow = { via: 'artifact', name: `stash ${stash}`, pos };
      writes = name === 'stash';
      stepName = `${name} ${stash}`;
    } else if (name === 'archiveArtifacts' || name === 'archive') {
      const pattern = text(named(call, 'artifacts') ?? named(call, 'includes') ?? positional(call)) ?? '**';
      flow = { via: 'artifact', name: `archived artifacts ${pattern}`, pos };
      writes = true;
      stepName = `${name} ${pattern}`;
    } else {
      // copyArtifacts(projectName: …): another job's archived artifacts; its own earlier builds' when it names itself.
      const project = text(named(call, 'projectName') ?? positional(call)) ?? '?';
      const filter = text(named(call, 'filter'));
      const own = /\b(?:JOB_NAME|currentBuild\.projectName|env\.JOB_BASE_NAME)\b/.test(project);
      flow = own ? { via: 'artifact', pos } : { via: 'artifact', name: `archived artifacts of ${project}${filter ? ` ${filter}` : ''}`, pos };
      writes = false;
      stepName = `copyArtifacts ${project}`;
    }
    this.walkArgs(call, scope, fc);
    const job = this.emit(scope, fc, { name: stepName, pos });
    if (!job) return;
    const at = job.steps.length - 1;
    (writes ? job.produces : job.consumes).push({ ...flow, at });
  }

  private imageStep(image: string, scope: Scope, fc: FileCtx, line: number): void {
    const ref = parseImageRef(image);
    if (!ref) return;
    this.emit(scope, fc, { name: `docker.image ${image}`, pos: this.pos(fc, line), uses: { ref, pos: this.pos(fc, line) } });
  }

  private libraryStep(call: Call, lib: JenkinsLibrary, step: string, method: string, scope: Scope, fc: FileCtx): void {
    const ref: LibraryStepRef = libraryStepRef(lib, step, method, this.libraries);
    const inputs: Record<string, string> = {};
    for (const a of call.args) if (a.name !== undefined && a.value.kind === 'string') inputs[a.name] = a.value.value;
    const pos = this.pos(fc, call.loc.line);
    const use: ComponentUse = Object.keys(inputs).length > 0 ? { ref, pos, inputs } : { ref, pos };
    // The arguments (closures handed to the variable included) are read where they are written.
    for (const a of call.args) this.walkExpr(a.value, scope, fc);
    this.emit(scope, fc, { name: ref.raw, pos, uses: use });
    if (call.closure) this.walkStmts(call.closure.body, scope, fc);
  }

  /** `load 'path'`: the repository file is read and walked here. Returns the path loaded. */
  private load(call: Call, scope: Scope, fc: FileCtx): string | undefined {
    const arg = positional(call);
    const raw = stringOf(arg);
    if (raw === undefined || /\$\{|\$[A-Za-z_]/.test(raw)) {
      this.error(fc.file, call.loc.line, 'jenkins-computed-load', `the file loaded here is computed (${arg ? exprText(arg) : 'no argument'}); what it runs could not be read`);
      return undefined;
    }
    const path = raw.replace(/^\.\//, '');
    const file = this.opts.repo.files.find((f) => f.path === path);
    if (!file) {
      this.error(fc.file, call.loc.line, 'jenkins-load-missing', `load '${raw}': ${path} was not read from the repository; what it runs is not known`);
      return undefined;
    }
    if (this.loading.includes(path)) return path;
    let parsed = this.parsed.get(path);
    if (!parsed) {
      parsed = parseGroovy(file.text);
      this.parsed.set(path, parsed);
      for (const e of parsed.errors) this.error(path, e.line, e.code, e.message, e.col);
      // A loaded file may load libraries and call their variables too.
      this.prepass(parsed.body);
      this.probeLibraries(parsed.body);
    }
    this.loading.push(path);
    this.follow(`load ${path}`, parsed.body, scope, this.fileCtx(path, parsed.body), call.loc.line);
    this.loading.pop();
    return path;
  }

  private parallelBranches(call: Call, scope: Scope, fc: FileCtx): void {
    const start = [...this.frontier];
    const ends: string[] = [];
    const branch = (e: Expr): void => {
      this.frontier = [...start];
      this.walkExpr(e, scope, fc);
      ends.push(...this.frontier);
    };
    for (const a of call.args) {
      if (a.value.kind === 'map') for (const m of a.value.entries) branch(m.value);
      else branch(a.value);
    }
    if (call.closure) branch({ kind: 'closure', closure: call.closure });
    this.frontier = ends.length > 0 ? [...new Set(ends)] : start;
  }

  private scriptedStage(call: Call, scope: Scope, fc: FileCtx): void {
    if (this.opts.flat) {
      this.walkArgs(call, scope, fc);
      return;
    }
    const name = stageName(call);
    const job = this.newJob(name, this.pos(fc, call.loc.line), scope, scope.agent);
    this.walkStmts((call.closure as Closure).body, { ...scope, job }, fc);
  }

  // ───────────── declarative ─────────────

  private declarative(closure: Closure, outer: Scope, fc: FileCtx): void {
    const dirs = directives(closure.body);
    const agent = dirs.get('agent');
    const pipelineAgent = agent ? this.agentOf(agent, undefined, fc) : undefined;
    const env = dirs.get('environment');
    const scope: Scope = { ...outer, agent: pipelineAgent, secrets: [...outer.secrets, ...(env ? this.environment(env, fc) : [])] };
    for (const s of closure.body) {
      const call = s.kind === 'expr' && s.expr.kind === 'call' && !s.expr.call.receiver ? s.expr.call : undefined;
      if (call && PIPELINE_DIRECTIVES.has(call.name)) continue;
      this.walkStmt(s, scope, fc);
    }
    const stages = dirs.get('stages');
    if (stages?.closure) this.stages(stages.closure.body, scope, fc);
    const post = dirs.get('post');
    if (post?.closure) {
      const job = this.opts.flat ? undefined : this.newJob(PIPELINE_POST, this.pos(fc, post.loc.line), scope, pipelineAgent);
      this.post(post, { ...scope, ...(job ? { job } : {}) }, fc);
    }
  }

  private stages(body: readonly Stmt[], scope: Scope, fc: FileCtx): void {
    for (const s of body) {
      if (s.kind === 'expr' && s.expr.kind === 'call' && s.expr.call.name === 'stage' && !s.expr.call.receiver) this.stage(s.expr.call, scope, fc);
      else this.walkStmt(s, scope, fc);
    }
  }

  private stage(call: Call, outer: Scope, fc: FileCtx): void {
    const name = stageName(call);
    const body = call.closure?.body ?? [];
    const dirs = directives(body);
    const agentCall = dirs.get('agent');
    const agent = agentCall ? this.agentOf(agentCall, outer.agent, fc) : outer.agent;
    const env = dirs.get('environment');
    const when = dirs.get('when');
    const scope: Scope = {
      ...outer,
      agent,
      secrets: [...outer.secrets, ...(env ? this.environment(env, fc) : [])],
      triggers: when ? narrow(outer.triggers, when) : outer.triggers,
    };
    const steps = dirs.get('steps');
    const post = dirs.get('post');
    let job: JobDraft | undefined;
    const own = (): JobDraft => {
      job ??= this.opts.flat ? this.jobFor(scope, fc, call.loc.line) : this.newJob(name, this.pos(fc, call.loc.line), scope, agent);
      return job;
    };
    if (steps?.closure) this.walkStmts(steps.closure.body, { ...scope, job: own() }, fc);
    const input = dirs.get('input');
    if (input) this.walkArgs(input, { ...scope, job: own() }, fc);
    for (const s of body) {
      const c = s.kind === 'expr' && s.expr.kind === 'call' && !s.expr.call.receiver ? s.expr.call : undefined;
      if (c && STAGE_DIRECTIVES.has(c.name)) continue;
      this.walkStmt(s, { ...scope, job: own() }, fc);
    }
    const nested = dirs.get('stages');
    if (nested?.closure) this.stages(nested.closure.body, scope, fc);
    const parallel = dirs.get('parallel');
    if (parallel?.closure) {
      const start = [...this.frontier];
      const ends: string[] = [];
      for (const s of parallel.closure.body) {
        this.frontier = [...start];
        if (s.kind === 'expr' && s.expr.kind === 'call' && s.expr.call.name === 'stage') this.stage(s.expr.call, scope, fc);
        else this.walkStmt(s, scope, fc);
        ends.push(...this.frontier);
      }
      this.frontier = ends.length > 0 ? [...new Set(ends)] : start;
    }
    const matrix = dirs.get('matrix');
    if (matrix?.closure) {
      // One job per stage of the matrix (not per cell): every cell runs the same steps.
      const mdirs = directives(matrix.closure.body);
      const magent = mdirs.get('agent');
      const menv = mdirs.get('environment');
      const mwhen = mdirs.get('when');
      const mscope: Scope = {
        ...scope,
        agent: magent ? this.agentOf(magent, scope.agent, fc) : scope.agent,
        secrets: [...scope.secrets, ...(menv ? this.environment(menv, fc) : [])],
        triggers: mwhen ? narrow(scope.triggers, mwhen) : scope.triggers,
      };
      const mstages = mdirs.get('stages');
      if (mstages?.closure) this.stages(mstages.closure.body, mscope, fc);
      const mpost = mdirs.get('post');
      if (mpost) this.post(mpost, { ...mscope, job: own() }, fc);
    }
    if (post) this.post(post, { ...scope, job: own() }, fc);
  }

  /** `post { always { … } failure { … } }`: every condition's steps (any of them may run). */
  private post(call: Call, scope: Scope, fc: FileCtx): void {
    for (const s of call.closure?.body ?? []) {
      if (s.kind === 'expr' && s.expr.kind === 'call' && s.expr.call.closure && !s.expr.call.receiver) this.walkStmts(s.expr.call.closure.body, scope, fc);
      else this.walkStmt(s, scope, fc);
    }
  }

  /** `environment { X = credentials('id') … }`: the credentials it binds. */
  private environment(call: Call, fc: FileCtx): SecretRef[] {
    const out: SecretRef[] = [];
    for (const s of call.closure?.body ?? []) {
      if (s.kind !== 'assign') continue;
      const v = s.value;
      if (v.kind === 'call' && !v.call.receiver && v.call.name === 'credentials') {
        const id = stringOf(positional(v.call)) ?? exprText(positional(v.call) ?? v);
        out.push({ name: `${s.target} (credentials ${id})`, kind: 'secret', pos: this.pos(fc, s.loc.line) });
      }
    }
    return out;
  }

  /** What `agent …` says: labels, workspace, images; `agent none`: undefined (each stage brings its own). */
  private agentOf(call: Call, parent: Agent | undefined, fc: FileCtx): Agent | undefined {
    const arg = positional(call);
    if (!call.closure) {
      if (arg?.kind === 'name' && arg.path === 'none') return undefined;
      if (arg?.kind === 'name' && arg.path === 'any') return { labels: ['any'], workspace: 'on agent any', images: [], secrets: [] };
      const label = stringOf(named(call, 'label') ?? arg);
      return { labels: [label ?? 'any'], workspace: `on agent ${label ?? 'any'}`, images: [], secrets: [] };
    }
    for (const s of call.closure.body) {
      if (s.kind !== 'expr' || s.expr.kind !== 'call') continue;
      const c = s.expr.call;
      const inner = c.closure ? directives(c.closure.body) : new Map<string, Call>();
      const val = (key: string): string | undefined => {
        const d = inner.get(key);
        return d ? stringOf(positional(d)) : undefined;
      };
      const flag = (key: string): boolean => {
        const d = inner.get(key);
        const v = d ? positional(d) : undefined;
        return v?.kind === 'literal' && v.text === 'true';
      };
      switch (c.name) {
        case 'any':
          return { labels: ['any'], workspace: 'on agent any', images: [], secrets: [] };
        case 'none':
          return undefined;
        case 'label': {
          const label = stringOf(positional(c)) ?? 'any';
          return { labels: [label], workspace: `on agent ${label}`, images: [], secrets: [] };
        }
        case 'node': {
          const label = val('label') ?? 'any';
          const ws = val('customWorkspace');
          return { labels: [label], workspace: ws !== undefined ? `at ${ws}` : `on agent ${label}`, images: [], secrets: [] };
        }
        case 'docker':
        case 'dockerfile': {
          const image = c.name === 'docker' ? (val('image') ?? stringOf(positional(c))) : undefined;
          const label = val('label') ?? c.name;
          const images: ComponentUse[] = [];
          const ref = image !== undefined ? parseImageRef(image) : undefined;
          if (ref) images.push({ ref, pos: this.pos(fc, c.loc.line) });
          else if (c.name === 'docker') this.error(fc.file, c.loc.line, 'jenkins-computed-image', 'the image of this docker agent is not a string; which image runs could not be read');
          const creds = val('registryCredentialsId');
          const secrets: SecretRef[] = creds !== undefined ? [{ name: `registry credentials ${creds}`, kind: 'secret', pos: this.pos(fc, c.loc.line) }] : [];
          const ws = val('customWorkspace');
          const workspace = flag('reuseNode') && parent?.workspace !== undefined ? parent.workspace : ws !== undefined ? `at ${ws}` : `on agent ${label}`;
          return { labels: [label], workspace, images, secrets };
        }
        case 'kubernetes': {
          const label = val('label') ?? 'kubernetes pod';
          return { labels: [label], workspace: `in pod ${label}`, images: this.podImages(c, fc), secrets: [] };
        }
        default:
          break;
      }
    }
    return { labels: [exprText({ kind: 'call', call })], workspace: `on agent ${exprText({ kind: 'call', call })}`, images: [], secrets: [] };
  }

  /** Images a pod template names: `image 'x'` / `image: 'x'` in `containerTemplate`s and `yaml` text. */
  private podImages(call: Call, fc: FileCtx): ComponentUse[] {
    const out: ComponentUse[] = [];
    const add = (image: string, line: number): void => {
      const ref = parseImageRef(image.replace(/^["']|["']$/g, ''));
      if (ref && !out.some((u) => u.ref.raw === ref.raw)) out.push({ ref, pos: this.pos(fc, line) });
    };
    forEachCall([{ kind: 'expr', expr: { kind: 'call', call }, loc: call.loc }], (c) => {
      const img = c.name === 'image' ? stringOf(positional(c)) : stringOf(named(c, 'image'));
      if (img !== undefined) add(img, c.loc.line);
      const yaml = c.name === 'yaml' ? positional(c) : named(c, 'yaml');
      if (yaml?.kind === 'string') {
        yaml.value.split('\n').forEach((l, i) => {
          const m = /^\s*-?\s*image:\s*(\S+)/.exec(l);
          if (m?.[1]) add(m[1], yaml.loc.line + i);
        });
      }
    });
    return out;
  }
}

const PIPELINE_DIRECTIVES: ReadonlySet<string> = new Set(['agent', 'environment', 'options', 'parameters', 'triggers', 'tools', 'libraries', 'stages', 'post', 'input']);
const STAGE_DIRECTIVES: ReadonlySet<string> = new Set(['agent', 'environment', 'when', 'options', 'tools', 'input', 'steps', 'post', 'stages', 'parallel', 'matrix', 'failFast']);

/** The directive calls of a declarative block, by name (the first of each). */
function directives(body: readonly Stmt[]): Map<string, Call> {
  const out = new Map<string, Call>();
  for (const s of body) {
    if (s.kind !== 'expr' || s.expr.kind !== 'call' || s.expr.call.receiver) continue;
    if (!out.has(s.expr.call.name)) out.set(s.expr.call.name, s.expr.call);
  }
  return out;
}

function stageName(call: Call): string {
  const arg = named(call, 'name') ?? positional(call);
  if (!arg) return 'stage';
  return stringOf(arg) ?? exprText(arg);
}

function isDockerCall(call: Call): boolean {
  return call.receiver?.kind === 'name' && call.receiver.path === 'docker' && (call.name === 'image' || call.name === 'build');
}

/** A trigger declared in `triggers { … }` or `pipelineTriggers([…])`. */
function triggerOf(call: Call): Trigger | undefined {
  const spec = stringOf(named(call, 'spec') ?? positional(call));
  switch (call.name) {
    case 'cron':
    case 'parameterizedCron':
      return { kind: 'schedule', ...(spec !== undefined ? { detail: spec } : {}) };
    case 'pollSCM':
      return { kind: 'push', detail: `pollSCM${spec !== undefined ? ` ${spec}` : ''}` };
    case 'githubPush':
    case 'gitlab':
      return { kind: 'push', detail: call.name };
    case 'upstream': {
      const projects = stringOf(named(call, 'upstreamProjects') ?? positional(call));
      return { kind: 'other', detail: `after ${projects ?? 'an upstream job'} builds` };
    }
    case 'GenericTrigger':
    case 'issueCommentTrigger':
      return { kind: 'api', detail: call.name };
    default:
      return undefined;
  }
}

/**
 * The triggers a stage runs on, given `when { … }`: `branch` keeps the pipeline's triggers on that branch;
 * `buildingTag()`/`tag` runs on tags; `changeRequest()` on change requests (pull requests); `triggeredBy`
 * on that cause. Conditions that say nothing of the event (`expression`, `environment`, `not`, …) narrow
 * nothing (the stage may run whenever the pipeline does).
 */
function narrow(triggers: readonly Trigger[], when: Call): Trigger[] {
  let out = [...triggers];
  for (const s of when.closure?.body ?? []) {
    if (s.kind !== 'expr' || s.expr.kind !== 'call') continue;
    const n = narrowing(out, s.expr.call);
    if (n) out = n;
  }
  return out;
}

function narrowing(triggers: readonly Trigger[], c: Call): Trigger[] | undefined {
  const arg = stringOf(named(c, 'pattern') ?? positional(c));
  switch (c.name) {
    case 'branch':
      return arg === undefined ? undefined : triggers.filter((t) => t.kind !== 'pull_request' && t.kind !== 'tag').map((t) => ({ kind: t.kind, detail: join(t.detail, `branch ${arg}`) as string }));
    case 'buildingTag':
    case 'tag':
      return [{ kind: 'tag', ...(arg !== undefined ? { detail: arg } : {}) }];
    case 'changeRequest':
      return [{ kind: 'pull_request', detail: 'change requests' }];
    case 'triggeredBy': {
      const cause = arg ?? stringOf(named(c, 'cause')) ?? '';
      if (/Timer/i.test(cause)) return triggers.filter((t) => t.kind === 'schedule').length > 0 ? triggers.filter((t) => t.kind === 'schedule') : [{ kind: 'schedule' }];
      if (/UserId/i.test(cause)) return [{ kind: 'workflow_dispatch', detail: 'started by a user' }];
      if (/SCM|BranchIndexing|GitHubPush/i.test(cause)) return triggers.filter((t) => t.kind === 'push');
      return undefined;
    }
    case 'allOf': {
      let out: Trigger[] | undefined;
      for (const s of c.closure?.body ?? []) {
        if (s.kind !== 'expr' || s.expr.kind !== 'call') continue;
        out = narrowing(out ?? triggers, s.expr.call) ?? out;
      }
      return out;
    }
    case 'anyOf': {
      const all: Trigger[] = [];
      for (const s of c.closure?.body ?? []) {
        if (s.kind !== 'expr' || s.expr.kind !== 'call') continue;
        const n = narrowing(triggers, s.expr.call);
        if (!n) return undefined;
        all.push(...n);
      }
      return all.length > 0 ? all : undefined;
    }
    default:
      return undefined;
  }
}

/** Every statement, depth first (closures, blocks, methods and classes included). */
export function forEachStmt(body: readonly Stmt[], f: (s: Stmt) => void): void {
  const stack: Array<readonly Stmt[]> = [body];
  const exprs: Expr[] = [];
  while (stack.length > 0 || exprs.length > 0) {
    const e = exprs.pop();
    if (e) {
      switch (e.kind) {
        case 'call':
          if (e.call.receiver) exprs.push(e.call.receiver);
          for (const a of e.call.args) exprs.push(a.value);
          if (e.call.closure) stack.push(e.call.closure.body);
          break;
        case 'closure':
          stack.push(e.closure.body);
          break;
        case 'list':
          exprs.push(...e.items);
          break;
        case 'map':
          for (const m of e.entries) exprs.push(m.value);
          break;
        case 'compound':
          exprs.push(...e.parts);
          break;
        default:
          break;
      }
      continue;
    }
    const stmts = stack.pop() as readonly Stmt[];
    for (const s of stmts) {
      f(s);
      switch (s.kind) {
        case 'expr':
          exprs.push(s.expr);
          break;
        case 'assign':
          exprs.push(s.value);
          break;
        case 'if':
          exprs.push(s.cond);
          stack.push(s.then);
          if (s.else) stack.push(s.else);
          break;
        case 'try':
          stack.push(s.body, ...s.handlers);
          break;
        case 'loop':
          exprs.push(...s.head);
          stack.push(s.body);
          break;
        case 'method':
        case 'class':
          stack.push(s.body);
          break;
        case 'return':
          if (s.value) exprs.push(s.value);
          break;
        case 'annotation':
          for (const a of s.args) exprs.push(a.value);
          break;
      }
    }
  }
}

/** Every call, depth first (no recursion: hostile nesting cannot exhaust the stack). */
export function forEachCall(body: readonly Stmt[], f: (c: Call) => void): void {
  const seen = new Set<Call>();
  const visitExpr = (root: Expr): void => {
    const exprs: Expr[] = [root];
    while (exprs.length > 0) {
      const e = exprs.pop() as Expr;
      switch (e.kind) {
        case 'call':
          if (!seen.has(e.call)) {
            seen.add(e.call);
            f(e.call);
          }
          if (e.call.receiver) exprs.push(e.call.receiver);
          for (const a of e.call.args) exprs.push(a.value);
          break;
        case 'list':
          exprs.push(...e.items);
          break;
        case 'map':
          for (const m of e.entries) exprs.push(m.value);
          break;
        case 'compound':
          exprs.push(...e.parts);
          break;
        default:
          break;
      }
    }
  };
  forEachStmt(body, (s) => {
    if (s.kind === 'expr') visitExpr(s.expr);
    else if (s.kind === 'assign') visitExpr(s.value);
    else if (s.kind === 'if') visitExpr(s.cond);
    else if (s.kind === 'return' && s.value) visitExpr(s.value);
    else if (s.kind === 'loop') for (const h of s.head) visitExpr(h);
    else if (s.kind === 'annotation') for (const a of s.args) visitExpr(a.value);
  });
}
