/**
 * What a GitHub component runs, read from its definition: composite actions (their steps' `uses` and
 * `run`, with `inputs.<x>.default` and the use-site `with:` substituted), docker actions (their
 * image), JavaScript actions (nothing further), reusable workflows (every job's components, scripts
 * and secret reads). Remote definitions come through the ComponentSource; local ones (`./path`) from
 * the repository's own files. Never throws.
 */
import type { ComponentRef, ComponentUse, ExpandContext, Expansion, Position, ScanError, SecretRef } from '../../model';
import { asString, isRecord, loadYaml, type YamlPath } from '../../yaml';
import { substituteInputs } from './expressions';
import { parseUses } from './parse';
import { dedupeSecrets, parseWorkflow, secretsIn, stringInputs, valueLine } from './workflow';

type Definition = { text: string; path: string; file: string } | { reason: string };

function join(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

function unresolved(reason: string, errors: ScanError[] = []): Expansion {
  return { status: 'unresolved', reason, uses: [], scripts: [], secrets: [], errors };
}

function fromRepo(ctx: ExpandContext, candidates: string[]): { text: string; path: string } | undefined {
  for (const path of candidates) {
    const found = ctx.repo.files.find((f) => f.path === path);
    if (found) return { text: found.text, path };
  }
  return undefined;
}

function fromSource(ctx: ExpandContext, ref: ComponentRef, candidates: string[]): { text: string; path: string } | undefined {
  for (const path of candidates) {
    const text = ctx.source.read(ref, path);
    if (text !== undefined) return { text, path };
  }
  return undefined;
}

/** Finds the definition file. Remote positions are written `<raw>//<path>`; local ones are repository paths. */
function definition(ref: ComponentRef, ctx: ExpandContext): Definition {
  switch (ref.kind) {
    case 'gha-action': {
      // The source roots a sub-path action (`owner/repo/path@ref`) at its folder: ask for `action.yml` there.
      const found = fromSource(ctx, ref, ['action.yml', 'action.yaml']);
      if (found) return { ...found, file: `${ref.raw}//${found.path}` };
      return { reason: `no action.yml or action.yaml: ${ctx.source.describe(ref)}` };
    }
    case 'gha-reusable-workflow': {
      const found = fromSource(ctx, ref, [ref.path]);
      if (found) return { ...found, file: `${ref.raw}//${found.path}` };
      return { reason: `no ${ref.path}: ${ctx.source.describe(ref)}` };
    }
    case 'gha-local-action': {
      const candidates = [join(ref.path, 'action.yml'), join(ref.path, 'action.yaml')];
      const found = fromRepo(ctx, candidates);
      if (found) return { ...found, file: found.path };
      return { reason: `no ${candidates.join(' or ')} in ${ctx.repo.repo}` };
    }
    case 'gha-local-workflow': {
      const found = fromRepo(ctx, [ref.path]);
      if (found) return { ...found, file: found.path };
      return { reason: `no ${ref.path} in ${ctx.repo.repo}` };
    }
    default:
      return { reason: `${ref.kind} components are not GitHub Actions definitions` };
  }
}

/**
 * `$/path` inside a remote action or reusable workflow names that component's own repository at the
 * commit that runs (GitHub's self-repository syntax), not the caller's: `owner/repo/path` at the
 * container's ref. Other references, and those of local containers, stay as parsed.
 */
export function selfRepository(ref: ComponentRef, container: ComponentRef): ComponentRef {
  if (!ref.raw.trim().startsWith('$/')) return ref;
  if (container.kind !== 'gha-action' && container.kind !== 'gha-reusable-workflow') return ref;
  const at = container.ref === undefined ? {} : { ref: container.ref };
  if (ref.kind === 'gha-local-workflow') return { kind: 'gha-reusable-workflow', owner: container.owner, repo: container.repo, path: ref.path, ...at, raw: ref.raw };
  if (ref.kind === 'gha-local-action') return { kind: 'gha-action', owner: container.owner, repo: container.repo, ...(ref.path === '' ? {} : { path: ref.path }), ...at, raw: ref.raw };
  return ref;
}

function expandAction(use: ComponentUse, def: { text: string; file: string }, ctx: ExpandContext): Expansion {
  const repo = ctx.repo.repo;
  const y = loadYaml(repo, { path: def.file, text: def.text });
  const doc = y.value;
  if (!isRecord(doc)) {
    const errors = y.errors.length > 0 ? y.errors : [{ repo, file: def.file, line: 1, code: 'gha-action-not-a-mapping', message: 'action metadata must be a mapping' }];
    return unresolved(`${def.file} could not be read as action metadata`, errors);
  }
  const errors: ScanError[] = [...y.errors];
  const lines = def.text.split('\n');
  const at = (path: YamlPath): Position => ({ file: def.file, line: y.lineOf(path) });
  const runs = doc.runs;
  if (!isRecord(runs)) {
    errors.push({ repo, file: def.file, line: y.lineOf(['runs']), code: 'gha-action-no-runs', message: 'action metadata has no `runs` mapping' });
    return unresolved(`${def.file} does not say what the action runs`, errors);
  }

  // Input values: the action's defaults, overridden by what the use site passes.
  const values: Record<string, string> = {};
  if (isRecord(doc.inputs)) {
    for (const [name, spec] of Object.entries(doc.inputs)) {
      const d = isRecord(spec) ? asString(spec.default) : undefined;
      if (d !== undefined) values[name] = d;
    }
  }
  Object.assign(values, use.inputs ?? {});

  const uses: ComponentUse[] = [];
  const scripts: Expansion['scripts'] = [];
  const using = (asString(runs.using) ?? '').toLowerCase();
  if (using === 'composite') {
    const steps = Array.isArray(runs.steps) ? runs.steps : [];
    if (!Array.isArray(runs.steps)) {
      errors.push({ repo, file: def.file, line: y.lineOf(['runs']), code: 'gha-bad-steps', message: 'a composite action needs `runs.steps` as a list' });
    }
    steps.forEach((step, i) => {
      if (!isRecord(step)) {
        errors.push({ repo, file: def.file, line: y.lineOf(['runs', 'steps', i]), code: 'gha-bad-step', message: `step ${i + 1} is not a mapping` });
        return;
      }
      const rawUses = asString(step.uses);
      if (step.uses !== undefined) {
        const ref = rawUses === undefined ? undefined : parseUses(rawUses);
        if (!ref) {
          errors.push({
            repo,
            file: def.file,
            line: y.lineOf(['runs', 'steps', i, 'uses']),
            code: 'gha-bad-uses',
            message: `uses: ${JSON.stringify(rawUses ?? null).slice(0, 120)} is not an action or docker:// image reference`,
          });
        } else {
          const inputs: Record<string, string> = {};
          for (const [k, v] of Object.entries(stringInputs(step.with))) inputs[k] = substituteInputs(v, values);
          const u: ComponentUse = { ref: selfRepository(ref, use.ref), pos: at(['runs', 'steps', i, 'uses']) };
          if (Object.keys(inputs).length > 0) u.inputs = inputs;
          uses.push(u);
        }
      }
      const run = asString(step.run);
      if (run !== undefined) {
        const keyLine = y.lineOf(['runs', 'steps', i, 'run']);
        scripts.push({ text: substituteInputs(run, values), pos: { file: def.file, line: valueLine(lines, keyLine, 'run') } });
      }
    });
  } else if (using === 'docker') {
    const image = asString(runs.image) ?? '';
    if (image.startsWith('docker://')) {
      const ref = parseUses(image);
      if (ref) uses.push({ ref, pos: at(['runs', 'image']) });
      else errors.push({ repo, file: def.file, line: y.lineOf(['runs', 'image']), code: 'gha-bad-image', message: `image ${JSON.stringify(image).slice(0, 120)} is not a container image reference` });
    }
    // A Dockerfile in the action's repository: built from the action's own files, nothing further to follow.
  } else if (!/^node\d+$/.test(using) && using !== 'javascript') {
    errors.push({ repo, file: def.file, line: y.lineOf(['runs', 'using']), code: 'gha-action-unknown-runs', message: `unknown runs.using ${JSON.stringify(using).slice(0, 40)}` });
  }

  const secrets = dedupeSecrets(secretsIn(doc, [], def.file, y.lineOf));
  const expansion: Expansion = { status: 'resolved', uses, scripts, secrets, errors };
  const code = codeUrls(use.ref, def, runs, using, ctx);
  if (code !== undefined) expansion.codeUrls = code;
  return expansion;
}

const URL_IN_CODE = /https?:\/\/[A-Za-z0-9.-]+(?::\d+)?(?:\/[^\s'"`<>(){}\\,;]*)?/g;
const MAX_CODE_URLS = 500;

function urlsIn(text: string, into: Set<string>): void {
  for (const m of text.matchAll(URL_IN_CODE)) {
    if (into.size >= MAX_CODE_URLS) return;
    into.add(m[0].replace(/[.:]+$/, ''));
  }
}

/**
 * The URLs named in all the code the action runs, or undefined when not all of it was read: a
 * composite action's definition is all of it; a JavaScript action's are its `main`, `pre` and `post`
 * files (read through the source: remote actions from the cache, local ones from the repository).
 */
function codeUrls(ref: ComponentRef, def: { text: string; file: string }, runs: Record<string, unknown>, using: string, ctx: ExpandContext): string[] | undefined {
  const urls = new Set<string>();
  if (using === 'composite') {
    urlsIn(def.text, urls);
    return [...urls];
  }
  if (!/^node\d+$/.test(using) && using !== 'javascript') return undefined;
  const dir = def.file.includes('//') ? '' : def.file.replace(/\/?[^/]+$/, '');
  for (const key of ['pre', 'main', 'post']) {
    const entry = asString(runs[key]);
    if (entry === undefined) continue;
    const path = entry.replace(/^\.\//, '');
    const text = (ref.kind === 'gha-local-action' ? fromRepo(ctx, [join(dir, path)]) : fromSource(ctx, ref, [path]))?.text;
    if (text === undefined) return undefined;
    urlsIn(text, urls);
  }
  return [...urls];
}

function expandWorkflow(use: ComponentUse, def: { text: string; file: string }, ctx: ExpandContext): Expansion {
  const { pipeline, errors } = parseWorkflow(ctx.repo.repo, { path: def.file, text: def.text }, { callInputs: use.inputs ?? {} });
  if (!pipeline) return unresolved(`${def.file} could not be read as a workflow`, errors);
  const uses: ComponentUse[] = [];
  const scripts: Expansion['scripts'] = [];
  const secrets: SecretRef[] = [];
  const own = (u: ComponentUse): ComponentUse => ({ ...u, ref: selfRepository(u.ref, use.ref) });
  for (const job of pipeline.jobs) {
    uses.push(...job.uses.map(own));
    for (const step of job.steps) {
      if (step.uses) uses.push(own(step.uses));
      if (step.run !== undefined) scripts.push({ text: step.run, pos: step.runPos ?? step.pos });
    }
    // The caller's own GITHUB_TOKEN entry already stands for the token.
    secrets.push(...job.secrets.filter((s) => s.kind !== 'ci-token'));
  }
  return { status: 'resolved', uses, scripts, secrets: dedupeSecrets(secrets), errors: pipeline.errors };
}

/** Reads one GitHub component's definition and says what it runs. Never throws. */
export function expandGithub(use: ComponentUse, ctx: ExpandContext): Expansion {
  try {
    const def = definition(use.ref, ctx);
    // Not read: the same answer whatever the use passes (`with:`), so the resolver keeps it by the component alone.
    if ('reason' in def) return { ...unresolved(def.reason), inputsIgnored: true };
    const isWorkflow = use.ref.kind === 'gha-reusable-workflow' || use.ref.kind === 'gha-local-workflow';
    return isWorkflow ? expandWorkflow(use, def, ctx) : expandAction(use, def, ctx);
  } catch (err) {
    // Last resort: a bug here must not stop the scan of everything else.
    const message = err instanceof Error ? err.message : String(err);
    return unresolved(`could not expand ${use.ref.raw}: ${message}`, [
      { repo: ctx.repo.repo, file: use.pos.file, line: use.pos.line, code: 'gha-expand-failed', message: `could not expand ${use.ref.raw}: ${message}` },
    ]);
  }
}
