/**
 * Pure parsers for the references a CircleCI config writes: orbs (`ns/name@version`) and docker images.
 */
import type { ComponentRef, OrbRef } from '../../model';

export type ImageRef = Extract<ComponentRef, { kind: 'image' }>;

const ORB_RE = /^([A-Za-z0-9][\w.-]*)\/([A-Za-z0-9][\w.-]*)(?:@([\w.-]+))?$/;

/** `ns/name@version` (version may be `volatile` or absent). Undefined when the text is not an orb reference. */
export function parseOrbRef(text: string): OrbRef | undefined {
  const raw = text.trim();
  const m = ORB_RE.exec(raw);
  if (!m) return undefined;
  const [, namespace, name, version] = m;
  if (namespace === undefined || name === undefined) return undefined;
  return version === undefined ? { kind: 'orb', namespace, name, raw } : { kind: 'orb', namespace, name, version, raw };
}

/** `[registry[:port]/]name[:tag][@digest]`. Undefined for an empty string. */
export function parseImageRef(text: string): ImageRef | undefined {
  const raw = text.trim();
  if (raw === '') return undefined;
  let rest = raw;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const ref: ImageRef = { kind: 'image', name: rest, raw };
  if (tag !== undefined && tag !== '') ref.tag = tag;
  if (digest !== undefined && digest !== '') ref.digest = digest;
  return ref;
}
