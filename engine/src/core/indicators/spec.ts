/**
 * `--component SPEC` → an Indicator built on the spot. Pure.
 *
 *   gha:owner/repo[/path][@ref]      a GitHub action (or reusable workflow repository)
 *   orb:namespace/name[@version]     a CircleCI orb
 *   script:URL                       a script fetched at run time (http or https)
 *   image:name[:tag|@digest]         a container image
 *   gitlab:group/project[@ref]       a GitLab project whose files are included
 *
 * The ref is read by the one ref notation (notation.ts): `@v1`, `@1.0.x`, `@v1..v3.2.0`, `@>=1.0.0 <1.5.0`;
 * a ref outside it is refused. No ref means every ref is affected. A full 40-hex SHA (or an image
 * digest) names the malicious commit: only pins to it are affected, and mutable refs are not judged affected.
 */
import type { Indicator, IndicatorComponent, IndicatorKind } from '../model';
import { parseRefEntry, refEntryError } from './notation';

export type SpecResult = { ok: true; indicator: Indicator } | { ok: false; error: string };

const SEGMENT = /^[A-Za-z0-9_.-]+$/;
const SHA_OR_DIGEST = /^([0-9a-f]{40}|sha(256|512):[0-9a-f]{32,128})$/i;
const SPEC_KINDS = ['gha', 'orb', 'script', 'image', 'gitlab'] as const;
type SpecKind = (typeof SPEC_KINDS)[number];

const USAGE = 'expected gha:owner/repo[@ref], orb:ns/name[@version], script:URL, image:name[:tag|@digest] or gitlab:group/project[@ref]';

function fail(spec: string, why: string): SpecResult {
  return { ok: false, error: `bad component spec "${spec}": ${why} (${USAGE})` };
}

function isSpecKind(k: string): k is SpecKind {
  return (SPEC_KINDS as readonly string[]).includes(k);
}

/** The ref after `@` (or the image tag), read by the one ref notation of notation.ts. */
function refs(ref: string | undefined): Pick<IndicatorComponent, 'affectedRefs' | 'maliciousShas'> | { error: string } {
  if (ref === undefined) return { affectedRefs: ['*'], maliciousShas: [] };
  const parsed = parseRefEntry(ref);
  switch (parsed.kind) {
    case 'invalid':
      return { error: refEntryError('ref', parsed) };
    case 'sha':
      return { affectedRefs: [], maliciousShas: [parsed.sha] };
    case 'digest':
      return { affectedRefs: [], maliciousShas: [parsed.digest] };
    default:
      return { affectedRefs: [ref.trim()], maliciousShas: [] };
  }
}

function build(spec: string, kind: IndicatorKind, component: IndicatorComponent): SpecResult {
  const slug = spec
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return {
    ok: true,
    indicator: {
      id: `component-${slug}`,
      title: `Component ${spec} (given on the command line)`,
      kind,
      windowStart: '1970-01-01T00:00:00Z',
      windowEnd: '9999-12-31T23:59:59Z',
      windowConfidence: 'none: built from --component, every run of the component counts',
      components: [component],
      exposureScope: 'unknown: assume the payload could read everything the job can read',
      sources: [],
    },
  };
}

function splitAt(text: string): { name: string; ref?: string } {
  const at = text.indexOf('@');
  if (at < 0) return { name: text };
  return { name: text.slice(0, at), ref: text.slice(at + 1) };
}

/** Parses a `--component` spec. Never throws. */
export function parseComponentSpec(spec: string): SpecResult {
  const trimmed = spec.trim();
  const colon = trimmed.indexOf(':');
  if (colon <= 0) return fail(spec, 'no kind prefix');
  const kind = trimmed.slice(0, colon).toLowerCase();
  const body = trimmed.slice(colon + 1);
  if (!isSpecKind(kind)) return fail(spec, `unknown kind "${kind}"`);
  if (body === '') return fail(spec, 'nothing after the kind');

  switch (kind) {
    case 'gha':
    case 'orb':
    case 'gitlab': {
      const { name, ref } = splitAt(body);
      if (ref !== undefined && (ref.trim() === '' || ref.includes('@'))) return fail(spec, 'empty or malformed ref after @');
      const refLists = refs(ref);
      if ('error' in refLists) return fail(spec, refLists.error);
      const segs = name.split('/');
      if (segs.some((s) => !SEGMENT.test(s) || s === '.' || s === '..')) return fail(spec, `"${name}" has an empty or invalid path segment`);
      if (kind === 'orb') {
        if (segs.length !== 2) return fail(spec, 'an orb is namespace/name');
        return build(trimmed, 'orb', { kind: 'orb', id: name, safeRefs: [], ...refLists });
      }
      if (segs.length < 2) return fail(spec, kind === 'gha' ? 'an action is owner/repo[/path]' : 'a GitLab project is group/project');
      if (kind === 'gha') return build(trimmed, 'action', { kind: 'gha-action', id: name, safeRefs: [], ...refLists });
      return build(trimmed, 'gitlab', { kind: 'gitlab-include', id: name, safeRefs: [], ...refLists });
    }
    case 'script': {
      let url: URL;
      try {
        url = new URL(body);
      } catch {
        return fail(spec, `"${body}" is not a URL`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail(spec, 'a script URL must be http or https');
      return build(trimmed, 'script', { kind: 'script-url', id: body, affectedRefs: ['*'], safeRefs: [], maliciousShas: [] });
    }
    case 'image': {
      const at = body.indexOf('@');
      let name = body;
      let ref: string | undefined;
      if (at >= 0) {
        name = body.slice(0, at);
        ref = body.slice(at + 1);
        if (!SHA_OR_DIGEST.test(ref)) return fail(spec, `"${ref}" is not a digest (sha256:…)`);
      } else {
        const slash = body.lastIndexOf('/');
        const colonAt = body.lastIndexOf(':');
        if (colonAt > slash) {
          name = body.slice(0, colonAt);
          ref = body.slice(colonAt + 1);
          if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(ref)) return fail(spec, `"${ref}" is not an image tag`);
        }
      }
      if (!/^[a-z0-9]+([._:/-][a-z0-9]+)*$/i.test(name)) return fail(spec, `"${name}" is not an image name`);
      const refLists = refs(ref);
      if ('error' in refLists) return fail(spec, refLists.error);
      return build(trimmed, 'image', { kind: 'image', id: name, safeRefs: [], ...refLists });
    }
  }
}
