/**
 * `resolveJob` over the platform registry: each component kind is expanded by the platform whose
 * `expands` lists it. Pass another expander to resolve without the registry (tests).
 */
import type { ComponentUse, ExpandContext, Expansion, Job, Pipeline, ResolvedJob } from '../model';
import { platformExpanding } from '../platforms';
import { createResolver, type Expander, type ExpansionMemo, type Resolver } from './resolver';

export type { Expander, ExpansionMemo, Resolver } from './resolver';

/** The registry's expander: the platform that reads this kind, or undefined (images, scripts, packages). */
export const registryExpander: Expander = (use: ComponentUse, ctx: ExpandContext): Expansion | undefined =>
  platformExpanding(use.ref.kind)?.expand(use, ctx);

/** A resolver for one scan of one repository (expansions memoised across its jobs). */
export function scanResolver(ctx: ExpandContext, expander: Expander = registryExpander, memo?: ExpansionMemo): Resolver {
  return createResolver(ctx, expander, memo);
}

/** Resolves one job on its own (no memo shared with other jobs). */
export function resolveJob(job: Job, pipeline: Pipeline, ctx: ExpandContext, expander: Expander = registryExpander): ResolvedJob {
  return createResolver(ctx, expander).resolveJob(job, pipeline);
}
