/**
 * A custom indicator file (`--indicator FILE.json`): its TEXT → an Indicator, validated with zod.
 * Pure (the shell reads the file). Errors are located: `FILE: field components.0.kind: message`; an
 * affected/safe ref entry outside the ref notation (notation.ts) is one of them, naming the entry.
 */
import { z } from 'zod';
import { PLATFORMS } from '../vocabulary';
import type { Indicator } from '../model';
import { parseRefEntry, refEntryError } from './notation';

const isoUtc = z.string().refine((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/.test(s) && !Number.isNaN(Date.parse(s)), {
  message: 'must be an ISO-8601 UTC time such as 2025-03-14T00:00:00Z',
});

const componentSchema = z
  .object({
    kind: z.enum(['gha-action', 'orb', 'script-url', 'image', 'gitlab-include', 'package', 'platform', 'workflow', 'runner-label']),
    id: z.string().min(1),
    affectedRefs: z.array(z.string()).default(['*']),
    safeRefs: z.array(z.string()).default([]),
    maliciousShas: z.array(z.string().regex(/^([0-9a-f]{40}|sha(256|512):[0-9a-f]{32,128})$/i, 'must be a full 40-hex commit SHA or an image digest')).default([]),
    runTimeFetch: z.string().url('must be the URL of the script the component downloads at run time').optional(),
    note: z.string().optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    // Every affected/safe entry is read by the one ref notation: one outside it is refused, never read as a ref that matches nothing.
    for (const list of ['affectedRefs', 'safeRefs'] as const) {
      c[list].forEach((entry, index) => {
        const parsed = parseRefEntry(entry);
        if (parsed.kind === 'invalid') ctx.addIssue({ code: 'custom', path: [list, index], message: refEntryError('entry', parsed) });
      });
    }
    if (c.kind === 'package' && !/^(npm|pypi):.+/.test(c.id)) {
      ctx.addIssue({ code: 'custom', path: ['id'], message: 'a package id is npm:<name> or pypi:<name>' });
    }
    if (c.kind === 'platform' && !(PLATFORMS as readonly string[]).includes(c.id)) {
      ctx.addIssue({ code: 'custom', path: ['id'], message: `a platform id is one of ${PLATFORMS.join(', ')}` });
    }
  });

export const indicatorSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be kebab-case (a-z, 0-9, -)'),
    title: z.string().min(1),
    kind: z.enum(['action', 'orb', 'script', 'image', 'package', 'platform', 'gitlab']),
    windowStart: isoUtc,
    windowEnd: isoUtc,
    windowConfidence: z.string().default('unknown'),
    components: z.array(componentSchema),
    platform: z.enum(PLATFORMS).optional(),
    exposureScope: z.string().default('unknown'),
    sources: z.array(z.string()).default([]),
  })
  .strict()
  .superRefine((i, ctx) => {
    if (Date.parse(i.windowEnd) < Date.parse(i.windowStart)) ctx.addIssue({ code: 'custom', path: ['windowEnd'], message: 'ends before windowStart' });
    if (i.components.length === 0 && i.kind !== 'platform') ctx.addIssue({ code: 'custom', path: ['components'], message: 'needs at least one component' });
    if (i.kind === 'platform' && i.platform === undefined && !i.components.some((c) => c.kind === 'platform')) {
      ctx.addIssue({ code: 'custom', path: ['platform'], message: 'a platform incident names its platform' });
    }
  });

export type LoadResult = { ok: true; indicator: Indicator } | { ok: false; error: string };

/** Parses and validates an indicator file's text. `file` is only used in messages. Never throws. */
export function loadIndicator(file: string, text: string): LoadResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `${file}: not valid JSON: ${(err as Error).message}` };
  }
  const parsed = indicatorSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `field ${issue.path.join('.')}` : 'top level';
    return { ok: false, error: `${file}: ${where}: ${issue?.message ?? 'invalid'}` };
  }
  const d = parsed.data;
  const indicator: Indicator = {
    id: d.id,
    title: d.title,
    kind: d.kind,
    windowStart: d.windowStart,
    windowEnd: d.windowEnd,
    windowConfidence: d.windowConfidence,
    components: d.components.map((c) => ({
      kind: c.kind,
      id: c.id,
      affectedRefs: c.affectedRefs,
      safeRefs: c.safeRefs,
      maliciousShas: c.maliciousShas.map((s) => s.toLowerCase()),
      ...(c.runTimeFetch === undefined ? {} : { runTimeFetch: c.runTimeFetch }),
      ...(c.note === undefined ? {} : { note: c.note }),
    })),
    exposureScope: d.exposureScope,
    sources: d.sources,
    ...(d.platform === undefined ? {} : { platform: d.platform }),
  };
  return { ok: true, indicator };
}
