/**
 * GitLab `image:` / `services:` values → image ComponentRefs. Pure.
 */
import type { ComponentRef } from '../../model';
import { asString, isRecord } from '../../yaml';

export type ImageRef = Extract<ComponentRef, { kind: 'image' }>;

/**
 * Splits `registry:5000/group/name:tag@sha256:…` into name, tag and digest. A colon only starts a tag
 * after the last `/` (a registry port is part of the name).
 */
export function parseImage(raw: string): ImageRef | undefined {
  const text = raw.trim();
  if (text === '') return undefined;
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1) || undefined;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1) || undefined;
    rest = rest.slice(0, colon);
  }
  if (rest === '') return undefined;
  const ref: ImageRef = { kind: 'image', name: rest, raw: text };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** The image name written in an `image:` / service entry: a string or `{ name: … }`. */
export function imageText(value: unknown): string | undefined {
  if (isRecord(value)) return asString(value.name);
  return asString(value);
}
