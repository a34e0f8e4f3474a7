/**
 * Jenkins: `Jenkinsfile` pipelines (declarative and scripted) and the shared libraries they load.
 *
 * - discovery: `Jenkinsfile` (and `Jenkinsfile.groovy`, `*.Jenkinsfile`) at the root, `jenkins/`
 *   and `ci/` folders; files they `load` are read too (follow).
 * - `parse`: one Pipeline per file; its jobs are the stages (walk.ts). A file Groovy cannot read in part
 *   gives located errors for those parts and a pipeline of the rest.
 * - `expand`: a shared library's global variable called as a step (`codecov(…)`): its
 *   `vars/<name>.groovy` read through the ComponentSource (`jenkins/libraries/<name>@<ref>/…` in the
 *   component cache, library.ts), its `call` (or the method called) walked like a stage: shell text,
 *   global variables of every library the run loaded (the ref's `loaded`: Jenkins makes them all global
 *   to the run; followed transitively by the resolver), credentials bound.
 * - libraries every pipeline loads without `@Library` (Jenkins' "Load implicitly"): the scan's
 *   `ParseOptions.jenkinsImplicitLibraries`, loaded before the pipeline's own (one it names itself is
 *   loaded at the version it names).
 */
import type { ComponentRef, ComponentSource, ComponentUse, Discovery, ExpandContext, Expansion, FlowRules, ParseOptions, Pipeline, PlatformModule, RepoInput, ScanError, SourceFile } from '../../model';
import { pipelineMatcher } from '../discovery';
import { parseGroovy } from './groovy';
import { libraryCacheKey, varsFile } from './library';
import { toPipeline } from './pipeline';
import { forEachCall, Walker } from './walk';

/** Files named by `load 'path'` (literal paths), for the shell to read. */
function loadedFiles(file: SourceFile): string[] {
  if (!/\bload\b/.test(file.text)) return [];
  const out: string[] = [];
  forEachCall(parseGroovy(file.text).body, (call) => {
    if (call.receiver || call.name !== 'load') return;
    const arg = call.args.find((a) => a.name === undefined)?.value;
    if (arg?.kind === 'string' && !arg.interpolated && !arg.value.split('/').includes('..')) out.push(arg.value.replace(/^\.\//, ''));
  });
  return out.slice(0, 200);
}

const DISCOVERY: Discovery = {
  pipelines: ['Jenkinsfile', 'Jenkinsfile.groovy', '*.Jenkinsfile', 'jenkins/Jenkinsfile', 'jenkins/*.Jenkinsfile', 'ci/Jenkinsfile'],
  follow: loadedFiles,
};
const isPipelineFile = pipelineMatcher(DISCOVERY);

export function parseJenkinsfile(repo: RepoInput, file: SourceFile, source: ComponentSource, options: ParseOptions = {}): { pipeline: Pipeline; errors: ScanError[] } {
  const walker = new Walker({ repo, source, ...(options.jenkinsImplicitLibraries === undefined ? {} : { implicit: options.jenkinsImplicitLibraries }) });
  walker.walkFile(file.path, parseGroovy(file.text));
  return toPipeline(repo.repo, file.path, walker);
}

function parseRepo(repo: RepoInput, source: ComponentSource, options: ParseOptions = {}): { pipelines: Pipeline[]; errors: ScanError[] } {
  const pipelines: Pipeline[] = [];
  const errors: ScanError[] = [];
  for (const file of repo.files) {
    if (!isPipelineFile(file.path)) continue;
    try {
      pipelines.push(parseJenkinsfile(repo, file, source, options).pipeline);
    } catch (err) {
      // Last resort: a bug for one file must not lose the others.
      errors.push({ repo: repo.repo, file: file.path, line: 1, code: 'jenkins-parse-failed', message: `could not read the Jenkinsfile: ${(err as Error).message}` });
    }
  }
  return { pipelines, errors };
}

function unresolved(reason: string): Expansion {
  return { status: 'unresolved', reason, uses: [], scripts: [], secrets: [], errors: [] };
}

/** What a library global variable runs: its method (default `call`) in `vars/<name>.groovy`. */
export function expandLibraryStep(use: ComponentUse, ctx: ExpandContext): Expansion {
  const ref = use.ref;
  if (ref.kind !== 'jenkins-library-step') return unresolved(`the Jenkins platform does not expand ${ref.kind} components`);
  const path = varsFile(ref.step);
  const text = ctx.source.read(ref, path);
  if (text === undefined) return unresolved(ctx.source.describe(ref));
  const file = `${ref.library.raw}//${path}`;
  const parsed = parseGroovy(text);
  // Every library the run loaded: their global variables are global to the run (Jenkins), this one's included.
  const walker = new Walker({ repo: ctx.repo, source: ctx.source, flat: true, libraries: ref.loaded ?? [ref.library], own: ref.library });
  const errors: ScanError[] = parsed.errors.map((e) => ({ repo: ctx.repo.repo, file, line: e.line, col: e.col, code: e.code, message: e.message }));
  walker.probeLibraries(parsed.body);
  const fc = walker.fileCtx(file, parsed.body);
  const method = fc.methods.get(ref.method);
  if (method) {
    walker.walkStmts(method.body, walker.topScope(), fc);
  } else {
    // No such method: what the file runs at all is what the call may run (fail closed).
    errors.push({ repo: ctx.repo.repo, file, line: 1, code: 'jenkins-library-method', message: `${path} of library ${ref.library.raw} defines no method \`${ref.method}\`; everything the file runs is counted` });
    walker.walkStmts(parsed.body, walker.topScope(), fc);
    for (const m of fc.methods.values()) walker.walkStmts(m.body, walker.topScope(), fc);
  }
  const uses: ComponentUse[] = [];
  const scripts: Expansion['scripts'] = [];
  const secrets: Expansion['secrets'] = [];
  for (const job of walker.jobs) {
    uses.push(...job.uses);
    for (const step of job.steps) {
      if (step.uses) uses.push(step.uses);
      if (step.run !== undefined) scripts.push({ text: step.run, pos: step.runPos ?? step.pos });
    }
    for (const s of job.secrets) if (!secrets.some((x) => x.name === s.name)) secrets.push(s);
  }
  return { status: 'resolved', uses, scripts, secrets, errors: [...errors, ...walker.errors.filter((e) => !errors.some((x) => x.line === e.line && x.code === e.code))] };
}

/**
 * How a stage's writes reach later stages: a `stash` or `archiveArtifacts` step stores what is there when
 * it runs; the workspace is written by whatever runs in it, whenever, and read by the later stages on the
 * same agent workspace.
 */
const FLOWS: FlowRules = {
  writes: {
    artifact: { timing: 'explicit-step', names: 'declared', why: 'Jenkins stores a stash or archived artifacts only in a `stash` / `archiveArtifacts` step, with what is there when it runs' },
    workspace: { timing: 'any-time', names: 'declared', why: "code in any step of a stage can change the files of the workspace that later stages on the same agent workspace build and publish" },
    push: { timing: 'any-time', names: 'declared', why: "the stage's credentials can push from any step" },
  },
  cacheScope: () => ({ kind: 'repository', why: 'Jenkins has no cache of its own; a cache plugin shares it between the branches of a job' }),
};

export const jenkins: PlatformModule = {
  id: 'jenkins',
  displayName: 'Jenkins',
  discovery: DISCOVERY,
  matches: isPipelineFile,
  stored: ['Jenkins credentials of the folder and global scopes (any pipeline code, a shared library in particular, can bind them by id)'],
  jobToken: 'not applicable (no job token; credentials are bound by id)',
  parse: parseRepo,
  expands: ['jenkins-library-step'] satisfies ComponentRef['kind'][],
  expand: expandLibraryStep,
  cacheKey: libraryCacheKey,
  flows: FLOWS,
};
