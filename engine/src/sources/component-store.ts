/**
 * IMPERATIVE SHELL: the on-disk, content-addressed component cache that fetched components are written
 * into, reused across scans.
 *
 *   <dir>/objects/<aa>/<sha256>        each file's bytes, once, named by their SHA-256
 *   <dir>/<cache key>                   the layout the core reads (core/resolve/cache-key.ts:
 *                                       github/<owner>/<repo>@<ref>/…, circleci/orbs/<ns>/<name>@<v>.yml,
 *                                       gitlab/<project>@<ref>/…, jenkins/libraries/<name>@<ref>/…),
 *                                       each a hard link to its object (a copy where links fail)
 *   <dir>/manifests/<sha256 of id>.json which component was fetched and its files (key and SHA-256)
 *
 * The cache-key layout is materialised as files, so the store is read by the same bounded reader as a
 * `--cache` folder (component-cache.ts), and `--cache <dir>` can point at it. A component with a
 * manifest was fetched: it is not fetched again (a file it does not have — `action.yaml` beside
 * `action.yml` — stays missing). Writes are atomic (temporary file, then rename) and never leave the
 * folder: keys come from cacheKey (no `..`), and a folder inside the store that is a symbolic link out of
 * it is refused.
 */
import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { z } from 'zod';
import type { ComponentRef } from '../core/model';
import { cacheKey, cacheRoot } from '../core/resolve/cache-key';
import { type CacheSource, componentCacheSource, isSafeKey } from './component-cache';

/** How reports name the store of fetched components (never its path on the machine: reports reach chat channels). */
export const FETCHED_LABEL = 'of fetched components';
import type { ComponentCacheWriter } from './source';

/**
 * The store's folder under the data directory: `components` for a scan of today's heads, and
 * `components/as-of/<window end>` (e.g. `as-of/20250315T235959Z`) for a scan of an incident window — a
 * fetcher reads a branch (and a moving orb version) as of the window's end under the ref as written
 * (`github/o/r@main/…`), so today's read and an as-of-window read of one branch, or reads as of two windows'
 * ends, must not share a folder: the first would be reused for the others.
 */
export function componentStoreDir(dataDir: string, window?: { end: number }): string {
  if (window === undefined) return join(dataDir, 'components');
  return join(dataDir, 'components', 'as-of', new Date(window.end).toISOString().replace(/[-:]/g, '').replace(/\.000Z$/, 'Z'));
}

/** Largest file a fetcher may write (as the cache reader reads at most). */
export const MAX_COMPONENT_FILE_BYTES = 5 * 1024 * 1024;

/** What is fetched for a ref: an orb for one of its elements, the ref itself otherwise. */
export function fetchTarget(ref: ComponentRef): ComponentRef {
  return ref.kind === 'orb-element' ? ref.orb : ref;
}

/** A component's identity in the store: the cache folder (or file) that holds it; undefined for kinds the cache does not hold. */
export function componentId(ref: ComponentRef): string | undefined {
  const target = fetchTarget(ref);
  return cacheRoot(target) ?? cacheKey(target, '');
}

const manifestSchema = z.object({
  component: z.string(),
  files: z.array(z.object({ path: z.string(), key: z.string(), sha256: z.string() })),
});
export type StoreManifest = z.infer<typeof manifestSchema>;

export interface ComponentStore {
  readonly dir: string;
  /** A writer for one fetch: records what it wrote. */
  writer(): ComponentCacheWriter & { readonly written: StoreManifest['files'] };
  /** Records that `ref` was fetched, with its files. */
  markFetched(ref: ComponentRef, files: StoreManifest['files']): void;
  /** Was `ref` fetched before (in this scan or an earlier one)? */
  has(ref: ComponentRef): boolean;
  /** A fresh reader over the store (the core's ComponentSource), `label` naming it in messages. */
  source(label?: string): CacheSource;
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function componentStore(dir: string): ComponentStore {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true });
  const realRoot = realpathSync(root);
  const inside = (p: string): boolean => p === realRoot || p.startsWith(realRoot + sep);

  /** Makes the folder of `full` and checks that it resolves inside the store. */
  const folderFor = (full: string): void => {
    const parent = dirname(full);
    mkdirSync(parent, { recursive: true });
    if (!inside(realpathSync(parent))) throw new Error(`the component store folder ${parent} leads outside the store; not written`);
  };

  const atomicWrite = (full: string, data: string | Buffer): void => {
    folderFor(full);
    const tmp = `${full}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    writeFileSync(tmp, data);
    renameSync(tmp, full);
  };

  const putObject = (bytes: Buffer): { hash: string; path: string } => {
    const hash = sha256(bytes);
    const path = join(root, 'objects', hash.slice(0, 2), hash);
    if (!existsSync(path)) atomicWrite(path, bytes);
    return { hash, path };
  };

  const linkKey = (key: string, object: string): void => {
    const full = resolve(root, key);
    if (!full.startsWith(root + sep)) throw new Error(`cache key ${key} leaves the store; not written`);
    folderFor(full);
    const tmp = `${full}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      linkSync(object, tmp);
    } catch {
      writeFileSync(tmp, readFileSync(object));
    }
    renameSync(tmp, full);
  };

  const manifestPath = (id: string): string => join(root, 'manifests', `${sha256(id)}.json`);

  return {
    dir: root,
    writer() {
      const written: StoreManifest['files'] = [];
      return {
        written,
        write(ref: ComponentRef, path: string, text: string): void {
          const key = cacheKey(ref, path);
          if (key === undefined || !isSafeKey(key)) throw new Error(`${ref.raw}: ${path} has no place in the component cache; not written`);
          const bytes = Buffer.from(text, 'utf8');
          if (bytes.length > MAX_COMPONENT_FILE_BYTES) throw new Error(`${ref.raw}: ${path} is ${bytes.length} bytes, over ${MAX_COMPONENT_FILE_BYTES}; not written`);
          const object = putObject(bytes);
          linkKey(key, object.path);
          written.push({ path, key, sha256: object.hash });
        },
      };
    },
    markFetched(ref, files) {
      const id = componentId(ref);
      if (id === undefined) return;
      const manifest: StoreManifest = { component: id, files };
      atomicWrite(manifestPath(id), `${JSON.stringify(manifest, null, 2)}\n`);
    },
    has(ref) {
      const id = componentId(ref);
      if (id === undefined) return false;
      try {
        const parsed = manifestSchema.safeParse(JSON.parse(readFileSync(manifestPath(id), 'utf8')));
        return parsed.success && parsed.data.component === id;
      } catch {
        return false;
      }
    },
    source(label = dir) {
      return componentCacheSource(root, {}, label);
    },
  };
}

