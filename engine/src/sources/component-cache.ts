/**
 * IMPERATIVE SHELL: the v1 ComponentSource, a component cache directory in the layout of
 * `core/resolve/cache-key.ts`. Reads are synchronous, memoised, bounded (5 MiB) and never leave the
 * cache folder (keys with `..`, absolute paths, or symlinks that resolve outside it are refused).
 */
import { realpathSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import type { ComponentRef, ComponentSource } from '../core/model';
import { cacheKey, describeCacheLookup } from '../core/resolve/cache-key';
import { decodeSource } from '../core/yaml';
import { readBounded } from './local-dir';

export interface CacheSourceOptions {
  maxFileBytes?: number;
}

export interface CacheSource extends ComponentSource {
  /** Cache-relative keys that were asked for, in order (for tests and diagnostics). */
  readonly reads: string[];
}

/** Is `key` a safe cache-relative path (no `..`, not absolute, no backslash or NUL)? */
export function isSafeKey(key: string): boolean {
  if (key === '' || key.startsWith('/') || /^[A-Za-z]:/.test(key) || key.includes('\\') || key.includes('\0')) return false;
  return key.split('/').every((s) => s !== '..' && s !== '');
}

/** A ComponentSource over `dir`. `label` is how messages name the folder (default: `dir` as given). */
export function componentCacheSource(dir: string, options: CacheSourceOptions = {}, label = dir): CacheSource {
  const maxBytes = options.maxFileBytes ?? 5 * 1024 * 1024;
  const root = resolve(dir);
  let realRoot: string | undefined;
  try {
    realRoot = realpathSync(root);
  } catch {
    realRoot = undefined;
  }
  const memo = new Map<string, string | undefined>();
  const reads: string[] = [];

  const load = (key: string): string | undefined => {
    if (realRoot === undefined || !isSafeKey(key)) return undefined;
    const full = resolve(root, key);
    if (!full.startsWith(root + sep)) return undefined;
    let real: string;
    try {
      real = realpathSync(full);
    } catch {
      return undefined;
    }
    if (!real.startsWith(realRoot + sep)) return undefined;
    try {
      if (!statSync(real).isFile()) return undefined;
      const bytes = readBounded(real, maxBytes);
      if (bytes === undefined) return undefined;
      const decoded = decodeSource(bytes);
      return 'text' in decoded ? decoded.text : undefined;
    } catch {
      return undefined;
    }
  };

  return {
    reads,
    read(ref: ComponentRef, path: string): string | undefined {
      const key = cacheKey(ref, path);
      if (key === undefined) return undefined;
      reads.push(key);
      if (!memo.has(key)) memo.set(key, load(key));
      return memo.get(key);
    },
    describe(ref: ComponentRef): string {
      return describeCacheLookup(ref, `component cache ${label}:`);
    },
  };
}
