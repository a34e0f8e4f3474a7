/**
 * `expand` for `gitlab-include`: reads the included file (repository files for `local`, the
 * ComponentSource for the rest) and says what it runs — its jobs' script sections, images, secrets by
 * name, and the includes it has in turn (followed by the resolver).
 *
 * A use tagged with `JOB_INPUT` (what parse puts in a job's `uses` and steps' `from`) is narrowed to
 * the names listed there (the job and templates the job draws from this file; none: the job draws
 * nothing from it but the include still shapes its configuration), and its nested includes carry the
 * same tag. Without a tag (the pipeline's own `uses`) it is the whole file. Pure; never throws.
 */
import type { ComponentUse, ExpandContext, Expansion, RepoInput, SecretRef } from '../../model';
import { isRecord } from '../../yaml';
import { readIncludeText } from './include';
import { isDefinitionKey, JOB_INPUT, jobContent, variablePositions } from './job';
import { loadSingle } from './load';
import { Templating } from './templates';
import { readVariables } from './variables';

/**
 * Parsed include files, by repository, name, inputs and text: a job-narrowed expansion is asked for per
 * job, the file is parsed once. Transparent (same input, same output) and bounded.
 */
const PARSED = new Map<string, ReturnType<typeof loadSingle>>();
const MAX_PARSED = 256;
const MAX_PARSED_CHARS = 16 * 1024 * 1024;
let parsedChars = 0;

function loadSingleCached(repo: RepoInput, input: Parameters<typeof loadSingle>[1]): ReturnType<typeof loadSingle> {
  const key = JSON.stringify([repo.repo, input.positionFile, input.ref, input.inputs ?? null, input.text]);
  const hit = PARSED.get(key);
  if (hit) return hit;
  const loaded = loadSingle(repo, input);
  if (PARSED.size >= MAX_PARSED || parsedChars + key.length > MAX_PARSED_CHARS) {
    PARSED.clear();
    parsedChars = 0;
  }
  if (key.length <= MAX_PARSED_CHARS) {
    PARSED.set(key, loaded);
    parsedChars += key.length;
  }
  return loaded;
}

function unresolved(reason: string): Expansion {
  return { status: 'unresolved', reason, uses: [], scripts: [], secrets: [], errors: [] };
}

export function expandInclude(use: ComponentUse, ctx: ExpandContext): Expansion {
  const ref = use.ref;
  if (ref.kind !== 'gitlab-include') return unresolved(`${ref.raw} is not a GitLab include`);
  const read = readIncludeText(ref, ctx.repo, ctx.source);
  // Not read: the use's inputs never reached anything (Expansion.inputsIgnored).
  if (read.status === 'missing') return { ...unresolved(read.reason), inputsIgnored: true };

  const inputs = use.inputs ? Object.fromEntries(Object.entries(use.inputs).filter(([k]) => k !== JOB_INPUT)) : undefined;
  const onlyText = use.inputs?.[JOB_INPUT];
  const only = onlyText === undefined ? undefined : new Set(onlyText.split('\n').filter((n) => n !== ''));
  const loaded = loadSingleCached(ctx.repo, { text: read.text, positionFile: read.positionFile, ref, ...(inputs ? { inputs } : {}) });
  const templating = new Templating(loaded.entries);
  const variables = loaded.entries.get('variables');
  const globals = variables ? readVariables(templating.dereference(variables.value, variables.origin, [])) : new Map<string, string>();
  const globalPositions = variablePositions(variables);

  const uses: ComponentUse[] =
    onlyText === undefined ? [...loaded.includes] : loaded.includes.map((u) => ({ ...u, inputs: { ...u.inputs, [JOB_INPUT]: onlyText } }));
  const scripts: Expansion['scripts'] = [];
  const secrets: SecretRef[] = [];
  const seenSecrets = new Set<string>();
  const seenImages = new Set<string>();
  for (const [name, entry] of loaded.entries) {
    if (only !== undefined ? !only.has(name) : !isDefinitionKey(name, entry.value)) continue;
    if (!isRecord(entry.value)) continue;
    const base = templating.definition(name);
    if (!base) continue;
    const content = jobContent(name, templating.withDefaults(base), entry.origin, { globals, globalPositions });
    for (const step of content.steps) if (step.run !== undefined && step.run !== '') scripts.push({ text: step.run, pos: step.runPos ?? step.pos });
    for (const image of content.images) {
      const key = `${image.ref.raw}\u0000${image.pos.file}\u0000${image.pos.line}`;
      if (seenImages.has(key)) continue;
      seenImages.add(key);
      uses.push(image);
    }
    for (const s of content.secrets) {
      if (s.kind === 'ci-token' || s.kind === 'project-env') continue;
      const key = `${s.kind}\u0000${s.name}`;
      if (seenSecrets.has(key)) continue;
      seenSecrets.add(key);
      secrets.push(s);
    }
  }
  // Templates and references that point outside this file are resolved by parse (which merges every
  // file); here only problems of the file itself are reported.
  // Top-level variables reach every job that includes the file, whatever it draws from it.
  const globalVariables = only !== undefined && globals.size > 0 ? { globalVariables: [...globals.keys()] } : {};
  return { status: 'resolved', uses, scripts, secrets, ...globalVariables, errors: [...loaded.errors] };
}
