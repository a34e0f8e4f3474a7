/**
 * Orb expansion: reads an orb's source (orb-source.ts) and says what one of its jobs, commands or
 * executors runs (shell text after parameter expansion, other orbs' elements through the orb's own
 * `orbs:` aliases, images, credential names) — or, for a whole orb, which orbs it imports.
 */
import type { ComponentUse, ExpandContext, Expansion, ScanError } from '../../model';
import { isRecord, type Plain } from '../../yaml';
import { posIn } from './definitions';
import { bindScope, type Body, elaborateJob, emptyBody, envVarSecrets, type JobBody, locateIn, newWalker, readExecutor, walkSteps } from './elaborate';
import { loadOrb } from './orb-source';
import { credentialNames } from './signals';

function unresolved(reason: string, errors: ScanError[] = []): Expansion {
  return { status: 'unresolved', reason, uses: [], scripts: [], secrets: [], errors };
}

/** An orb that could not be loaded: what the use passes never reached anything (Expansion.inputsIgnored). */
function unloaded(loaded: { reason: string; errors: ScanError[] }): Expansion {
  return { ...unresolved(loaded.reason, loaded.errors), inputsIgnored: true };
}

/** Expands an `orb` or `orb-element` use. Never throws. */
export function expandOrbUse(use: ComponentUse, ctx: ExpandContext): Expansion {
  try {
    return expandUnsafe(use, ctx);
  } catch (err) {
    const message = `could not expand ${use.ref.raw}: ${(err as Error).message}`;
    return unresolved(message, [{ repo: ctx.repo.repo, file: use.pos.file, line: use.pos.line, code: 'expand-failed', message }]);
  }
}

function expandUnsafe(use: ComponentUse, ctx: ExpandContext): Expansion {
  const ref = use.ref;
  if (ref.kind === 'orb') {
    const loaded = loadOrb(ctx.repo.repo, ref, ctx.source);
    if (!loaded.ok) return unloaded(loaded);
    const uses: ComponentUse[] = [];
    for (const binding of loaded.defs.orbs.values()) if (binding.kind === 'ref') uses.push({ ref: binding.ref, pos: binding.pos });
    return { status: 'resolved', uses, scripts: [], secrets: [], errors: loaded.errors };
  }
  if (ref.kind !== 'orb-element') return unresolved(`the CircleCI platform does not expand ${ref.kind} components`);

  const loaded = loadOrb(ctx.repo.repo, ref.orb, ctx.source);
  if (!loaded.ok) return unloaded(loaded);
  const { defs, errors } = loaded;
  const section = ref.elementKind === 'job' ? defs.jobs : ref.elementKind === 'command' ? defs.commands : defs.executors;
  const sectionKey = ref.elementKind === 'job' ? 'jobs' : ref.elementKind === 'command' ? 'commands' : 'executors';
  const def = section[ref.element];
  if (!isRecord(def)) return unresolved(`orb ${ref.orb.raw} has no ${ref.elementKind} "${ref.element}"`, errors);

  const w = newWalker(ctx.repo.repo, errors);
  const args = inputArgs(use.inputs, def.parameters);
  const path = [sectionKey, ref.element];
  const here = posIn(defs, path);
  let body: Body | JobBody;
  if (ref.elementKind === 'job') {
    body = elaborateJob(def, defs, path, args, w).body;
  } else if (ref.elementKind === 'command') {
    body = emptyBody();
    const scope = bindScope(def.parameters, args, {});
    envVarSecrets(scope, body, here);
    walkSteps(def.steps, locateIn(defs, [...path, 'steps']), here, { defs, scope, w, body, stack: [`${defs.file}##${ref.element}`] });
  } else {
    const job: JobBody = { ...emptyBody(), runner: { selfHosted: false, labels: [] } };
    readExecutor(def, defs, path, args, job, []);
    body = job;
  }

  const uses: ComponentUse[] = [...body.uses];
  const scripts: Expansion['scripts'] = [];
  for (const step of body.steps) {
    if (step.uses) uses.push(step.uses);
    if (step.run !== undefined) scripts.push({ text: step.run, pos: step.pos });
  }
  const secrets = [...body.secrets];
  for (const s of scripts) for (const name of credentialNames(s.text)) if (!secrets.some((x) => x.name === name)) secrets.push({ name, kind: 'variable', pos: s.pos });
  return { status: 'resolved', uses, scripts, secrets, errors: w.errors };
}

/**
 * The use's inputs as parameter arguments. Inputs are strings; a `steps` parameter given as a JSON list
 * (by a caller that had one) is read back as a list.
 */
function inputArgs(inputs: Record<string, string> | undefined, declared: unknown): Plain {
  const args: Plain = {};
  if (!inputs) return args;
  const decl = isRecord(declared) ? declared : {};
  for (const [k, v] of Object.entries(inputs)) {
    const d = decl[k];
    if (isRecord(d) && d.type === 'steps') {
      try {
        const parsed: unknown = JSON.parse(v);
        if (Array.isArray(parsed)) args[k] = parsed;
      } catch {
        // not a list: leave the default
      }
      continue;
    }
    args[k] = v;
  }
  return args;
}
